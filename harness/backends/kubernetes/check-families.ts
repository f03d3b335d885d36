/**
 * The `k8s check` row of `ipFamilies: [ipv6]`: whether the test nodes are dual-stack, from their
 * spec.podCIDRs (one CIDR per family on a dual-stack cluster; kubernetes.io/docs/concepts/services-networking/dual-stack).
 * Where the IPAM does not fill podCIDRs (Cilium's cluster-pool IPAM, for one) it cannot tell, and
 * says that the run checks the pods' own addresses (status.podIPs) before any trial. Pure.
 */
import type { V1Node } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { type Check, pass, skip } from "./check-result.js";
import type { NodeFacts } from "./nodes.js";

export function ipFamiliesCheck(
  sweep: Pick<Sweep, "ipFamilies">,
  nodes: readonly V1Node[],
  testNodes: readonly NodeFacts[] | null,
): Check {
  const title = "Dual-stack test nodes (ipFamilies: ipv6)";
  if (!sweep.ipFamilies?.includes("ipv6")) return skip("ipfamilies", title, "the sweep measures IPv4 only");
  if (!testNodes) return skip("ipfamilies", title, "no test nodes");
  const cidrs = testNodes.map((t) => ({
    name: t.name,
    cidrs: nodes.find((n) => n.metadata?.name === t.name)?.spec?.podCIDRs ?? [],
  }));
  const single = cidrs.filter((n) => n.cidrs.length > 0 && !n.cidrs.some((c) => c.includes(":")));
  if (single.length)
    return {
      id: "ipfamilies",
      title,
      status: "fail",
      detail: `single-stack: ${single.map((n) => `${n.name} has pod CIDRs ${n.cidrs.join(", ")} only`).join("; ")}`,
      fix: "remove ipv6 from ipFamilies for this cluster, or run on a dual-stack cluster",
    };
  if (cidrs.some((n) => n.cidrs.length === 0))
    return {
      id: "ipfamilies",
      title,
      status: "warn",
      detail:
        "the test nodes carry no spec.podCIDRs (the IPAM allocates elsewhere): cannot tell; a run refuses ipv6 before any trial where a pod has no IPv6 address",
    };
  return pass("ipfamilies", title, cidrs.map((n) => `${n.name}: ${n.cidrs.join(", ")}`).join("; "));
}
