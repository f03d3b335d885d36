/**
 * Over 300 lines on purpose: one reading and its delta (BPF, FORWARD in both families, the
 * namespaces' counters) kept together, as the path proof reads them.
 *
 * One reading of everything that proves which path a lab trial took, taken before and after
 * it: each node's BPF counters and config (mode and switch generation) in one bpftool batch,
 * each node's iptables FORWARD counter, and the kernel counters of the namespaces on the path
 * (their /proc/net files held open, netns-counters.ts: no subprocess, and no process whose death
 * would lose them). A counter that cannot be
 * read is an error, never a zero.
 */
import { readFile } from "node:fs/promises";
import { EnvironmentError } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import {
  type ConfigReading,
  type Counters,
  dumpCommands,
  parseBatchOutput,
  parseConfigDump,
  parseCountersDump,
  parsePinnedConfig,
  parsePinnedCounters,
  pinnedMapPaths,
  redirects,
  stackPasses,
  subtractCounters,
} from "./bpf-maps.js";
import type { ForwardSource } from "./forward-counter.js";
import { forwardPackets, parseIptablesSave } from "./iptables.js";
import {
  parseDeviceDrops,
  parseDeviceRxPackets,
  parseStackCounters,
  type StackCounters,
  subtractStack,
} from "./kernel-counters.js";
import type { CounterSource } from "./netns-counters.js";
import type { NodePlan } from "./plan.js";

/** argv that runs `argv` inside a lab namespace (nsenter keeps /sys/fs/bpf visible; `ip netns exec` hides it). */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=/run/netns/${netns}`, ...argv];
}

export interface NodeReading {
  netns: string;
  counters: Counters;
  config: ConfigReading;
  /** Packets counted by the lab's FORWARD counting rule. */
  forward: number;
}

export interface ProbeReading {
  nodes: Record<string, NodeReading>;
  /** Per namespace on the path: its stack counters, its devices' drops and received packets. */
  namespaces: Record<
    string,
    { stack: StackCounters; drops: Record<string, number>; rxPackets: Record<string, number> }
  >;
}

/** Reads a pinned map's file (bpffs prints a map with BTF when read: bpf-maps.ts). */
export type PinnedReader = (path: string) => Promise<string>;

export const readPinnedFile: PinnedReader = (path) => readFile(path, "utf8");

/**
 * Reads each node's BPF maps: from their pinned files, which costs no process; when that
 * fails (a map without BTF, a kernel that prints another format), in one bpftool process.
 */
async function readBpf(runner: Runner, nodes: readonly NodePlan[], readPinned: PinnedReader) {
  if (nodes.length === 0) return []; // a host baseline crosses no node: nothing to read
  try {
    return await Promise.all(
      nodes.map(async (node) => {
        const [counters, config] = await Promise.all(
          pinnedMapPaths(node.bpfPinDir).map((path) => readPinned(path)),
        );
        return {
          counters: parsePinnedCounters(counters as string),
          config: parsePinnedConfig(config as string),
        };
      }),
    );
  } catch {
    // bpftool reads the same maps by syscall, and names what is wrong when it cannot
  }
  const commands = nodes.flatMap((node) => dumpCommands(node.bpfPinDir));
  const result = await runChecked(runner, ["bpftool", "-j", "batch", "file", "-"], {
    input: `${commands.join("\n")}\n`,
  });
  const outputs = parseBatchOutput(result.stdout, commands.length);
  return nodes.map((_, i) => ({
    counters: parseCountersDump(outputs[2 * i] as string),
    config: parseConfigDump(outputs[2 * i + 1] as string),
  }));
}

/**
 * The FORWARD counting rule's packets (iptables, or ip6tables for an IPv6 trial); its absence
 * (a flushed chain) is an error.
 */
export async function readForward(runner: Runner, node: NodePlan, ipv6 = false): Promise<number> {
  const save = ipv6 ? "ip6tables-save" : "iptables-save";
  const saved = await runChecked(runner, inNetns(node.netns, [save, "-c", "-t", "filter"]));
  const packets = forwardPackets(parseIptablesSave(saved.stdout));
  if (packets === null) {
    throw new EnvironmentError(
      `the lab's FORWARD counting rule is missing in ${node.netns} (was the filter table flushed?)`,
      "recreate the lab: `routebench lab up --recreate`",
    );
  }
  return packets;
}

