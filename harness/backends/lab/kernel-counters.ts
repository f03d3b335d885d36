/**
 * Parsing the kernel's per-namespace counters that a lab trial reads around itself:
 * /proc/<pid>/net/snmp and /proc/<pid>/net/netstat (IP forwarding, TCP retransmissions and
 * reordering) and /proc/<pid>/net/dev (device drops). Pure. Reading them through a process
 * that lives in the namespace (its netserver) costs a file read, not a subprocess.
 */

/** `Ip:`/`Tcp:`/`TcpExt:` tables: header line of names, then a line of values, per prefix. */
export function parseSnmpTables(text: string): Map<string, Map<string, number>> {
  const tables = new Map<string, Map<string, number>>();
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i]?.split(/\s+/) ?? [];
    const values = lines[i + 1]?.split(/\s+/) ?? [];
    const prefix = header[0];
    if (!prefix?.endsWith(":") || values[0] !== prefix) continue;
    if (header.slice(1).every((name) => /^-?\d+$/.test(name))) continue; // a values line
    const table = new Map<string, number>();
    header.slice(1).forEach((name, k) => {
      const value = Number(values[k + 1]);
      if (name && Number.isFinite(value)) table.set(name, value);
    });
    tables.set(prefix.slice(0, -1), table);
    i++;
  }
  return tables;
}

/** Counters of one namespace that tell whether the lab itself misbehaved during a trial. */
export interface StackCounters {
  /** Ip ForwDatagrams: packets the namespace's IP stack forwarded (legacy host routing). */
  ipForwarded: number;
  /** Tcp RetransSegs. */
  tcpRetransSegs: number;
  /** TcpExt TCPSACKReorder + TCPTSReorder + TCPRenoReorder: reordering the stack detected. */
  tcpReorder: number;
  /** TcpExt TCPDSACKRecv: the peer received a segment twice (a retransmission that was spurious). */
  tcpDsackRecv: number;
}

function need(tables: Map<string, Map<string, number>>, table: string, name: string, where: string): number {
  const value = tables.get(table)?.get(name);
  if (value === undefined) throw new Error(`${where}: no ${table} ${name} counter`);
  return value;
}

/** The counters above from a namespace's snmp and netstat text; throws naming what is missing. */
export function parseStackCounters(snmp: string, netstat: string, where: string): StackCounters {
  const tables = parseSnmpTables(`${snmp}\n${netstat}`);
  return {
    ipForwarded: need(tables, "Ip", "ForwDatagrams", where),
    tcpRetransSegs: need(tables, "Tcp", "RetransSegs", where),
    tcpReorder:
      need(tables, "TcpExt", "TCPSACKReorder", where) +
      need(tables, "TcpExt", "TCPTSReorder", where) +
      need(tables, "TcpExt", "TCPRenoReorder", where),
    tcpDsackRecv: need(tables, "TcpExt", "TCPDSACKRecv", where),
  };
}

export function subtractStack(after: StackCounters, before: StackCounters): StackCounters {
  return {
    ipForwarded: after.ipForwarded - before.ipForwarded,
    tcpRetransSegs: after.tcpRetransSegs - before.tcpRetransSegs,
    tcpReorder: after.tcpReorder - before.tcpReorder,
    tcpDsackRecv: after.tcpDsackRecv - before.tcpDsackRecv,
  };
}

/** Packets each of a namespace's devices received (/proc/net/dev). */
export function parseDeviceRxPackets(text: string): Record<string, number> {
  const packets: Record<string, number> = {};
  for (const line of text.split("\n").slice(2)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    packets[match[1]] = Number(match[2].trim().split(/\s+/)[1] ?? Number.NaN);
  }
  return packets;
}

/** Drops a namespace's devices counted, summed (receive and transmit; /proc/net/dev "drop" and "fifo"). */
export function parseDeviceDrops(text: string): Record<string, number> {
  const drops: Record<string, number> = {};
  for (const line of text.split("\n").slice(2)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const f = match[2].trim().split(/\s+/).map(Number);
    // rx: bytes packets errs drop fifo frame compressed multicast | tx: bytes packets errs drop fifo colls carrier compressed
    drops[match[1]] = (f[3] ?? 0) + (f[4] ?? 0) + (f[11] ?? 0) + (f[12] ?? 0);
  }
  return drops;
}
