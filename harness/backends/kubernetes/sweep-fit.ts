/**
 * Sweeps the Kubernetes backend cannot run, refused before anything is created on a cluster:
 * both routing modes with no way to switch between them, test nodes named where the switch
 * replaces every node, second witnesses (no sockperf or iperf3 in the pods), and explain without
 * the benchmark's CPUs named (profiler.ts). Pure.
 */
import type { Sweep } from "../../sweep/schema.js";
import { UsageError } from "../../util/errors.js";
import { switchesRouting } from "../../vocabulary/vocabulary.js";
import { switchesAks } from "./aks.js";
import { profileRefusal } from "./profiler.js";

/** Why the backend cannot run this sweep, one line each; empty when it can. */
export function kubernetesRefusals(sweep: Sweep): string[] {
  const { strategy } = sweep.kubernetes.routing;
  const routing = sweep.modes.filter(switchesRouting);
  const refusals: string[] = [];
  if (strategy === "none" && routing.length > 1)
    refusals.push(
      `the sweep lists ${routing.join(" and ")} but kubernetes.routing.strategy is none, which measures the mode the cluster is in: choose a strategy that switches (cilium-configmap, command, or contexts with one cluster per mode; sweeps/cilium.yaml, sweeps/aks.yaml), or list only the cluster's mode`,
    );
  if (switchesAks(sweep.kubernetes.routing) && sweep.kubernetes.nodes)
    refusals.push(
      `kubernetes.nodes names ${sweep.kubernetes.nodes.join(", ")}, but az aks update replaces every node under a new name: select the test nodes by label instead (kubernetes.nodeSelector, e.g. {kubernetes.azure.com/agentpool: nodepool1})`,
    );
  if (sweep.witness)
    refusals.push(
      `witness: ${[sweep.witness].flat().join(", ")} runs on the lab only (the cluster's pods have no sockperf or iperf3): remove witness for a Kubernetes run`,
    );
  const profiling = profileRefusal(sweep);
  if (profiling) refusals.push(profiling);
  return refusals;
}

/** Throws a UsageError naming each reason the backend cannot run the sweep. */
export function assertRunnableOnKubernetes(sweep: Sweep): void {
  const refusals = kubernetesRefusals(sweep);
  if (refusals.length)
    throw new UsageError(
      `this sweep cannot run on Kubernetes:\n  ${refusals.join("\n  ")}`,
      "nothing was created on the cluster",
    );
}
