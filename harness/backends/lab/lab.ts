/**
 * The embedded lab's effects: build, switch, inspect, verify and remove a "cluster" of
 * network namespaces whose pod traffic crosses the real kernel datapath. Everything it
 * creates is planned by plan.ts and named with the `rb-` prefix.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { buildNetperfArgv, type NetperfTest } from "../../netperf/argv.js";
import { type Metrics, parseNetperfOutput } from "../../netperf/parse.js";
import { EnvironmentError, tailLines } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import {
  addCounters,
  BPF_OBJECT,
  type Counters,
  endpointUpdateCommand,
  modeUpdateArgs,
  parseCountersDump,
  parseModeDump,
  redirects,
  stackPasses,
  subtractCounters,
  zeroCounters,
} from "./bpf-maps.js";
import { foreignRules, forwardPackets, parseIptablesSave } from "./iptables.js";
import {
  BPF_PIN_ROOT,
  bpfDevices,
  fabricIpBatch,
  LAB_PREFIX,
  type LabOptions,
  type LabPlan,
  labNamespaces,
  type NodePlan,
  nodeIpBatch,
  nodeIptablesRestore,
  nodeSysctls,
  type PodPlan,
  planLab,
  podIpBatch,
  type RoutingMode,
} from "./plan.js";
import { ensureBpffs, requireFile, requireRoot, requireTools } from "./preflight.js";
import { type LabState, readLabState, removeLabState, writeLabState } from "./state.js";

const NETNS_DIR = "/run/netns";

/** argv that runs `argv` inside a lab namespace (nsenter keeps /sys/fs/bpf visible; `ip netns exec` hides it). */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=${NETNS_DIR}/${netns}`, ...argv];
}

export interface Leftovers {
  namespaces: string[];
  pins: string[];
  state: LabState | null;
}

async function listPrefixed(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.startsWith(LAB_PREFIX)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Everything with the lab's prefix on this machine, whether or not a lab state file knows it. */
export async function findLeftovers(): Promise<Leftovers> {
  return {
    namespaces: await listPrefixed(NETNS_DIR),
    pins: await listPrefixed(BPF_PIN_ROOT),
    state: await readLabState(),
  };
}

export interface CleanupReport {
  namespaces: string[];
  pins: string[];
  processesStopped: number;
}

/** Whether a process still runs. A zombie does not: it waits only for its (re-)parent to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Kills processes of the lab's namespaces and waits until they are gone. SIGKILL at once:
 * they are the lab's own netserver/netperf, hold nothing worth saving, and netserver takes
 * over a second to act on SIGTERM.
 */
async function killProcesses(pids: number[], timeoutMs = 5000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(5);
}

/**
 * Removes everything with the lab's prefix: processes inside its namespaces (netserver,
 * netperf), the namespaces (and with them every device), pinned BPF objects, the state file.
 * Works without a state file, so it also recovers a lab that crashed half-way.
 */
export async function cleanupLab(runner: Runner): Promise<CleanupReport> {
  const { namespaces, pins } = await findLeftovers();
  const pids: number[] = [];
  for (const netns of namespaces) {
    const result = await runner.run(["ip", "netns", "pids", netns]);
    for (const token of result.stdout.split(/\s+/)) if (/^\d+$/.test(token)) pids.push(Number(token));
  }
  await killProcesses(pids);
  for (const netns of namespaces) await runChecked(runner, ["ip", "netns", "del", netns]);
  for (const pin of pins) await rm(`${BPF_PIN_ROOT}/${pin}`, { recursive: true, force: true });
  await removeLabState();
  return { namespaces, pins, processesStopped: pids.length };
}

export interface LabUpOptions {
  mode: RoutingMode;
  recreate: boolean;
  force: boolean;
}

export interface LabUpReport {
  plan: LabPlan;
  mode: RoutingMode;
  recovered: CleanupReport | null;
  replaced: boolean;
  durationMs: number;
}

async function ipBatch(runner: Runner, netns: string, lines: string[]): Promise<void> {
  await runChecked(runner, ["ip", "-n", netns, "-batch", "-"], { input: `${lines.join("\n")}\n` });
}

async function loadBpf(runner: Runner, node: NodePlan): Promise<void> {
  await rm(node.bpfPinDir, { recursive: true, force: true });
  await mkdir(node.bpfPinDir, { recursive: true });
  const argv = ["bpftool", "prog", "load", BPF_OBJECT, `${node.bpfPinDir}/prog`, "type", "classifier"];
  const result = await runner.run([...argv, "pinmaps", `${node.bpfPinDir}/maps`]);
  if (result.exitCode !== 0) {
    throw new EnvironmentError(
      `could not load ${BPF_OBJECT} for ${node.name} (the verifier's log, when it rejected the program, ends the output):\n${tailLines(result.stderr, 25)}`,
      "check the kernel supports BPF, tc clsact and bpf_redirect_peer (>= 5.10); rebuild with `bash scripts/setup.sh`",
    );
  }
  const tcLines = bpfDevices(node).flatMap((device) => [
    `qdisc add dev ${device} clsact`,
    `filter add dev ${device} ingress bpf direct-action object-pinned ${node.bpfPinDir}/prog`,
  ]);
  await runChecked(runner, inNetns(node.netns, ["tc", "-batch", "-"]), { input: `${tcLines.join("\n")}\n` });
  const links = JSON.parse(
    (await runChecked(runner, ["ip", "-n", node.netns, "-j", "link", "show"])).stdout,
  ) as {
    ifname: string;
    ifindex: number;
  }[];
  const updates = node.pods.map((pod) => {
    const link = links.find((l) => l.ifname === pod.hostDevice);
    if (!link) throw new EnvironmentError(`device ${pod.hostDevice} is missing in ${node.netns}`);
    return endpointUpdateCommand(node.bpfPinDir, pod, link.ifindex);
  });
  await runChecked(runner, ["bpftool", "batch", "file", "-"], { input: `${updates.join("\n")}\n` });
}

