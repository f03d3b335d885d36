/** What a Cilium agent reports about host routing: which agent to ask, and how to read its answer. Pure. */
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { z } from "zod";
import { parseJsonOrNull } from "../../util/validate.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";

/**
 * The Cilium agent pod of a node: not one being deleted (a Terminating pod of the previous
 * rollout still answers, with the old configuration), Ready first, then the newest.
 */
export function chooseAgentPod(pods: readonly V1Pod[], nodeName: string): V1Pod | null {
  const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  const candidates = pods
    .filter((p) => p.spec?.nodeName === nodeName && !p.metadata?.deletionTimestamp)
    .sort(
      (a, b) =>
        Number(ready(b)) - Number(ready(a)) ||
        String(b.metadata?.creationTimestamp ?? "").localeCompare(
          String(a.metadata?.creationTimestamp ?? ""),
        ),
    );
  return candidates[0] ?? null;
}

export type HostRouting = "BPF" | "Legacy";

/** What one agent's `cilium-dbg status -o json` says about host routing and what it depends on. */
export interface CiliumAgentStatus {
  hostRouting: HostRouting | null;
  /** "True" or "False" (kube-proxy-replacement.mode). */
  kubeProxyReplacement: string | null;
  /**
   * Socket-level Service translation (kube-proxy-replacement.features.socketLB.enabled, and
   * bpfSocketLBHostnsOnly: only the host namespace's sockets, so pods' connections go through
   * the per-packet path instead); null where the report does not say (the text form).
   */
  socketLB: "enabled" | "disabled" | "host-namespace-only" | null;
  /** "BPF" or "iptables" when masquerading is enabled, "disabled" when not. */
  masquerading: string | null;
  /** e.g. "1.18.2 (v1.18.2-5f21a4a8)" (cilium.msg). */
  version: string | null;
  /** The agent's own verdict (cilium.state): "Ok", "Warning", "Failure". */
  state: string | null;
}

/** The fields of `cilium-dbg status -o json` (api/v1 StatusResponse) read here; others are ignored. */
const ciliumStatusSchema = z.looseObject({
  routing: z.looseObject({ "intra-host-routing-mode": z.string().optional() }).optional(),
  "kube-proxy-replacement": z
    .looseObject({
      mode: z.string().optional(),
      features: z
        .looseObject({
          socketLB: z.looseObject({ enabled: z.boolean().optional() }).optional(),
          bpfSocketLBHostnsOnly: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  masquerading: z.looseObject({ enabled: z.boolean().optional(), mode: z.string().optional() }).optional(),
  cilium: z.looseObject({ state: z.string().optional(), msg: z.string().optional() }).optional(),
});

/** The socket LB state of api/v1 KubeProxyReplacementFeatures, whose flags are omitempty: absent is false. */
function socketLBOf(features: { socketLB?: { enabled?: boolean }; bpfSocketLBHostnsOnly?: boolean } = {}) {
  if (!features.socketLB?.enabled) return "disabled";
  return features.bpfSocketLBHostnsOnly ? "host-namespace-only" : "enabled";
}

/**
 * Reads `cilium-dbg status -o json` (api/v1 StatusResponse: routing.intra-host-routing-mode,
 * kube-proxy-replacement.mode and .features.{socketLB.enabled,bpfSocketLBHostnsOnly}
 * (api/v1/models/kube_proxy_replacement.go), masquerading.{enabled,mode}, cilium.{state,msg}; cilium/cilium
 * api/v1/openapi.yaml), else the text report. The agent exits 1 when it is not fully Ok but has
 * printed its whole report: the output is read whatever the exit code.
 */
export function parseCiliumStatus(output: string): CiliumAgentStatus {
  const start = output.indexOf("{");
  if (start >= 0) {
    const json = parseJsonOrNull(ciliumStatusSchema, output.slice(start));
    // null: not JSON after all (an older agent without -o json printed its text report)
    if (json) {
      const mode = json.routing?.["intra-host-routing-mode"];
      const masq = json.masquerading;
      const kpr = json["kube-proxy-replacement"];
      return {
        hostRouting: mode === "BPF" || mode === "Legacy" ? mode : null,
        kubeProxyReplacement: kpr?.mode ?? null,
        socketLB: kpr ? socketLBOf(kpr.features) : null,
        masquerading: masq ? (masq.enabled ? (masq.mode ?? null) : "disabled") : null,
        version: json.cilium?.msg ?? null,
        state: json.cilium?.state ?? null,
      };
    }
  }
  const line = (name: string) => new RegExp(`^\\s*${name}:\\s*(\\S+)`, "im").exec(output)?.[1] ?? null;
  const masquerading = line("Masquerading");
  return {
    hostRouting: parseCiliumHostRouting(output),
    kubeProxyReplacement: line("KubeProxyReplacement"),
    socketLB: null,
    masquerading: masquerading === "Disabled" ? "disabled" : masquerading,
    version: /^\s*Cilium:\s*\S+\s+(.*)$/im.exec(output)?.[1]?.trim() ?? null,
    state: line("Cilium"),
  };
}

/**
 * Why Cilium would run legacy host routing although asked for BPF. Current releases fall back
 * when masquerading is done by iptables, when kube-proxy replacement is not `true`, and when
 * NodePort is off (cilium/cilium daemon/cmd/kube_proxy_replacement.go,
 * finishKubeProxyReplacementInit and disableNodePort). Kernel < 5.10 was a cause in old releases only.
 */
export function hostRoutingFallbacks(status: CiliumAgentStatus): string[] {
  const reasons: string[] = [];
  if (status.kubeProxyReplacement !== null && status.kubeProxyReplacement.toLowerCase() !== "true")
    reasons.push(
      `kube-proxy replacement is ${status.kubeProxyReplacement} (BPF host routing needs kubeProxyReplacement=true)`,
    );
  if (status.masquerading?.toLowerCase() === "iptables")
    reasons.push("masquerading is done by iptables (BPF host routing needs bpf.masquerade=true)");
  return reasons;
}

/**
 * Reads the host routing mode from `cilium-dbg status` (or `cilium status` in older agents).
 * Older: `Host Routing:            BPF`; newer: `Routing:   Network: Tunnel [vxlan]   Host: Legacy`.
 */
export function parseCiliumHostRouting(status: string): HostRouting | null {
  const old = /^\s*Host Routing:\s*(BPF|Legacy)\b/im.exec(status);
  if (old) return old[1] === "BPF" ? "BPF" : "Legacy";
  const current = /^\s*Routing:.*\bHost:\s*(BPF|Legacy)\b/im.exec(status);
  if (current) return current[1] === "BPF" ? "BPF" : "Legacy";
  return null;
}

/** The host routing the agents report in a mode. */
export function hostRoutingFor(mode: RoutingMode): HostRouting {
  return mode === "ebpf" ? "BPF" : "Legacy";
}

/**
 * Nodes whose Cilium agent is held un-Ready: the agent keeps the node.cilium.io/agent-not-ready
 * taint until it is Ready (on AKS, while host iptables rules it did not install exist).
 */
export function agentNotReadyNodes(nodes: readonly V1Node[]): string[] {
  return nodes
    .filter((n) => n.spec?.taints?.some((t) => t.key === "node.cilium.io/agent-not-ready"))
    .map((n) => n.metadata?.name ?? "");
}
