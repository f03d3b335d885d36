/**
 * The embedded lab's effects: build, switch, inspect, verify and remove a "cluster" of
 * network namespaces whose pod traffic crosses the real kernel datapath. Everything it
 * creates is planned by plan.ts and named with the `rb-` prefix.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { z } from "zod";
import { EnvironmentError, tailLines } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import { parseJsonFile } from "../../util/validate.js";
import { BPF_OBJECT, type RoutingMode } from "../../vocabulary/vocabulary.js";
import { endpoint6UpdateCommand, endpointUpdateCommand } from "./bpf-maps.js";
import { setLabMode, writeNodeModes } from "./mode.js";
import { alive, killProcesses, startNetserver } from "./netserver.js";
import { directLinkBatches, directLinks } from "./pairs.js";
import {
  BPF_PIN_ROOT,
  fabricIpBatch,
  LAB_PREFIX,
  type LabOptions,
  type LabPlan,
  labNamespaces,
  type NodePlan,
  nodeIp6Batch,
  nodeIpBatch,
  nodeIptablesRestore,
  nodeSysctls,
  nodeSysctls6,
  nodeTcBatch,
  planLab,
  podIp6Batch,
  podIpBatch,
} from "./plan.js";
import { ensureBpffs, requireFile, requireRoot, requireTools } from "./preflight.js";
import { inNetns } from "./probe.js";
import {
  labCgroupPath,
  type ServicesWritten,
  setupSocketLb,
  teardownSocketLb,
  writeServices,
} from "./service-lab.js";
import { SOCK_PIN_DIR } from "./sock-lb.js";
import { type LabState, readLabState, removeLabState, writeLabState } from "./state.js";

const NETNS_DIR = "/run/netns";

export interface Leftovers {
  /** Namespaces and pins the lab's record names that still exist. */
  namespaces: string[];
  pins: string[];
  state: LabState | null;
  /** Objects with the lab's prefix that no record names: another tool's, never touched. */
  unrecorded: { namespaces: string[]; pins: string[] };
}