async function setNodeMode(runner: Runner, node: NodePlan, mode: RoutingMode): Promise<void> {
  await runChecked(runner, ["bpftool", ...modeUpdateArgs(node.bpfPinDir, mode)]);
}

/** Reads /proc/<pid>/net/tcp{,6} (the process's own namespace; netserver listens on IPv6 any) for a listening socket on `port`. */
async function listening(pid: number, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["tcp", "tcp6"]) {
    try {
      const text = await readFile(`/proc/${pid}/net/${table}`, "utf8");
      const found = text.split("\n").some((line) => {
        const fields = line.trim().split(/\s+/);
        return fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A";
      });
      if (found) return true;
    } catch {}
  }
  return false;
}

/** Starts netserver in a namespace, detached so it outlives this process; resolves when it listens. */
async function startNetserver(netns: string, port: number): Promise<number> {
  const child = spawn("nsenter", [`--net=${NETNS_DIR}/${netns}`, "netserver", "-D", "-p", String(port)], {
    detached: true,
    stdio: "ignore",
  });
  const pid = child.pid;
  child.unref();
  if (pid === undefined) throw new EnvironmentError(`could not start netserver in ${netns}`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await listening(pid, port)) return pid;
    if (!alive(pid)) break;
    await sleep(10);
  }
  throw new EnvironmentError(`netserver in ${netns} did not listen on port ${port} within 5 s`);
}

/** Brings the lab up. Refuses over a running lab unless `recreate`; cleans leftovers of a crashed one. */
export async function labUp(
  runner: Runner,
  options: LabOptions,
  upOptions: LabUpOptions,
): Promise<LabUpReport> {
  const started = performance.now();
  const plan = planLab(options);
  requireRoot("lab up");
  await requireTools();
  await requireFile(BPF_OBJECT, "build it with `bash scripts/setup.sh` (needs clang and libbpf-dev)");
  await ensureBpffs(runner);

  const leftovers = await findLeftovers();
  const running = leftovers.state?.status === "up" && leftovers.namespaces.length > 0;
  if (running && !upOptions.recreate) {
    const state = leftovers.state as LabState;
    throw new EnvironmentError(
      `a lab is already up (${state.options.nodes} nodes, ${state.options.podsPerNode} pods per node, mode ${state.mode}, since ${state.createdAt})`,
      "use `routebench lab up --recreate` to replace it, or `routebench lab down` first",
    );
  }
  let recovered: CleanupReport | null = null;
  if (leftovers.namespaces.length > 0 || leftovers.pins.length > 0 || leftovers.state) {
    const report = await cleanupLab(runner);
    if (!running) recovered = report;
  }

  const now = new Date().toISOString();
  const state: LabState = {
    version: 1,
    status: "creating",
    createdAt: now,
    options,
    mode: "legacy",
    modeChangedAt: now,
    netservers: [],
    foreignRulesAtSwitch: null,
  };
  await writeLabState(state);
  try {
    for (const netns of labNamespaces(plan)) await runChecked(runner, ["ip", "netns", "add", netns]);
    await ipBatch(runner, plan.fabric.netns, fabricIpBatch(plan));
    for (const node of plan.nodes) {
      await ipBatch(runner, node.netns, nodeIpBatch(node));
      for (const pod of node.pods) await ipBatch(runner, pod.netns, podIpBatch(node, pod));
      await runChecked(runner, inNetns(node.netns, ["sysctl", "-q", "-w", ...nodeSysctls()]));
      await runChecked(runner, inNetns(node.netns, ["iptables-restore"]), {
        input: nodeIptablesRestore(plan, node),
      });
      await loadBpf(runner, node);
      await setNodeMode(runner, node, "legacy");
    }
    for (const node of plan.nodes) {
      for (const netns of [node.netns, ...node.pods.map((pod) => pod.netns)]) {
        state.netservers.push({ netns, pid: await startNetserver(netns, plan.netserverPort) });
      }
    }
    state.status = "up";
    await writeLabState(state);
    if (upOptions.mode !== "legacy") await setLabMode(runner, upOptions.mode, { force: upOptions.force });
  } catch (error) {
    await cleanupLab(runner);
    throw error;
  }
  return {
    plan,
    mode: upOptions.mode,
    recovered,
    replaced: running,
    durationMs: performance.now() - started,
  };
}