async function readNamespace(files: CounterSource) {
  let text: Awaited<ReturnType<CounterSource["read"]>>;
  try {
    text = await files.read();
  } catch (error) {
    throw new EnvironmentError(`cannot read the counters of ${files.netns} (${(error as Error).message})`);
  }
  return {
    stack: parseStackCounters(text.snmp, text.netstat, files.netns),
    drops: parseDeviceDrops(text.dev),
    rxPackets: parseDeviceRxPackets(text.dev),
  };
}

/**
 * Reads the nodes' BPF maps and FORWARD counters (ip6tables' for an IPv6 trial) and, through their open counter files
 * (netns-counters.ts), the namespaces' kernel counters. Runs the readers side by side.
 * `knownForward`: FORWARD counts by node name that need no process (probe's caller: the count
 * a node's last reading ended with, when nothing can have crossed the node since).
 * `forwardSource`: the session's FORWARD reader without a process (forward-counter.ts); a node
 * it gives no count for is read with iptables-save.
 */
export async function readProbe(
  runner: Runner,
  nodes: readonly NodePlan[],
  counterFiles: Readonly<Record<string, CounterSource>>,
  readPinned: PinnedReader = readPinnedFile,
  knownForward: Readonly<Record<string, number>> = {},
  ipv6 = false,
  forwardSource: ForwardSource | null = null,
): Promise<ProbeReading> {
  const readForwards = async () => {
    const unknown = nodes.some((node) => knownForward[node.name] === undefined);
    const served = unknown && forwardSource ? await forwardSource.read(ipv6) : {};
    return Promise.all(
      nodes.map((node) => knownForward[node.name] ?? served[node.netns] ?? readForward(runner, node, ipv6)),
    );
  };
  const [bpf, forwards, namespaces] = await Promise.all([
    readBpf(runner, nodes, readPinned),
    readForwards(),
    Promise.all(
      Object.entries(counterFiles).map(
        async ([netns, files]) => [netns, await readNamespace(files)] as const,
      ),
    ),
  ]);
  return {
    nodes: Object.fromEntries(
      nodes.map((node, i) => [
        node.name,
        {
          netns: node.netns,
          ...(bpf[i] as { counters: Counters; config: ConfigReading }),
          forward: forwards[i] as number,
        },
      ]),
    ),
    namespaces: Object.fromEntries(namespaces),
  };
}

/** What moved on the path between two readings, and whether the mode held throughout. */
export interface ProbeDelta {
  bpfRedirects: number;
  stackPasses: number;
  iptablesForwardPackets: number;
  /** Ip ForwDatagrams summed over the nodes. */
  ipForwarded: number;
  /** Each node's mode and generation before → after. */
  config: Record<string, { before: ConfigReading; after: ConfigReading }>;
  /** TCP counters of the client's namespace. */
  client: StackCounters | null;
  /** Device drops per namespace/device that moved (only non-zero ones). */
  drops: Record<string, number>;
  /** Packets received per namespace/device that moved (only non-zero ones). */
  rxPackets: Record<string, number>;
}

/** The delta of two readings of the same nodes and namespaces. Pure. */
export function probeDelta(
  before: ProbeReading,
  after: ProbeReading,
  clientNetns: string | null,
): ProbeDelta {
  let bpfRedirects = 0;
  let stack = 0;
  let forward = 0;
  let ipForwarded = 0;
  const config: ProbeDelta["config"] = {};
  for (const [name, b] of Object.entries(before.nodes)) {
    const a = after.nodes[name];
    if (!a) throw new Error(`probeDelta: node ${name} missing from the second reading`);
    const counters = subtractCounters(a.counters, b.counters);
    bpfRedirects += redirects(counters);
    stack += stackPasses(counters);
    forward += a.forward - b.forward;
    config[name] = { before: b.config, after: a.config };
    const nsBefore = before.namespaces[b.netns];
    const nsAfter = after.namespaces[a.netns];
    if (nsBefore && nsAfter) ipForwarded += nsAfter.stack.ipForwarded - nsBefore.stack.ipForwarded;
  }
  const drops: Record<string, number> = {};
  const rxPackets: Record<string, number> = {};
  for (const [netns, b] of Object.entries(before.namespaces)) {
    const a = after.namespaces[netns];
    if (!a) continue;
    for (const [device, count] of Object.entries(a.drops)) {
      const moved = count - (b.drops[device] ?? 0);
      if (moved !== 0) drops[`${netns}/${device}`] = moved;
    }
    for (const [device, count] of Object.entries(a.rxPackets)) {
      const moved = count - (b.rxPackets[device] ?? 0);
      if (moved !== 0) rxPackets[`${netns}/${device}`] = moved;
    }
  }
  const clientBefore = clientNetns ? before.namespaces[clientNetns] : undefined;
  const clientAfter = clientNetns ? after.namespaces[clientNetns] : undefined;
  return {
    bpfRedirects,
    stackPasses: stack,
    iptablesForwardPackets: forward,
    ipForwarded,
    config,
    client: clientBefore && clientAfter ? subtractStack(clientAfter.stack, clientBefore.stack) : null,
    drops,
    rxPackets,
  };
}

