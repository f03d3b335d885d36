/** `lab status`: what the lab's state file, BPF maps and iptables say, with drift and leftovers. */
import type { Runner } from "../../util/runner.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import { findLeftovers } from "./lab.js";
import { nodeForeignRules, readNodeConfigs } from "./mode.js";
import { alive } from "./netserver.js";
import { bpfDevices, type LabOptions, planLab } from "./plan.js";

export interface LabStatus {
  up: boolean;
  createdAt?: string;
  mode?: RoutingMode;
  generation?: number;
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
  /** Objects with the lab's prefix that no lab record names: not the lab's, never touched. */
  unrecorded?: { namespaces: string[]; pins: string[] };
}

export async function labStatus(runner: Runner): Promise<LabStatus> {
  const leftovers = await findLeftovers();
  const state = leftovers.state;
  if (state?.status !== "up") {
    return {
      up: false,
      leftovers: { namespaces: leftovers.namespaces, pins: leftovers.pins },
      unrecorded: leftovers.unrecorded,
    };
  }
  const plan = planLab(state.options);
  const configs = await readNodeConfigs(runner, plan.nodes);
  const nodeModes = Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, c.mode]));
  const drift: { node: string; rule: string }[] = [];
  for (const node of plan.nodes) {
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
    generation: state.generation ?? 0,
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
