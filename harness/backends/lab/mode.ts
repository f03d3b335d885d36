/**
 * Switching the lab's host routing, live: one bpftool process writes every node's mode and
 * switch generation and reads them back. Before enabling eBPF, as the seed's ACNS does, it
 * refuses when a node has iptables rules the lab did not write (eBPF would bypass them).
 */
import { existsSync } from "node:fs";
import { EnvironmentError } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import {
  BpfDumpError,
  type ConfigReading,
  configUpdateCommands,
  parseBatchOutput,
  parseConfigDump,
} from "./bpf-maps.js";
import { foreignRules, parseIptablesSave } from "./iptables.js";
import type { LabPlan, NodePlan } from "./plan.js";
import { requireRoot } from "./preflight.js";
import { inNetns } from "./probe.js";
import { SOCK_PIN_DIR, sockConfigCommands } from "./sock-lb.js";
import { requireLab, writeLabState } from "./state.js";

/** The reading key of the lab's socket load balancer beside the nodes' (its config follows the mode). */
export const SOCKET_LB_READING = "socket-lb";

async function nodeForeignRules(runner: Runner, node: NodePlan): Promise<string[]> {
  const saved = await runChecked(runner, inNetns(node.netns, ["iptables-save"]));
  return foreignRules(parseIptablesSave(saved.stdout));
}

/** Rules the lab did not write, per node namespace. */
export async function listForeignRules(runner: Runner, plan: LabPlan): Promise<Record<string, string[]>> {
  const lists = await Promise.all(plan.nodes.map((node) => nodeForeignRules(runner, node)));
  return Object.fromEntries(plan.nodes.map((node, i) => [node.name, lists[i] ?? []]));
}

/** Each node's rb_config (mode and generation), read in one bpftool process; unreadable ones are `unknown`. */
export async function readNodeConfigs(
  runner: Runner,
  nodes: readonly NodePlan[],
): Promise<Record<string, ConfigReading>> {
  return readConfigsAfter(runner, nodes, []);
}

/**
 * Runs `before` (bpftool batch lines, e.g. map updates) and then dumps each node's rb_config,
 * all in one bpftool process; unreadable configs are `unknown`.
 */
async function readConfigsAfter(
  runner: Runner,
  nodes: readonly NodePlan[],
  before: readonly string[],
): Promise<Record<string, ConfigReading>> {
  const sockConfig = `${SOCK_PIN_DIR}/maps/rb_sock_config`;
  const withSock = before.length > 0 && existsSync(sockConfig);
  const dumps = [
    ...nodes.map((node) => `map dump pinned ${node.bpfPinDir}/maps/rb_config`),
    ...(withSock ? [`map dump pinned ${sockConfig}`] : []),
  ];
  const input = `${[...before, ...dumps].join("\n")}\n`;
  // updates must land: a failing batch is an error; only an unreadable dump reads as unknown
  const result =
    before.length > 0
      ? await runChecked(runner, ["bpftool", "-j", "batch", "file", "-"], { input })
      : await runner.run(["bpftool", "-j", "batch", "file", "-"], { input });
  const readings: Record<string, ConfigReading> = {};
  let outputs: string[] | null = null;
  try {
    if (result.exitCode === 0)
      outputs = parseBatchOutput(result.stdout, before.length + dumps.length).slice(before.length);
  } catch (error) {
    if (!(error instanceof BpfDumpError)) throw error;
  }
  const names = [...nodes.map((node) => node.name), ...(withSock ? [SOCKET_LB_READING] : [])];
  names.forEach((name, i) => {
    try {
      readings[name] = outputs
        ? parseConfigDump(outputs[i] as string, name === SOCKET_LB_READING ? "rb_sock_config" : "rb_config")
        : { mode: "unknown", generation: -1 };
    } catch (error) {
      if (!(error instanceof BpfDumpError)) throw error;
      readings[name] = { mode: "unknown", generation: -1 };
    }
  });
  return readings;
}

/** The mode one node's BPF map holds ("unknown" when it cannot be read). */
export async function readNodeMode(runner: Runner, node: NodePlan): Promise<RoutingMode | "unknown"> {
  return (await readNodeConfigs(runner, [node]))[node.name]?.mode ?? "unknown";
}

/**
 * Writes `mode` at `generation` into every node's rb_config (and the socket LB's
 * rb_sock_config, keyed `socket-lb` in the result) and reads it back, all in one bpftool
 * process. Returns what the nodes hold afterwards.
 */
export async function writeNodeModes(
  runner: Runner,
  nodes: readonly NodePlan[],
  mode: RoutingMode,
  generation: number,
): Promise<Record<string, ConfigReading>> {
  const updates = nodes.flatMap((node) => configUpdateCommands(node.bpfPinDir, mode, generation));
  // the socket LB (when the lab has one) translates in eBPF mode only: kube-proxy's rules serve legacy
  if (existsSync(`${SOCK_PIN_DIR}/maps/rb_sock_config`))
    updates.push(...sockConfigCommands(SOCK_PIN_DIR, mode, generation));
  return readConfigsAfter(runner, nodes, updates);
}

export interface ModeReport {
  mode: RoutingMode;
  previous: RoutingMode;
  generation: number;
  /** What each node's map holds after the switch. */
  nodes: Record<string, ConfigReading>;
  /** Rules that eBPF host routing bypasses, listed when --force let the switch through. */
  bypassedRules: Record<string, string[]>;
  durationMs: number;
}

/**
 * Switches every node's host routing, live, and bumps the mode generation. Before enabling
 * eBPF it refuses when a node has iptables rules the lab did not write, unless `force`;
 * `checkRules: false` skips that look (a run checks once when it opens the lab).
 */
export async function setLabMode(
  runner: Runner,
  mode: RoutingMode,
  options: { force: boolean; checkRules?: boolean },
): Promise<ModeReport> {
  const started = performance.now();
  requireRoot("lab mode");
  const { state, plan } = await requireLab();
  let bypassed: Record<string, string[]> = {};
  if (mode === "ebpf" && options.checkRules !== false) {
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
  const generation = (state.generation ?? 0) + 1;
  const nodes = await writeNodeModes(runner, plan.nodes, mode, generation);
  const previous = state.mode;
  state.mode = mode;
  state.generation = generation;
  state.modeChangedAt = new Date().toISOString();
  if (mode === "ebpf" && options.checkRules !== false) state.foreignRulesAtSwitch = bypassed;
  else if (mode !== "ebpf") state.foreignRulesAtSwitch = null;
  await writeLabState(state);
  return {
    mode,
    previous,
    generation,
    nodes,
    bypassedRules: Object.fromEntries(Object.entries(bypassed).filter(([, rules]) => rules.length > 0)),
    durationMs: performance.now() - started,
  };
}

export { nodeForeignRules };
