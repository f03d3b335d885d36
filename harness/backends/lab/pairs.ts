/** Which lab pods and nodes a placement's trials run between. Pure. */
import type { Placement } from "../../vocabulary/vocabulary.js";
import type { LabPlan, NodePlan, PodPlan } from "./plan.js";

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

/** The nodes a pod pair's packets cross. */
export function pathNodes(plan: LabPlan, pair: PodPair): NodePlan[] {
  return plan.nodes.filter((n) => n.name === pair.client.node || n.name === pair.server.node);
}
