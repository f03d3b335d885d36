/**
 * The routing-mode switching strategies (kubernetes.routing.strategy), one row each: how a
 * strategy finds its clusters, what it changes to put them in a mode, how the switch is judged
 * when no agent can be read or an agent disagrees, and what it undoes at the end.
 */
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { SWITCH_COSTS, type SwitchCost } from "../../sweep/switch-cost.js";
import { UsageError } from "../../util/errors.js";
import { processRunner, runChecked } from "../../util/runner.js";
import { type Mode, type RoutingMode, switchesRouting } from "../../vocabulary/vocabulary.js";
import { restartAgents, restoreFromMarker, waitRollout, writeLegacyRouting } from "./cilium.js";
import { agentStatus, waitForHostRouting } from "./cilium-agents.js";
import { LEGACY_KEY } from "./cilium-config.js";
import { hostRoutingFor } from "./cilium-status.js";
import type { Cluster } from "./connect.js";
import { restartPods } from "./pods.js";

type Routing = KubernetesOptions["routing"];
/** kubernetes.routing.strategy in the sweep. */
export type StrategyName = Routing["strategy"];

/** What a run's switches leave for the next switch and for the end of the run. Owned by the session. */
export interface SwitchState {
  /** Something on the cluster was changed that the end of the run undoes. */
  switched: boolean;
  /** cilium-configmap: the value this run last wrote, to notice anyone (GitOps) changing it back mid-run. */
  written: string | null;
  /** command: the mode the cluster was in before the first switch, to switch back at the end. */
  originalMode: RoutingMode | null;
  /** The mode of the last switch. */
  lastMode: Mode | null;
}

/** A fresh state: nothing switched yet. */
export function initialSwitchState(): SwitchState {
  return { switched: false, written: null, originalMode: null, lastMode: null };
}

/** What a strategy works on: the cluster of the mode, the sweep's routing options, the run's switch state. */
export interface SwitchContext {
  readonly cluster: Cluster;
  readonly routing: Routing;
  readonly state: SwitchState;
  readonly log: (message: string) => void;
}

/** One row of the table: everything the backend does differently for a strategy. */
export interface SwitchStrategy {
  /** The kube context of each mode's cluster; empty: one cluster, the kubeconfig's context. Throws a UsageError for a missing one. */
  kubeContexts(routing: Routing, modes: readonly Mode[]): { mode: RoutingMode; context: string }[];
  /** Puts the cluster in `mode`; returns it, with new pod IPs where the switch restarted the pods. */
  apply(context: SwitchContext, mode: RoutingMode): Promise<Cluster>;
  /** With no Cilium agent to read: refuse the mode, or record it as set or assumed but NOT verified. */
  withoutAgents: "refuse" | "set" | "assumed";
  /** The refusal when the agents report another mode (`seen`), with Cilium's known fallback `causes`. */
  mismatch(mode: RoutingMode, seen: string, causes: readonly string[]): string;
  /** Leaves the cluster in the mode it was found in, at the end of a run that switched it. */
  undo(context: SwitchContext): Promise<void>;
  /** What one switch costs and whether it replaces nodes: declared in sweep/switch-cost.ts, where the planner reads it. */
  readonly switchCost: SwitchCost;
}

/** The refusal of a strategy that switched: the agents did not follow, with why Cilium falls back when it can tell. */
function refuseToMeasure(mode: RoutingMode, seen: string, causes: readonly string[]): string {
  const fallback =
    hostRoutingFor(mode) === "BPF"
      ? ` Cilium falls back to legacy host routing when BPF host routing cannot work${causes.length ? `; here: ${causes.join("; ")}` : " (no kube-proxy replacement, iptables masquerading, NodePort off)"}`
      : "";
  return `refusing to measure ${mode}: the Cilium agents report ${seen}.${fallback}`;
}

const oneCluster = () => [];
const nothingToUndo = async () => undefined;