async function listPrefixed(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.startsWith(LAB_PREFIX)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** What the lab's state file records as created (a crashed `up` recorded its plan before creating anything). */
function recorded(state: LabState | null): { namespaces: string[]; pins: string[] } {
  if (!state) return { namespaces: [], pins: [] };
  const plan = planLab(state.options);
  return {
    namespaces: state.namespaces ?? labNamespaces(plan),
    pins: state.pins ?? plan.nodes.map((node) => node.bpfPinDir.slice(BPF_PIN_ROOT.length + 1)),
  };
}

/** The lab's objects on this machine, found through its record, and prefixed ones no record names. */
export async function findLeftovers(): Promise<Leftovers> {
  const state = await readLabState();
  const mine = recorded(state);
  const namespaces = await listPrefixed(NETNS_DIR);
  const pins = await listPrefixed(BPF_PIN_ROOT);
  return {
    namespaces: namespaces.filter((n) => mine.namespaces.includes(n)),
    pins: pins.filter((p) => mine.pins.includes(p)),
    state,
    unrecorded: {
      namespaces: namespaces.filter((n) => !mine.namespaces.includes(n)),
      pins: pins.filter((p) => !mine.pins.includes(p)),
    },
  };
}

export interface CleanupReport {
  namespaces: string[];
  pins: string[];
  processesStopped: number;
}

/**
 * Removes exactly what the lab's record names: the processes inside its namespaces (its
 * netservers, a running netperf), the namespaces (and with them every device), its pinned
 * BPF objects, the state file. The record is written before `lab up` creates anything, so
 * this also recovers a lab that crashed half-way; without a record it removes nothing.
 * Idempotent.
 */
export async function cleanupLab(runner: Runner): Promise<CleanupReport> {
  const { namespaces, pins, state } = await findLeftovers();
  const pids = new Set<number>((state?.netservers ?? []).map((s) => s.pid));
  for (const netns of namespaces) {
    const result = await runner.run(["ip", "netns", "pids", netns]);
    for (const token of result.stdout.split(/\s+/)) if (/^\d+$/.test(token)) pids.add(Number(token));
  }
  await killProcesses([...pids].filter(alive));
  await teardownSocketLb(state?.cgroup);
  for (const netns of namespaces) await runChecked(runner, ["ip", "netns", "del", netns]);
  for (const pin of pins) await rm(`${BPF_PIN_ROOT}/${pin}`, { recursive: true, force: true });
  await removeLabState();
  return { namespaces, pins, processesStopped: pids.size };
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
  /** How long the Services took to write (nat tables and the socket LB's map). */
  services: ServicesWritten;
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
  await runChecked(runner, inNetns(node.netns, ["tc", "-batch", "-"]), {
    input: `${nodeTcBatch(node).join("\n")}\n`,
  });
  const links = parseJsonFile(
    z.array(z.looseObject({ ifname: z.string(), ifindex: z.number().int() })),
    (await runChecked(runner, ["ip", "-n", node.netns, "-j", "link", "show"])).stdout,
    `ip -n ${node.netns} -j link show`,
  );
  const updates = node.pods.flatMap((pod) => {
    const link = links.find((l) => l.ifname === pod.hostDevice);
    if (!link) throw new EnvironmentError(`device ${pod.hostDevice} is missing in ${node.netns}`);
    return [
      endpointUpdateCommand(node.bpfPinDir, pod, link.ifindex),
      endpoint6UpdateCommand(node.bpfPinDir, pod, link.ifindex),
    ];
  });
  await runChecked(runner, ["bpftool", "batch", "file", "-"], { input: `${updates.join("\n")}\n` });
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
  const namespaces = labNamespaces(plan);
  const pins = [
    ...plan.nodes.map((node) => node.bpfPinDir.slice(BPF_PIN_ROOT.length + 1)),
    SOCK_PIN_DIR.slice(BPF_PIN_ROOT.length + 1),
  ];
  const cgroup = await labCgroupPath();
  const taken = await findLeftovers();
  const clashes = [
    ...taken.unrecorded.namespaces.filter((n) => namespaces.includes(n)),
    ...taken.unrecorded.pins.filter((p) => pins.includes(p)).map((p) => `${BPF_PIN_ROOT}/${p}`),
    ...(existsSync(cgroup) ? [cgroup] : []),
  ];
  if (clashes.length > 0)
    throw new EnvironmentError(
      `cannot bring the lab up: ${clashes.join(", ")} already exist and are not this lab's (no lab record names them)`,
      "another tool uses these names; remove them yourself if they are leftovers, routebench never touches what it did not create",
    );
  const state: LabState = {
    version: 1,
    status: "creating",
    createdAt: now,
    namespaces,
    pins,
    cgroup,
    services: 0,
    options,
    mode: "legacy",
    generation: 1,
    modeChangedAt: now,
    netservers: [],
    foreignRulesAtSwitch: null,
  };
  await writeLabState(state);
  let services: ServicesWritten;
  try {
    for (const netns of namespaces) await runChecked(runner, ["ip", "netns", "add", netns]);
    await ipBatch(runner, plan.fabric.netns, fabricIpBatch(plan));
    for (const node of plan.nodes) {
      await ipBatch(runner, node.netns, [...nodeIpBatch(node), ...nodeIp6Batch(node)]);
      for (const pod of node.pods)
        await ipBatch(runner, pod.netns, [...podIpBatch(node, pod), ...podIp6Batch(node, pod)]);
      await runChecked(
        runner,
        inNetns(node.netns, ["sysctl", "-q", "-w", ...nodeSysctls(), ...nodeSysctls6()]),
      );
      await runChecked(runner, inNetns(node.netns, ["iptables-restore"]), {
        input: nodeIptablesRestore(plan, node, "ipv4"),
      });
      await runChecked(runner, inNetns(node.netns, ["ip6tables-restore"]), {
        input: nodeIptablesRestore(plan, node, "ipv6"),
      });
      await loadBpf(runner, node);
    }
    await setupSocketLb(runner, cgroup);
    services = await writeServices(runner, plan, 0, options.iptablesServices);
    state.services = options.iptablesServices;
    for (const link of directLinks(plan)) {
      const batches = directLinkBatches(link);
      await ipBatch(runner, link.client.netns, batches.client);
      await ipBatch(runner, link.server.netns, batches.server);
    }
    await writeNodeModes(runner, plan.nodes, "legacy", 1);
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
    services,
  };
}

export { type ModeReport, readNodeMode, setLabMode } from "./mode.js";
export { inNetns } from "./probe.js";
export { requireLab } from "./state.js";
export { type PathEvidence, type VerifyReport, verifyLab } from "./verify.js";
