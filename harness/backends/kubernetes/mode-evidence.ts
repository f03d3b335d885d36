/**
 * The evidence that a cluster is in a mode: every test node's Cilium agent reports the mode's
 * host routing, or the switch is refused with what the agents report and why Cilium falls back;
 * with Services in the run, also what translates them (service-evidence.ts).
 */
import type { V1Node } from "@kubernetes/client-node";
import type { ModeEvidence } from "../../results/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import { AKS_EBPF_LABEL, switchesAks } from "./aks.js";
import { api } from "./api.js";
import { type AgentReadings, agentStatus, stallHint } from "./cilium-agents.js";
import { hostRoutingFallbacks, hostRoutingFor } from "./cilium-status.js";
import type { Cluster } from "./connect.js";
import { serviceEvidence } from "./service-evidence.js";
import type { SwitchStrategy } from "./strategies.js";

function describeReadings(readings: AgentReadings): string {
  return Object.entries(readings)
    .map(
      ([node, r]) =>
        `${node}: ${r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable (${r.tail})`}`,
    )
    .join("; ");
}

/** What AKS's per-node label says of each test node, where it speaks: the line, and whether it contradicts `mode`. */
export function labelEvidence(
  nodes: readonly V1Node[],
  testNodes: readonly string[],
  mode: RoutingMode,
  aksSwitch: boolean,
): Record<string, { line: string; contradicts: boolean }> {
  const evidence: Record<string, { line: string; contradicts: boolean }> = {};
  for (const name of testNodes) {
    const labels = nodes.find((n) => n.metadata?.name === name)?.metadata?.labels ?? {};
    const onAks = "kubernetes.azure.com/cluster" in labels;
    if (!(AKS_EBPF_LABEL in labels) && !(aksSwitch && onAks)) continue;
    const ebpf = labels[AKS_EBPF_LABEL] === "true";
    evidence[name] = {
      line: ebpf ? `${AKS_EBPF_LABEL}=true` : `no ${AKS_EBPF_LABEL}=true label`,
      contradicts: ebpf !== (mode === "ebpf"),
    };
  }
  return evidence;
}

/**
 * Reads the agents of the cluster's test nodes and, on AKS, each node's
 * kubernetes.azure.com/ebpf-host-routing label (AKS sets it on every node it switched), and
 * judges them by the strategy's row; `at` is when the switch began. A label that contradicts
 * the mode refuses it like an agent would; where no agent can be read, labels on every test
 * node are the evidence.
 */
export async function verifyMode(
  cluster: Cluster,
  mode: RoutingMode,
  strategy: Pick<SwitchStrategy, "withoutAgents" | "mismatch">,
  at: string,
): Promise<ModeEvidence> {
  const wanted = hostRoutingFor(mode);
  const routing = cluster.options.routing;
  const readings = await agentStatus(cluster.clients, routing.ciliumNamespace, cluster.nodes);
  const list = await api("listing nodes", () => cluster.clients.core.listNode()).catch(() => null);
  const names = cluster.nodes.map((n) => n.name);
  const labels = labelEvidence(list?.items ?? [], names, mode, switchesAks(routing));
  const contradicted = Object.entries(labels).filter(([, e]) => e.contradicts);
  if (contradicted.length)
    throw new EnvironmentError(
      strategy.mismatch(
        mode,
        `AKS labels ${contradicted.map(([node, e]) => `${node}: ${e.line}`).join("; ")}`,
        [],
      ),
      "az aks show … --query networkProfile.advancedNetworking says what AKS has set; a rolling update may still be under way",
    );
  const labelled = names.every((n) => labels[n]);
  if (!readings) {
    if (labelled)
      return {
        mode,
        at,
        nodes: Object.fromEntries(names.map((n) => [n, labels[n]?.line ?? ""])),
        ok: true,
        verified: true,
        detail: `no Cilium agent could be read; AKS labels every test node for ${mode} (${labels[names[0] ?? ""]?.line})`,
      };
    if (strategy.withoutAgents === "refuse")
      throw new EnvironmentError("no Cilium agents found to verify the switch");
    return {
      mode,
      at,
      nodes: {},
      ok: true,
      verified: false,
      detail: `no Cilium agent found: mode ${mode} is as ${strategy.withoutAgents}, not verified`,
    };
  }
  const lines = Object.fromEntries(
    Object.entries(readings).map(([node, r]) => [
      node,
      (r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable: ${r.tail}`) +
        (labels[node] ? `; ${labels[node].line}` : ""),
    ]),
  );
  const ok = Object.values(readings).every((r) => r.status.hostRouting === wanted);
  if (!ok) {
    const causes = [...new Set(Object.values(readings).flatMap((r) => hostRoutingFallbacks(r.status)))];
    throw new EnvironmentError(
      strategy.mismatch(mode, describeReadings(readings), causes),
      wanted === "BPF" && causes.length === 0
        ? await stallHint(cluster.clients)
        : "`routebench k8s check` shows each precondition",
    );
  }
  const detail = `every test node's Cilium agent reports Host Routing: ${wanted}${labelled ? `, and AKS labels each (${labels[names[0] ?? ""]?.line})` : ""}`;
  if (!cluster.services) return { mode, at, nodes: lines, ok, verified: true, detail };
  const services = serviceEvidence(readings, mode, await kubeProxyPods(cluster));
  if (services.refusal)
    throw new EnvironmentError(
      services.refusal,
      "enable it (Helm kubeProxyReplacement=true, socketLB.enabled=true, socketLB.hostNamespaceOnly=false), or remove service from destinations",
    );
  for (const [node, line] of Object.entries(services.lines)) lines[node] = `${lines[node]}; ${line}`;
  return { mode, at, nodes: lines, ok, verified: true, detail: `${detail}. ${services.detail}` };
}

/** How many kube-proxy pods run (k8s-app=kube-proxy in kube-system, as kubeadm and AKS label them); null when unreadable. */
async function kubeProxyPods(cluster: Cluster): Promise<number | null> {
  const list = await cluster.clients.core
    .listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=kube-proxy" })
    .catch(() => null);
  return list ? list.items.length : null;
}
