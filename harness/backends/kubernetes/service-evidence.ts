/**
 * What carries a `destination: service` trial's traffic, from the test nodes' Cilium agents
 * (`cilium-dbg status -o json`: kube-proxy-replacement.mode and .features.socketLB) and whether
 * kube-proxy runs: in eBPF mode the Service must be translated at connect time by Cilium's
 * socket LB (else the comparison is not of the eBPF Service path), so its absence refuses the
 * mode; in legacy mode kube-proxy's iptables is the path meant, and where Cilium's kube-proxy
 * replacement translates Services instead (it does whatever the host routing) that is said in
 * the evidence. Pure.
 */
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import type { AgentReadings } from "./cilium-agents.js";
import type { CiliumAgentStatus } from "./cilium-status.js";

/** One node's line: `KubeProxyReplacement: True, socket LB: enabled`. */
export function serviceLine(status: CiliumAgentStatus): string {
  return `KubeProxyReplacement: ${status.kubeProxyReplacement ?? "unknown"}, socket LB: ${status.socketLB ?? "unknown"}`;
}

/** The Service path's evidence in a mode: per-node lines, a sentence, and why the mode cannot measure Services (null when it can). */
export function serviceEvidence(
  readings: AgentReadings,
  mode: RoutingMode,
  kubeProxyPods: number | null,
): { lines: Record<string, string>; detail: string; refusal: string | null } {
  const entries = Object.entries(readings);
  const lines = Object.fromEntries(entries.map(([node, r]) => [node, serviceLine(r.status)]));
  const kpr = (s: CiliumAgentStatus) => s.kubeProxyReplacement?.toLowerCase() === "true";
  const socketLB = entries.filter(([, r]) => kpr(r.status) && r.status.socketLB === "enabled");
  const kubeProxy =
    kubeProxyPods === null
      ? "kube-proxy pods not readable"
      : `${kubeProxyPods} kube-proxy pod(s) in kube-system`;
  if (mode === "ebpf") {
    const without = entries.filter(([, r]) => !(kpr(r.status) && r.status.socketLB === "enabled"));
    if (without.length)
      return {
        lines,
        detail: "",
        refusal: `a service trial in eBPF mode needs Cilium's kube-proxy replacement with socket LB on every test node; ${without.map(([node, r]) => `${node}: ${serviceLine(r.status)}`).join("; ")}`,
      };
    return {
      lines,
      detail: `Services: Cilium's kube-proxy replacement with socket LB on every test node (${kubeProxy})`,
      refusal: null,
    };
  }
  const detail =
    socketLB.length > 0
      ? `Services: Cilium's socket LB translates ClusterIPs on ${socketLB.map(([n]) => n).join(", ")} in legacy host routing too, so service trials here do not take kube-proxy's iptables path (${kubeProxy})`
      : kubeProxyPods
        ? `Services: kube-proxy (${kubeProxy}); Cilium's kube-proxy replacement off or without socket LB`
        : `Services: no socket LB and ${kubeProxy}: what translates ClusterIPs is not known`;
  return { lines, detail, refusal: null };
}