/** The running lab's state and plan, or an error saying there is none. */
export async function requireLab(): Promise<{ state: LabState; plan: LabPlan }> {
  const state = await readLabState();
  if (state?.status !== "up") {
    throw new EnvironmentError(
      state ? "the lab did not finish coming up (a crashed `lab up`?)" : "no lab is up",
      "start one with `routebench lab up` (it also cleans leftovers of a crashed lab)",
    );
  }
  return { state, plan: planLab(state.options) };
}

async function nodeForeignRules(runner: Runner, node: NodePlan): Promise<string[]> {
  const saved = await runChecked(runner, inNetns(node.netns, ["iptables-save"]));
  return foreignRules(parseIptablesSave(saved.stdout));
}

/** Rules the lab did not write, per node namespace. */
export async function listForeignRules(runner: Runner, plan: LabPlan): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const node of plan.nodes) result[node.name] = await nodeForeignRules(runner, node);
  return result;
}

export interface ModeReport {
  mode: RoutingMode;
  previous: RoutingMode;
  /** Rules that eBPF host routing bypasses, listed when --force let the switch through. */
  bypassedRules: Record<string, string[]>;
  durationMs: number;
}

/**
 * Switches every node's host routing, live. Before enabling eBPF, as the seed's ACNS does,
 * it refuses when a node has iptables rules the lab did not write (eBPF would bypass them),
 * unless `force`.
 */
export async function setLabMode(
  runner: Runner,
  mode: RoutingMode,
  options: { force: boolean },
): Promise<ModeReport> {
  const started = performance.now();
  requireRoot("lab mode");
  const { state, plan } = await requireLab();
  let bypassed: Record<string, string[]> = {};
  if (mode === "ebpf") {
    bypassed = await listForeignRules(runner, plan);
    const offending = Object.entries(bypassed).filter(([, rules]) => rules.length > 0);
    if (offending.length > 0 && !options.force) {
      const listing = offending
        .map(([node, rules]) => rules.map((rule) => `  ${node}: ${rule}`).join("\n"))
        .join("\n");
      throw new EnvironmentError(
        `refusing to enable eBPF host routing: these iptables rules were not written by the lab and would be bypassed:\n${listing}`,
        "remove them, or pass --force to switch anyway (`lab status` then reports rules added later as drift)",
      );
    }
  }
  for (const node of plan.nodes) await setNodeMode(runner, node, mode);
  const previous = state.mode;
  state.mode = mode;
  state.modeChangedAt = new Date().toISOString();
  state.foreignRulesAtSwitch = mode === "ebpf" ? bypassed : null;
  await writeLabState(state);
  return {
    mode,
    previous,
    bypassedRules: Object.fromEntries(Object.entries(bypassed).filter(([, rules]) => rules.length > 0)),
    durationMs: performance.now() - started,
  };
}

export async function readNodeMode(runner: Runner, node: NodePlan): Promise<RoutingMode | "unknown"> {
  const dump = await runner.run([
    "bpftool",
    "-j",
    "map",
    "dump",
    "pinned",
    `${node.bpfPinDir}/maps/rb_config`,
  ]);
  return dump.exitCode === 0 ? parseModeDump(dump.stdout) : "unknown";
}