/** Each strategy's row. */
export const STRATEGIES: Readonly<Record<StrategyName, SwitchStrategy>> = {
  /** Patches enable-host-legacy-routing in cilium-config, restarts ds/cilium, restarts the test pods. */
  "cilium-configmap": {
    kubeContexts: oneCluster,
    async apply({ cluster, routing, state, log }, mode) {
      const value = String(mode === "legacy");
      log(`setting ${LEGACY_KEY}=${value} and restarting the Cilium agents`);
      const change = { value, written: state.written, runId: cluster.runId };
      if (!(await writeLegacyRouting(cluster.clients, routing.ciliumNamespace, cluster.nodes, change)))
        return cluster;
      state.written = value;
      // switched from the moment the key is written: a restart that times out must still be undone at close
      state.switched = true;
      await restartAgents(cluster.clients, routing.ciliumNamespace);
      await waitRollout(cluster.clients, routing);
      // host routing applies to endpoints created after the restart
      return { ...cluster, podIps: await restartPods(cluster) };
    },
    withoutAgents: "refuse",
    switchCost: SWITCH_COSTS["cilium-configmap"],
    mismatch: refuseToMeasure,
    async undo({ cluster, routing, log }) {
      log(`restoring ${LEGACY_KEY} as it was before the run`);
      try {
        if (await restoreFromMarker(cluster.clients, routing.ciliumNamespace))
          await waitRollout(cluster.clients, routing);
      } catch (error) {
        log(
          `could not restore ${LEGACY_KEY}: ${(error as Error).message}; \`routebench k8s cleanup\` retries`,
        );
      }
    },
  },

  /** Runs the sweep's command for the mode (e.g. az aks update), waits for the agents to report it, restarts the test pods. */
  command: {
    kubeContexts: oneCluster,
    async apply({ cluster, routing, state, log }, mode) {
      const argv = routing.commands[mode];
      if (!argv)
        throw new UsageError(
          `kubernetes.routing.commands.${mode} is not set: the command strategy needs a command per mode`,
        );
      const agents = [cluster.clients, routing.ciliumNamespace, cluster.nodes] as const;
      if (state.originalMode === null) {
        const before = await agentStatus(...agents);
        const modes = new Set(Object.values(before ?? {}).map((r) => r.status.hostRouting));
        if (modes.size === 1 && modes.has("BPF")) state.originalMode = "ebpf";
        if (modes.size === 1 && modes.has("Legacy")) state.originalMode = "legacy";
      }
      log(`running ${argv.join(" ")}`);
      await runChecked(processRunner, argv, { timeoutMs: routing.rolloutTimeoutSec * 1000 });
      state.switched = true;
      // the command returns before every agent has restarted: wait for them to report the mode
      await waitForHostRouting(...agents, hostRoutingFor(mode), routing.rolloutTimeoutSec);
      return { ...cluster, podIps: await restartPods(cluster) };
    },
    withoutAgents: "set",
    switchCost: SWITCH_COSTS.command,
    mismatch: refuseToMeasure,
    async undo({ routing, state, log }) {
      const original = state.originalMode;
      if (!original || original === state.lastMode) return;
      const argv = routing.commands[original];
      if (!argv) return;
      log(`switching back to ${original}: ${argv.join(" ")}`);
      await runChecked(processRunner, argv, { timeoutMs: routing.rolloutTimeoutSec * 1000 }).catch((e) =>
        log(`could not switch back to ${original}: ${e.message}`),
      );
    },
  },

  /** One cluster per mode, each already in its mode: nothing is changed, each is verified. */
  contexts: {
    kubeContexts(routing, modes) {
      return modes.filter(switchesRouting).map((mode) => {
        const context = routing.contexts[mode];
        if (!context)
          throw new UsageError(
            `kubernetes.routing.contexts.${mode} is not set: the contexts strategy needs a kube context per mode`,
          );
        return { mode, context };
      });
    },
    apply: async ({ cluster }) => cluster,
    withoutAgents: "set",
    switchCost: SWITCH_COSTS.contexts,
    mismatch: refuseToMeasure,
    undo: nothingToUndo,
  },

  /** Nothing is switched: the mode the cluster is in is measured, and any other mode refused. */
  none: {
    kubeContexts: oneCluster,
    apply: async ({ cluster }) => cluster,
    withoutAgents: "assumed",
    switchCost: SWITCH_COSTS.none,
    mismatch: (mode, seen) =>
      `the cluster is not in ${mode} mode (${seen}); with routing.strategy none routebench measures the mode the cluster is in: list only that mode`,
    undo: nothingToUndo,
  },
};
