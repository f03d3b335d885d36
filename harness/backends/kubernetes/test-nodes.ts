/**
 * The test nodes during a run: a switch that replaces machines (AKS reimages every node under
 * a new name) or a node cordoned for a drain must not leave a trial on a node that is going
 * away. Before each trial the session asks whether its two nodes are still there, Ready and
 * not cordoned; after a switch, or when they are not, it finds two nodes again by the sweep's
 * rule (kubernetes.nodeSelector, not remembered names) and moves the pods there.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { V1Node } from "@kubernetes/client-node";
import { EnvironmentError } from "../../util/errors.js";
import { api } from "./api.js";
import { backoffDelayMs } from "./api-errors.js";
import { type Cluster, describeNodes } from "./connect.js";
import type { PodPlan } from "./manifests.js";
import { chooseNodes, type NodeFacts } from "./nodes.js";
import { restartPods } from "./pods.js";

/** Why a node can no longer carry a trial (gone, not Ready, cordoned or being drained), or null. */
export function nodeLeaving(name: string, nodes: readonly V1Node[]): string | null {
  const node = nodes.find((n) => n.metadata?.name === name);
  if (!node) return "gone (replaced or deleted)";
  if (node.spec?.unschedulable) return "cordoned (being drained)";
  const taint = node.spec?.taints?.find((t) =>
    [
      "node.kubernetes.io/unschedulable",
      "ToBeDeletedByClusterAutoscaler",
      "DeletionCandidateOfClusterAutoscaler",
    ].includes(t.key),
  );
  if (taint) return `tainted ${taint.key} (being drained or removed)`;
  if (!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return "not Ready";
  return null;
}

/** Each test node that can no longer carry a trial, with why. */
export async function leavingTestNodes(cluster: Cluster): Promise<string[]> {
  const list = await api("listing nodes", () => cluster.clients.core.listNode());
  return cluster.nodes.flatMap((n) => {
    const why = nodeLeaving(n.name, list.items);
    return why ? [`${n.name} is ${why}`] : [];
  });
}

/** Two usable test nodes by the sweep's rule, waited for (a rolling upgrade brings them back one by one). */
export async function findTestNodes(cluster: Cluster, timeoutSec: number): Promise<[NodeFacts, NodeFacts]> {
  const options = cluster.options;
  const deadline = Date.now() + timeoutSec * 1000;
  let last: Error | null = null;
  for (let look = 0; Date.now() < deadline || look === 0; look++) {
    const list = await api("listing nodes", () => cluster.clients.core.listNode());
    try {
      const nodes = chooseNodes(list.items, options.nodes, options.nodeSelector);
      if (!nodes.some((n) => nodeLeaving(n.name, list.items))) return nodes;
      last = new Error(
        nodes.map((n) => `${n.name}: ${nodeLeaving(n.name, list.items) ?? "usable"}`).join("; "),
      );
    } catch (error) {
      last = error as Error;
    }
    await sleep(Math.min(backoffDelayMs(look) * 4, 15_000));
  }
  throw new EnvironmentError(
    `no two usable test nodes within ${timeoutSec} s: ${last?.message ?? ""}`,
    options.nodes
      ? "kubernetes.nodes names nodes that a node-replacing switch removes: select them by label instead (kubernetes.nodeSelector, e.g. kubernetes.azure.com/agentpool: perf)"
      : "check the node pool (kubectl get nodes), or raise kubernetes.routing.rolloutTimeoutSec",
  );
}

/** The pod plans moved from the old test nodes to the new ones: what ran on A runs on the new A. */
export function replan(
  plans: readonly PodPlan[],
  from: readonly NodeFacts[],
  to: readonly NodeFacts[],
): PodPlan[] {
  return plans.map((plan) => {
    const index = from.findIndex((n) => n.name === plan.node);
    return { ...plan, node: to[index]?.name ?? plan.node };
  });
}

/**
 * Finds the test nodes again and re-creates the pods on them (new IPs); returns the cluster as
 * it now is. With nodes unchanged the pods are still re-created (a switch needs new endpoints).
 */
export async function movePods(
  cluster: Cluster,
  timeoutSec: number,
  log: (message: string) => void,
): Promise<Cluster> {
  const nodes = await findTestNodes(cluster, timeoutSec);
  const names = (ns: readonly NodeFacts[]) => ns.map((n) => n.name).join(", ");
  if (names(nodes) !== names(cluster.nodes))
    log(`test nodes now ${names(nodes)} (were ${names(cluster.nodes)})`);
  const moved: Cluster = {
    ...cluster,
    nodes,
    plans: replan(cluster.plans, cluster.nodes, nodes),
    facts: { ...cluster.facts, nodes: describeNodes(nodes) },
  };
  return { ...moved, ...(await restartPods(moved)) };
}