async function readNodeCounters(runner: Runner, node: NodePlan): Promise<Counters> {
  const dump = await runChecked(runner, [
    "bpftool",
    "-j",
    "map",
    "dump",
    "pinned",
    `${node.bpfPinDir}/maps/rb_counters`,
  ]);
  return parseCountersDump(dump.stdout);
}

export interface LabStatus {
  up: boolean;
  createdAt?: string;
  mode?: RoutingMode;
  /** The mode each node's BPF map holds: the truth, where `mode` is what was asked. */
  nodeModes?: Record<string, RoutingMode | "unknown">;
  options?: LabOptions;
  nodes?: {
    name: string;
    netns: string;
    underlayIp: string;
    podCidr: string;
    routerIp: string;
    bpfDevices: string[];
    pods: { name: string; netns: string; ip: string; hostDevice: string }[];
  }[];
  netservers?: { netns: string; pid: number; alive: boolean }[];
  /** eBPF mode: rules added after the switch, which eBPF host routing bypasses. */
  drift?: { node: string; rule: string }[];
  leftovers?: { namespaces: string[]; pins: string[] };
}

export async function labStatus(runner: Runner): Promise<LabStatus> {
  const leftovers = await findLeftovers();
  const state = leftovers.state;
  if (state?.status !== "up") {
    return { up: false, leftovers: { namespaces: leftovers.namespaces, pins: leftovers.pins } };
  }
  const plan = planLab(state.options);
  const nodeModes: Record<string, RoutingMode | "unknown"> = {};
  const drift: { node: string; rule: string }[] = [];
  for (const node of plan.nodes) {
    nodeModes[node.name] = await readNodeMode(runner, node);
    if (state.mode === "ebpf") {
      const before = new Set(state.foreignRulesAtSwitch?.[node.name] ?? []);
      for (const rule of await nodeForeignRules(runner, node))
        if (!before.has(rule)) drift.push({ node: node.name, rule });
    }
  }
  return {
    up: true,
    createdAt: state.createdAt,
    mode: state.mode,
    nodeModes,
    options: state.options,
    nodes: plan.nodes.map((node) => ({
      name: node.name,
      netns: node.netns,
      underlayIp: node.underlayIp,
      podCidr: node.podCidr,
      routerIp: node.routerIp,
      bpfDevices: bpfDevices(node),
      pods: node.pods.map((pod) => ({
        name: pod.name,
        netns: pod.netns,
        ip: pod.ip,
        hostDevice: pod.hostDevice,
      })),
    })),
    netservers: state.netservers.map((server) => ({ ...server, alive: alive(server.pid) })),
    drift,
  };
}

export type Placement = "same-node" | "cross-node";
export const PLACEMENTS: readonly Placement[] = ["same-node", "cross-node"];

export interface PodPair {
  client: PodPlan;
  server: PodPlan;
}

/** The client and server pods of a placement, or null when the topology cannot host it. */
export function podPair(plan: LabPlan, placement: Placement): PodPair | null {
  const first = plan.nodes[0];
  const client = first?.pods[0];
  if (!first || !client) return null;
  const server = placement === "same-node" ? first.pods[1] : plan.nodes[1]?.pods[0];
  return server ? { client, server } : null;
}

/** The node-to-node pair for the `host` baseline: node1 to itself (same-node) or to node2. */
export function nodePair(plan: LabPlan, placement: Placement): { client: NodePlan; server: NodePlan } | null {
  const first = plan.nodes[0];
  const server = placement === "same-node" ? first : plan.nodes[1];
  return first && server ? { client: first, server } : null;
}

export interface PathEvidence {
  placement: Placement;
  client: string;
  server: string;
  bpfRedirects: number;
  stackPasses: number;
  iptablesForwardPackets: number;
  conntrackEntries: number;
  counters: Counters;
  traffic: { test: NetperfTest; metrics: Metrics }[];
  ok: boolean;
  reason: string;
}

export interface VerifyReport {
  mode: RoutingMode;
  nodeModes: Record<string, RoutingMode | "unknown">;
  ok: boolean;
  placements: PathEvidence[];
}

/** BPF counters and FORWARD packets summed over the given nodes: read before and after traffic. */
export interface PathCounters {
  counters: Counters;
  forward: number;
}

export async function readPathCounters(runner: Runner, nodes: readonly NodePlan[]): Promise<PathCounters> {
  let counters = zeroCounters();
  let forward = 0;
  for (const node of nodes) {
    counters = addCounters(counters, await readNodeCounters(runner, node));
    forward += await readForward(runner, node);
  }
  return { counters, forward };
}

