/**
 * The checks of the nodes the pods will run on: two Ready Linux test nodes in one zone and,
 * when the sweep switches AKS, the requirements of eBPF host routing. Pure: each reads the node
 * objects and the sweep.
 */
import type { V1Node } from "@kubernetes/client-node";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { switchesAks } from "./aks.js";
import { type Check, fail, pass, skip } from "./check-result.js";
import { agentNotReadyNodes } from "./cilium-status.js";
import { chooseNodes, type NodeFacts, zoneProblem } from "./nodes.js";

/** The test nodes the sweep gets (null when it gets none), with the nodes and zone checks. */
export function nodeChecks(
  nodes: readonly V1Node[],
  named: KubernetesOptions["nodes"],
  selector: KubernetesOptions["nodeSelector"] = {},
): { testNodes: [NodeFacts, NodeFacts] | null; checks: Check[] } {
  const title = "Two Ready Linux test nodes";
  let testNodes: [NodeFacts, NodeFacts];
  try {
    testNodes = chooseNodes(nodes, named, selector);
  } catch (error) {
    return {
      testNodes: null,
      checks: [
        fail(
          "nodes",
          title,
          (error as Error).message,
          (error as { hint?: string }).hint ?? "name two Ready Linux nodes in kubernetes.nodes",
        ),
        skip("zone", "Test nodes in one zone", "no test nodes"),
      ],
    };
  }
  const zone = zoneProblem(testNodes[0], testNodes[1]);
  return {
    testNodes,
    checks: [
      pass("nodes", title, `${testNodes[0].name} (A), ${testNodes[1].name} (B)`),
      zone
        ? {
            id: "zone",
            title: "Test nodes in one zone",
            status: "warn",
            detail: zone,
            fix: "name two nodes of one zone in kubernetes.nodes",
          }
        : pass("zone", "Test nodes in one zone", testNodes[0].zone ?? "no zone labels"),
    ],
  };
}

/** The AKS eBPF host routing requirements a node object shows (learn.microsoft.com, aks/how-to-enable-ebpf-host-routing). Pure. */
export function aksProblems(version: { major: string; minor: string }, nodes: readonly V1Node[]): string[] {
  const problems: string[] = [];
  const minor = Number.parseInt(version.minor, 10);
  if (Number(version.major) === 1 && minor < 33)
    problems.push(`Kubernetes ${version.major}.${version.minor} (needs 1.33 or later)`);
  for (const node of nodes) {
    const os = node.status?.nodeInfo?.osImage ?? "";
    if (!/Ubuntu 24\.04|Azure Linux 3\.0|CBL-Mariner\/Linux 3/.test(os))
      problems.push(`${node.metadata?.name}: ${os || "unknown OS"} (needs Ubuntu 24.04 or Azure Linux 3.0)`);
  }
  return problems;
}

function isAks(nodes: readonly V1Node[]): boolean {
  return nodes.some(
    (n) =>
      n.spec?.providerID?.startsWith("azure://") ||
      "kubernetes.azure.com/cluster" in (n.metadata?.labels ?? {}),
  );
}

/**
 * When the sweep switches by `az aks update` on an AKS cluster: the version and OS requirements,
 * and no agent held back; skipped for any other strategy, which does not ask AKS for eBPF host
 * routing. Dual-stack clusters are supported (the overview article, 2026).
 */
export function aksCheck(
  version: { major: string; minor: string },
  nodes: readonly V1Node[],
  routing: KubernetesOptions["routing"],
): Check {
  const title = "AKS eBPF host routing requirements";
  if (!switchesAks(routing))
    return skip("aks", title, `routing strategy ${routing.strategy} does not switch AKS's eBPF host routing`);
  if (!isAks(nodes)) return skip("aks", title, "not an AKS cluster");
  const problems = aksProblems(version, nodes);
  const held = agentNotReadyNodes(nodes);
  if (held.length)
    problems.push(
      `${held.join(", ")} tainted node.cilium.io/agent-not-ready (foreign host iptables rules block ACNS eBPF host routing)`,
    );
  return problems.length
    ? fail("aks", title, problems.join("; "), "see README, First run on a real cluster: AKS")
    : pass("aks", title, "Kubernetes ≥ 1.33, Ubuntu 24.04 / Azure Linux 3.0, no agent held back");
}
