import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseDeviceDrops,
  parseDeviceRxPackets,
  parseSnmpTables,
  parseStackCounters,
  subtractStack,
} from "../../../harness/backends/lab/kernel-counters.js";

// Captured from a lab pod's and node's /proc/<netserver pid>/net/* after a 1 s cross-node
// TCP_STREAM (kernel in test/fixtures/proc/KERNEL.txt).
const proc = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "proc", name), "utf8");

describe("kernel counters", () => {
  it("reads the node's IP forwarding and the client's TCP counters", () => {
    const ip = parseSnmpTables(proc("node-snmp.txt")).get("Ip");
    // the node forwarded what its lxc device received from the pod, and the replies
    expect(ip?.get("ForwDatagrams")).toBe(55647);
    const client = parseStackCounters(proc("pod-snmp.txt"), proc("pod-netstat.txt"), "rb-node1-pod1");
    expect(client.tcpRetransSegs).toBeGreaterThanOrEqual(0);
    expect(client.tcpReorder).toBeGreaterThanOrEqual(0);
    expect(Object.keys(client)).toEqual(["ipForwarded", "tcpRetransSegs", "tcpReorder", "tcpDsackRecv"]);
  });

  it("reads each counter from its own column (synthetic values, distinct per field)", () => {
    // The capture's TCP counters are all 0, so any column or any sign would pass on it. Here
    // every values line of the real capture is rewritten: field k of table t gets
    // 1000 * (t + 1) + 7 * k + 1, distinct and non-zero, and the expected figures are looked up
    // by name in the same rewritten text, independently of the parser.
    const rewrite = (text: string, first: number) => {
      const lines = text.split("\n");
      const named = new Map<string, number>();
      let t = first;
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const names = (lines[i] ?? "").trim().split(/\s+/);
        const prefix = names[0] ?? "";
        if (!prefix.endsWith(":")) continue;
        const values = names.slice(1).map((_, k) => 1000 * (t + 1) + 7 * k + 1);
        for (const [k, name] of names.slice(1).entries())
          named.set(`${prefix}${name}`, values[k] ?? Number.NaN);
        lines[i + 1] = `${prefix} ${values.join(" ")}`;
        t++;
      }
      return { text: lines.join("\n"), named, tables: t };
    };
    const snmp = rewrite(proc("pod-snmp.txt"), 0);
    const netstat = rewrite(proc("pod-netstat.txt"), snmp.tables);
    const v = (key: string) => {
      const value = snmp.named.get(key) ?? netstat.named.get(key);
      if (value === undefined) throw new Error(`fixture has no ${key}`);
      return value;
    };
    const counters = parseStackCounters(snmp.text, netstat.text, "rb-node1-pod1");
    expect(counters).toEqual({
      ipForwarded: v("Ip:ForwDatagrams"),
      tcpRetransSegs: v("Tcp:RetransSegs"),
      tcpReorder: v("TcpExt:TCPSACKReorder") + v("TcpExt:TCPTSReorder") + v("TcpExt:TCPRenoReorder"),
      tcpDsackRecv: v("TcpExt:TCPDSACKRecv"),
    });
    // the figures themselves, so that a rewrite that went wrong cannot pass unnoticed
    expect(counters.tcpRetransSegs).not.toBe(v("Tcp:InErrs"));
    expect(new Set(Object.values(counters)).size).toBe(4);
    expect(Object.values(counters).every((n) => n > 1000)).toBe(true);
  });

  it("subtracts each counter from its own", () => {
    const after = { ipForwarded: 100, tcpRetransSegs: 50, tcpReorder: 30, tcpDsackRecv: 20 };
    const before = { ipForwarded: 1, tcpRetransSegs: 2, tcpReorder: 3, tcpDsackRecv: 4 };
    expect(subtractStack(after, before)).toEqual({
      ipForwarded: 99,
      tcpRetransSegs: 48,
      tcpReorder: 27,
      tcpDsackRecv: 16,
    });
  });

  it("pairs each header line with the values line under it, whatever the spacing", () => {
    const text = [
      "Ip: Forwarding  ForwDatagrams", // two spaces: one column, not an empty name
      "Ip: 2 41",
      "Tcp: RetransSegs InErrs",
      "Udp: 5 6", // not Tcp's values: Tcp is left out, not read from the wrong table
      "Udp: InDatagrams NoPorts",
      "Udp: 7 x", // an unreadable value is left out, the rest is read
      "TcpExt: A",
    ].join("\n");
    const tables = parseSnmpTables(text);
    expect([...tables.keys()]).toEqual(["Ip", "Udp"]);
    expect(Object.fromEntries(tables.get("Ip") ?? [])).toEqual({ Forwarding: 2, ForwDatagrams: 41 });
    expect(Object.fromEntries(tables.get("Udp") ?? [])).toEqual({ InDatagrams: 7 });
    // a values line above the header is not mistaken for a header
    const repeated = parseSnmpTables("Ip: 1 2\nIp: A B\nIp: 5 6");
    expect(Object.fromEntries(repeated.get("Ip") ?? [])).toEqual({ A: 5, B: 6 });
    expect(parseSnmpTables("Ip: A -1\nIp: 7 -3").get("Ip")?.get("A")).toBe(7);
    expect(parseSnmpTables("")).toEqual(new Map());
  });

  it("names a missing counter instead of reading zero", () => {
    expect(() => parseStackCounters(proc("pod-snmp.txt"), "", "rb-node1-pod1")).toThrow(
      /rb-node1-pod1: no TcpExt TCPSACKReorder counter/,
    );
  });

  it("sums receive and transmit drops per device", () => {
    expect(parseDeviceDrops(proc("node-dev.txt"))).toEqual({ lo: 0, eth0: 0, lxcn1p1: 0, lxcn1p2: 0 });
    const header = proc("node-dev.txt").split("\n").slice(0, 2).join("\n");
    const line = "eth0: 100 2 0 5 1 0 0 0 200 3 0 7 0 0 0 0";
    expect(parseDeviceDrops(`${header}\n${line}\n`)).toEqual({ eth0: 13 });
    // each of the four drop columns counts once, and no other column counts
    const cols = (at: number[]) =>
      Array.from({ length: 16 }, (_, k) => (at.includes(k) ? 10 ** at.indexOf(k) : 0)).join(" ");
    expect(parseDeviceDrops(`${header}\n  dn1p1:${cols([3, 4, 11, 12])}\n`)).toEqual({ dn1p1: 1111 });
    expect(parseDeviceDrops(`${header}\ndn1p1:${cols([0, 1, 2, 5, 6, 7, 8, 9])}\n`)).toEqual({ dn1p1: 0 });
    // only the two header lines are skipped; a line without a device name is not a device
    expect(parseDeviceDrops(`${header}\n${line}\nnot a device\n`)).toEqual({ eth0: 13 });
    expect(parseDeviceDrops(`eth0: ${cols([3])}\nlo: ${cols([3])}\n${line}`)).toEqual({ eth0: 13 });
  });

  it("reads each device's received packets (second rx column)", () => {
    const header = proc("node-dev.txt").split("\n").slice(0, 2).join("\n");
    const lines = [
      "eth0: 100 2 0 5 1 0 0 0 200 3 0 7 0 0 0 0",
      "dn1p1: 9000 17 0 0 0 0 0 0 640 9 0 0 0 0 0 0",
    ];
    expect(parseDeviceRxPackets(`${header}\n${lines.join("\n")}\n`)).toEqual({ eth0: 2, dn1p1: 17 });
    // the kernel pads the columns: no space after a long name's colon, several before a number
    expect(parseDeviceRxPackets(`${header}\n  lxcn1p1:588664882   36357    0\nx\n`)).toEqual({
      lxcn1p1: 36357,
    });
    expect(parseDeviceRxPackets(`eth0: 1 2\nlo: 3 4\nlo: 5 6`)).toEqual({ lo: 6 });
    const captured = parseDeviceRxPackets(proc("node-dev.txt"));
    expect(Object.keys(captured).sort()).toEqual(["eth0", "lo", "lxcn1p1", "lxcn1p2"]);
    expect(Object.values(captured).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });
});
