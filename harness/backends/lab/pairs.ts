/** Which lab pods and nodes a placement's trials run between. Pure. */

import type { Trial } from "../../sweep/plan.js";
import { UsageError } from "../../util/errors.js";
import { PLACEMENTS, type Placement } from "../../vocabulary/vocabulary.js";
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

/**
 * The `direct` baseline's link: the placement's two pods joined by one more veth pair, with
 * addresses of their own, so their traffic never enters a node namespace. The floor any host
 * routing can reach on this machine: no routing, no iptables, no BPF, one veth hop.
 */
export interface DirectLink {
  placement: Placement;
  client: { netns: string; device: string; ip: string; mac: string };
  server: { netns: string; device: string; ip: string; mac: string };
}

/** 198.18.64.0/24 holds the direct links, a /30 each (inside the lab's 198.18.0.0/15). */
const DIRECT_NET = "198.18.64";

function shortName(pod: PodPlan): string {
  // node1-pod2 → n1p2: a device name stays under IFNAMSIZ (15) for 16 nodes × 64 pods
  return pod.name.replace(/^node(\d+)-pod(\d+)$/, "n$1p$2");
}

/** The direct link of each placement the topology can host. Pure. */
export function directLinks(plan: LabPlan): DirectLink[] {
  return PLACEMENTS.flatMap((placement, i) => {
    const pair = podPair(plan, placement);
    if (!pair) return [];
    const base = 4 * i;
    return [
      {
        placement,
        client: {
          netns: pair.client.netns,
          device: `d${shortName(pair.server)}`,
          ip: `${DIRECT_NET}.${base + 1}`,
          mac: `02:d1:c6:13:${(base + 1).toString(16).padStart(2, "0")}:01`,
        },
        server: {
          netns: pair.server.netns,
          device: `d${shortName(pair.client)}`,
          ip: `${DIRECT_NET}.${base + 2}`,
          mac: `02:d1:c6:13:${(base + 2).toString(16).padStart(2, "0")}:02`,
        },
      },
    ];
  });
}

/** `ip -batch` lines of a direct link: the client's side creates the pair, each side addresses its end. */
export function directLinkBatches(link: DirectLink): { client: string[]; server: string[] } {
  const { client, server } = link;
  return {
    client: [
      `link add ${client.device} address ${client.mac} type veth peer name ${server.device} address ${server.mac} netns ${server.netns}`,
      `addr add ${client.ip}/30 dev ${client.device}`,
      `link set ${client.device} up`,
    ],
    server: [`addr add ${server.ip}/30 dev ${server.device}`, `link set ${server.device} up`],
  };
}

/** The nodes a pod pair's packets cross. */
export function pathNodes(plan: LabPlan, pair: PodPair): NodePlan[] {
  return plan.nodes.filter((n) => n.name === pair.client.node || n.name === pair.server.node);
}

/** Where a trial's netperf runs and what it crosses. */
export interface Endpoints {
  clientNetns: string;
  serverNetns: string;
  serverIp: string;
  /** Nodes the traffic crosses (for `direct`: would cross): their counters are read around the trial. */
  nodes: NodePlan[];
  /** `direct`: the server's end of the direct link, `netns/device`, which must receive the packets. */
  directDevice?: string;
}

/** The client, the server and the nodes on the path of a trial in its mode and placement. */
export function trialEndpoints(plan: LabPlan, trial: Trial): Endpoints {
  const { placement } = trial.point;
  if (trial.mode === "host") {
    const pair = nodePair(plan, placement);
    if (!pair) throw new UsageError(`the lab has too few nodes for a ${placement} host baseline`);
    return {
      clientNetns: pair.client.netns,
      serverNetns: pair.server.netns,
      serverIp: pair.server.underlayIp,
      nodes: [],
    };
  }
  const pair = podPair(plan, placement);
  const link = directLinks(plan).find((l) => l.placement === placement);
  if (trial.mode === "direct" && pair && link)
    return {
      clientNetns: link.client.netns,
      serverNetns: link.server.netns,
      serverIp: link.server.ip,
      nodes: pathNodes(plan, pair),
      directDevice: `${link.server.netns}/${link.server.device}`,
    };
  if (!pair) {
    throw new UsageError(
      `the lab cannot host ${placement} trials (${plan.options.nodes} nodes, ${plan.options.podsPerNode} pods per node)`,
      placement === "cross-node" ? "use lab: {nodes: 2} or more" : "use lab: {podsPerNode: 2} or more",
    );
  }
  return {
    clientNetns: pair.client.netns,
    serverNetns: pair.server.netns,
    serverIp: pair.server.ip,
    nodes: pathNodes(plan, pair),
  };
}
