/**
 * What one routing-mode switch costs on each backend and strategy: the seconds the planner
 * expects (a sweep's `switchCostSec` overrides them), whether a switch replaces the nodes
 * under the run, and whether the strategy switches at all. Declared here, below the backends,
 * so that planning and `run --dry-run` read it without loading a backend;
 * backends/kubernetes/strategies.ts points each strategy's row at its entry.
 *
 * The figures are estimates from how each switch works, not measurements: every run records
 * each switch's measured duration (results `switches`) to set them against.
 */
import type { BackendKind } from "../vocabulary/vocabulary.js";
import type { KubernetesOptions } from "./kubernetes-options.js";

export interface SwitchCost {
  /** Seconds one switch typically takes: what the plan's estimate uses. */
  typicalSec: number;
  /** The range expected from small to large clusters, [low, high] seconds. */
  rangeSec: readonly [number, number];
  /** A switch drains and replaces (reimages) the nodes: node names, pods and hardware can change. */
  replacesNodes: boolean;
  /** false: the strategy never switches (one cluster per mode, or none at all). */
  switches: boolean;
  /** What a switch does, in a few words, for the dry-run and the report. */
  what: string;
}

export type SwitchKind = "lab" | KubernetesOptions["routing"]["strategy"];

/**
 * A switch this slow or slower is "slow": the planner does not interleave block by block
 * (that makes one switch per point per block), it runs few replicated segments instead.
 */
export const SLOW_SWITCH_SEC = 30;

/** Switches a slow-switch sweep may make unless it sets `maxSwitches` (A BB A takes 3). */
export const DEFAULT_SLOW_MAX_SWITCHES = 4;

export const SWITCH_COSTS: Readonly<Record<SwitchKind, SwitchCost>> = {
  // one bpftool map write per node and an iptables swap (backends/lab/mode.ts)
  lab: {
    typicalSec: 0.005,
    rangeSec: [0.001, 0.1],
    replacesNodes: false,
    switches: true,
    what: "a BPF map write and an iptables swap on the lab's nodes",
  },
  // a ConfigMap patch, a rolling restart of ds/cilium (node by node, the chart's
  // maxUnavailable at a time) and the test pods re-created: about a minute on a few nodes
  "cilium-configmap": {
    typicalSec: 120,
    rangeSec: [30, 900],
    replacesNodes: false,
    switches: true,
    what: "a cilium-config patch and a rolling restart of the Cilium agents",
  },
  // its documented use: `az aks update --acns-datapath-acceleration-mode`, which updates every
  // node pool by a rolling upgrade (surge node, cordon, drain with a 30 min default timeout per
  // node, reimage): tens of minutes per switch on a small cluster, hours on a large one
  command: {
    typicalSec: 1800,
    rangeSec: [600, 7200],
    replacesNodes: true,
    switches: true,
    what: "the sweep's command (az aks update: a rolling node-pool upgrade that reimages every node)",
  },
  // one cluster per mode, each already in its mode: the run moves between clusters, nothing switches
  contexts: {
    typicalSec: 0,
    rangeSec: [0, 0],
    replacesNodes: false,
    switches: false,
    what: "nothing: one cluster per mode",
  },
  // the mode the cluster is in is measured; nothing can switch
  none: {
    typicalSec: 0,
    rangeSec: [0, 0],
    replacesNodes: false,
    switches: false,
    what: "nothing: the cluster stays in the mode it is in",
  },
};

/** The switch kind of a backend and its routing strategy. */
export function switchKind(
  backend: BackendKind,
  strategy: KubernetesOptions["routing"]["strategy"],
): SwitchKind {
  return backend === "lab" ? "lab" : strategy;
}