/** What moved between two readings, as path evidence. */
export function pathDelta(before: PathCounters, after: PathCounters, conntrackEntries: number) {
  const counters = subtractCounters(after.counters, before.counters);
  return {
    counters,
    bpfRedirects: redirects(counters),
    stackPasses: stackPasses(counters),
    iptablesForwardPackets: after.forward - before.forward,
    conntrackEntries,
  };
}

async function readForward(runner: Runner, node: NodePlan): Promise<number> {
  const saved = await runChecked(runner, inNetns(node.netns, ["iptables-save", "-c", "-t", "filter"]));
  return forwardPackets(parseIptablesSave(saved.stdout));
}

async function readConntrackCount(runner: Runner, node: NodePlan): Promise<number> {
  const result = await runChecked(runner, inNetns(node.netns, ["conntrack", "-C"]));
  return Number(result.stdout.trim()) || 0;
}

/** Judges a placement's path evidence for the mode the lab is in. */
export function judgePath(
  mode: RoutingMode,
  evidence: Pick<
    PathEvidence,
    "bpfRedirects" | "stackPasses" | "iptablesForwardPackets" | "conntrackEntries"
  >,
): { ok: boolean; reason: string } {
  if (mode === "ebpf") {
    if (evidence.bpfRedirects === 0) return { ok: false, reason: "no packet was redirected in BPF" };
    if (evidence.iptablesForwardPackets > 0)
      return {
        ok: false,
        reason: `${evidence.iptablesForwardPackets} packets went through iptables FORWARD`,
      };
    if (evidence.conntrackEntries > 0)
      return {
        ok: false,
        reason: `${evidence.conntrackEntries} conntrack entries were created on the nodes`,
      };
    return { ok: true, reason: "routed in BPF: redirected, FORWARD and conntrack untouched" };
  }
  if (evidence.bpfRedirects > 0)
    return { ok: false, reason: `${evidence.bpfRedirects} packets were redirected in BPF` };
  if (evidence.iptablesForwardPackets === 0)
    return { ok: false, reason: "no packet went through iptables FORWARD" };
  return { ok: true, reason: "routed by the kernel stack: FORWARD counters moved, nothing redirected" };
}

/**
 * Sends short netperf traffic (TCP_RR, then TCP_STREAM) for each placement and reads which
 * path carried it: BPF counters, the nodes' FORWARD counters and their conntrack tables.
 */
export async function verifyLab(runner: Runner, durationSec = 1): Promise<VerifyReport> {
  requireRoot("lab verify");
  const { state, plan } = await requireLab();
  const nodeModes: Record<string, RoutingMode | "unknown"> = {};
  for (const node of plan.nodes) nodeModes[node.name] = await readNodeMode(runner, node);
  const modeOk = Object.values(nodeModes).every((m) => m === state.mode);
  const placements: PathEvidence[] = [];
  for (const placement of PLACEMENTS) {
    const pair = podPair(plan, placement);
    if (!pair) continue;
    for (const node of plan.nodes) await runner.run(inNetns(node.netns, ["conntrack", "-F"]));
    const before = await readPathCounters(runner, plan.nodes);
    const traffic: PathEvidence["traffic"] = [];
    for (const test of ["TCP_RR", "TCP_STREAM"] as const) {
      const argv = buildNetperfArgv({
        test,
        host: pair.server.ip,
        port: plan.netserverPort,
        durationSec,
        messageSize: 16384,
        measureCpu: false,
      });
      const result = await runChecked(runner, inNetns(pair.client.netns, argv), {
        timeoutMs: (durationSec + 10) * 1000,
      });
      traffic.push({ test, metrics: parseNetperfOutput(test, result.stdout).metrics });
    }
    const after = await readPathCounters(runner, plan.nodes);
    let conntrackEntries = 0;
    for (const node of plan.nodes) conntrackEntries += await readConntrackCount(runner, node);
    const { counters, ...evidence } = pathDelta(before, after, conntrackEntries);
    const judged = judgePath(state.mode, evidence);
    placements.push({
      placement,
      client: pair.client.name,
      server: pair.server.name,
      ...evidence,
      counters,
      traffic,
      ok: judged.ok && modeOk,
      reason: modeOk
        ? judged.reason
        : `node BPF modes ${JSON.stringify(nodeModes)} disagree with the lab's mode ${state.mode}`,
    });
  }
  return {
    mode: state.mode,
    nodeModes,
    ok: placements.length > 0 && placements.every((p) => p.ok),
    placements,
  };
}