/** A trial's path verdict: `mode` when the mode or its generation moved, `path` when the packets took the wrong path. */
export interface PathJudgement {
  ok: boolean;
  kind: "ok" | "mode" | "path";
  reason: string;
}

/**
 * Judges a trial's path for the mode it is labelled with, on positive evidence only:
 *   legacy: every node in legacy at `generation` before and after, the stack forwarded
 *           (stack passes > 0, FORWARD packets > 0) and nothing was redirected;
 *   ebpf:   every node in ebpf at `generation` before and after, packets were redirected
 *           (> 0) and neither FORWARD nor the IP stack forwarded any.
 */
export function judgeTrialPath(mode: RoutingMode, generation: number, delta: ProbeDelta): PathJudgement {
  for (const [node, { before, after }] of Object.entries(delta.config)) {
    if (before.mode !== mode || after.mode !== mode)
      return {
        ok: false,
        kind: "mode",
        reason: `${node} was in ${before.mode} → ${after.mode}, not ${mode}`,
      };
    if (before.generation !== generation || after.generation !== generation)
      return {
        ok: false,
        kind: "mode",
        reason: `${node}'s mode was switched during the trial (generation ${before.generation} → ${after.generation}, expected ${generation})`,
      };
  }
  if (mode === "ebpf") {
    if (delta.bpfRedirects <= 0)
      return { ok: false, kind: "path", reason: "no packet was redirected in BPF" };
    if (delta.iptablesForwardPackets !== 0)
      return {
        ok: false,
        kind: "path",
        reason: `${delta.iptablesForwardPackets} packets went through iptables FORWARD`,
      };
    if (delta.ipForwarded !== 0)
      return {
        ok: false,
        kind: "path",
        reason: `the nodes' IP stack forwarded ${delta.ipForwarded} packets`,
      };
    return { ok: true, kind: "ok", reason: "routed in BPF: redirected, FORWARD untouched" };
  }
  if (delta.bpfRedirects !== 0)
    return { ok: false, kind: "path", reason: `${delta.bpfRedirects} packets were redirected in BPF` };
  if (delta.stackPasses <= 0)
    return { ok: false, kind: "path", reason: "the BPF program handed no packet to the stack" };
  if (delta.iptablesForwardPackets <= 0)
    return { ok: false, kind: "path", reason: "no packet went through iptables FORWARD" };
  return { ok: true, kind: "ok", reason: "routed by the kernel stack: FORWARD moved, nothing redirected" };
}

/**
 * Judges a `direct` baseline trial: the nodes routed none of its packets (no BPF redirect, no
 * FORWARD, no IP forwarding on any node on the pod pair's path) and the server's
 * end of the direct link received them. The nodes' mode does not matter: nothing crosses them.
 */
export function judgeDirectPath(delta: ProbeDelta, serverDevice: string): PathJudgement {
  // Stack passes are not counted: the kernel's own packets (IPv6 neighbour discovery, MLD) pass
  // the nodes' programs now and then; traffic that crossed a node was redirected (eBPF) or forwarded.
  const crossed = [
    ["BPF redirects", delta.bpfRedirects],
    ["iptables FORWARD packets", delta.iptablesForwardPackets],
    ["IP-forwarded packets", delta.ipForwarded],
  ].filter(([, n]) => n !== 0);
  if (crossed.length > 0)
    return {
      ok: false,
      kind: "path",
      reason: `the nodes saw the direct trial's traffic: ${crossed.map(([what, n]) => `${n} ${what}`).join(", ")}`,
    };
  if ((delta.rxPackets[serverDevice] ?? 0) <= 0)
    return { ok: false, kind: "path", reason: `${serverDevice} received no packet` };
  return { ok: true, kind: "ok", reason: "over the direct veth pair: no node saw a packet" };
}
