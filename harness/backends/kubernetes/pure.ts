/** Pure pieces of the Kubernetes backend: node choice, Cilium status, pod problems, API errors. */
import type { CoreV1Event, V1Node, V1Pod } from "@kubernetes/client-node";
import { EnvironmentError, UsageError } from "../../util/errors.js";
import { isPodSecurityDenial } from "./podsecurity.js";

const CONTROL_PLANE_LABELS = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
  kernel: string;
  osImage: string;
  instanceType: string | null;
  /** topology.kubernetes.io/zone: cross-node figures across zones include the zones' distance. */
  zone: string | null;
  cpuCount: number | null;
  memoryGiB: number | null;
  ready: boolean;
  schedulable: boolean;
  linux: boolean;
  controlPlane: boolean;
}

export function nodeFacts(node: V1Node): NodeFacts {
  const labels = node.metadata?.labels ?? {};
  const taints = node.spec?.taints ?? [];
  return {
    name: node.metadata?.name ?? "",
    labels,
    kernel: node.status?.nodeInfo?.kernelVersion ?? "unknown",
    osImage: node.status?.nodeInfo?.osImage ?? "unknown",
    instanceType:
      labels["node.kubernetes.io/instance-type"] ?? labels["beta.kubernetes.io/instance-type"] ?? null,
    zone: labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? null,
    cpuCount: quantity(node.status?.capacity?.cpu),
    memoryGiB: gib(node.status?.capacity?.memory),
    ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    schedulable:
      !node.spec?.unschedulable && !taints.some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
    linux: (labels["kubernetes.io/os"] ?? node.status?.nodeInfo?.operatingSystem) === "linux",
    controlPlane: CONTROL_PLANE_LABELS.some((l) => l in labels),
  };
}

/** A CPU count from a quantity ("16", "15890m"). */
function quantity(value: string | undefined): number | null {
  if (!value) return null;
  const number = value.endsWith("m") ? Number(value.slice(0, -1)) / 1000 : Number(value);
  return Number.isFinite(number) ? number : null;
}

/** GiB from a memory quantity ("65851948Ki", "64Gi"). */
function gib(value: string | undefined): number | null {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value ?? "");
  if (!m) return null;
  const factor = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ""] ?? 1;
  return Math.round(((Number(m[1]) * factor) / 2 ** 30) * 10) / 10;
}

function unusable(f: NodeFacts): string[] {
  return [
    !f.ready && "not Ready",
    !f.schedulable && "unschedulable or tainted",
    !f.linux && "not Linux",
    f.controlPlane && "control plane",
  ].filter((x): x is string => Boolean(x));
}

/**
 * Node A and node B: the named ones (checked to exist, differ, and be Ready Linux nodes; a taint
 * is left to the sweep's tolerations), or the first two Ready, schedulable Linux workers by name.
 */
export function chooseNodes(nodes: V1Node[], named?: readonly string[]): [NodeFacts, NodeFacts] {
  const facts = nodes.map(nodeFacts);
  if (named) {
    if (named[0] === named[1])
      throw new UsageError(
        `kubernetes.nodes names ${named[0]} twice: cross-node tests need two different nodes`,
      );
    const picked = named.map((name) => {
      const node = facts.find((f) => f.name === name);
      if (!node)
        throw new UsageError(
          `node ${name} (kubernetes.nodes in the sweep) is not in the cluster; nodes: ${facts.map((f) => f.name).join(", ")}`,
        );
      const problems = unusable(node).filter((p) => p === "not Ready" || p === "not Linux");
      if (problems.length > 0)
        throw new EnvironmentError(
          `node ${name} (kubernetes.nodes in the sweep) is ${problems.join(" and ")}`,
          "name two Ready Linux nodes",
        );
      return node;
    });
    return [picked[0] as NodeFacts, picked[1] as NodeFacts];
  }
  const usable = facts
    .filter((f) => f.ready && f.schedulable && f.linux && !f.controlPlane)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (usable.length < 2) {
    const why = facts.map((f) => `${f.name}: ${unusable(f).join(", ") || "usable"}`);
    throw new EnvironmentError(
      `cross-node tests need two Ready, schedulable Linux worker nodes; found ${usable.length}:\n  ${why.join("\n  ")}`,
      "name two nodes in the sweep (kubernetes.nodes: [a, b]) and add tolerations if they are tainted",
    );
  }
  return [usable[0] as NodeFacts, usable[1] as NodeFacts];
}

/** Why two test nodes in different zones matter (cilium-cli's perf test warns the same way). */
export function zoneProblem(a: NodeFacts, b: NodeFacts): string | null {
  if (!a.zone || !b.zone || a.zone === b.zone) return null;
  return `the test nodes are in different zones (${a.name}: ${a.zone}, ${b.name}: ${b.zone}): cross-node figures include the distance between zones`;
}

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
  /** "BPF" or "iptables" when masquerading is enabled, "disabled" when not. */
  masquerading: string | null;
  /** e.g. "1.18.2 (v1.18.2-5f21a4a8)" (cilium.msg). */
  version: string | null;
  /** The agent's own verdict (cilium.state): "Ok", "Warning", "Failure". */
  state: string | null;
}

/**
 * Reads `cilium-dbg status -o json` (api/v1 StatusResponse: routing.intra-host-routing-mode,
 * kube-proxy-replacement.mode, masquerading.{enabled,mode}, cilium.{state,msg}; cilium/cilium
 * api/v1/openapi.yaml), else the text report. The agent exits 1 when it is not fully Ok but has
 * printed its whole report: the output is read whatever the exit code.
 */
export function parseCiliumStatus(output: string): CiliumAgentStatus {
  const start = output.indexOf("{");
  if (start >= 0) {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the agent's JSON, read field by field
      const json = JSON.parse(output.slice(start)) as Record<string, any>;
      const mode = json.routing?.["intra-host-routing-mode"];
      const masq = json.masquerading;
      return {
        hostRouting: mode === "BPF" || mode === "Legacy" ? mode : null,
        kubeProxyReplacement: json["kube-proxy-replacement"]?.mode ?? null,
        masquerading: masq ? (masq.enabled ? (masq.mode ?? null) : "disabled") : null,
        version: json.cilium?.msg ?? null,
        state: json.cilium?.state ?? null,
      };
    } catch {
      // not JSON after all: an older agent without -o json printed its text report
    }
  }
  const line = (name: string) => new RegExp(`^\\s*${name}:\\s*(\\S+)`, "im").exec(output)?.[1] ?? null;
  const masquerading = line("Masquerading");
  return {
    hostRouting: parseCiliumHostRouting(output),
    kubeProxyReplacement: line("KubeProxyReplacement"),
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

export function hostRoutingFor(mode: "legacy" | "ebpf"): HostRouting {
  return mode === "ebpf" ? "BPF" : "Legacy";
}

/** Why a pod is not ready, in the user's terms; null while it is simply still starting. */
export function podProblem(pod: V1Pod, events: CoreV1Event[], logTail: string): string | null {
  const name = pod.metadata?.name ?? "pod";
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return `${name} cannot be scheduled: ${scheduled.message ?? "no reason given"}`;
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting && ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"].includes(waiting.reason ?? "")) {
      const event = events.find((e) => e.reason === "Failed" && /pull/i.test(e.message ?? ""));
      return `${name}: image ${status.image} cannot be pulled (${waiting.reason}): ${event?.message ?? waiting.message ?? ""}`.trim();
    }
    if (waiting?.reason === "CrashLoopBackOff" || status.state?.terminated) {
      const how = waiting?.reason ?? `exited with code ${status.state?.terminated?.exitCode}`;
      return `${name}: container ${status.name} ${how}${logTail ? `; last log lines:\n${logTail}` : ""}`;
    }
  }
  if (pod.status?.phase === "Failed")
    return `${name} failed: ${pod.status.message ?? pod.status.reason ?? "no reason given"}`;
  return null;
}

interface ApiErrorLike {
  code?: number;
  body?: unknown;
  message?: string;
  headers?: Record<string, string>;
}

/** The longest routebench waits on one Retry-After, and how often it retries a 429, before giving up. */
export const RETRY_AFTER_CAP_MS = 30_000;
export const MAX_THROTTLE_RETRIES = 5;

/**
 * How long to wait before retrying a throttled call: the API server's Retry-After (seconds),
 * bounded; null when the error is not a 429.
 */
export function throttleDelayMs(error: unknown, attempt: number): number | null {
  const e = error as ApiErrorLike;
  if (e?.code !== 429) return null;
  const header = Object.entries(e.headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : backoffDelayMs(attempt);
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** Poll interval for the n-th look (0-based): 250 ms doubling to a 5 s ceiling, so a long wait costs few requests. */
export function backoffDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000);
}

/** Turns an API failure into an error that says what was refused and what to do. */
export function translateApiError(error: unknown, action: string): Error {
  const e = error as ApiErrorLike;
  if (typeof e?.code !== "number") return error instanceof Error ? error : new Error(String(error));
  let message = "";
  try {
    message = (typeof e.body === "string" ? JSON.parse(e.body) : e.body)?.message ?? "";
  } catch {
    message = String(e.body ?? "");
  }
  switch (e.code) {
    case 401:
      return new EnvironmentError(
        `${action}: the API server did not accept the kubeconfig's credentials (401)`,
        "refresh the credentials (e.g. az aks get-credentials)",
      );
    case 403:
      return new EnvironmentError(
        `${action}: forbidden (403): ${message}`,
        isPodSecurityDenial(message)
          ? "Pod Security admission refused the pod, not RBAC: label the namespace pod-security.kubernetes.io/enforce=privileged (the host baseline needs hostNetwork), or leave kubernetes.namespace unset so routebench creates a labelled one"
          : "grant the permissions in manifests/rbac.yaml to the kubeconfig's user (`routebench k8s check` lists what is missing)",
      );
    case 429:
      return new EnvironmentError(
        `${action}: the API server is throttling requests (429) and kept doing so: ${message}`,
        "run again later, or ask the cluster's admins about API priority and fairness limits",
      );
    case 404:
      return new EnvironmentError(`${action}: not found (404): ${message}`);
    case 409:
      return new EnvironmentError(
        `${action}: conflict (409): ${message}`,
        "a leftover of an earlier run? `routebench k8s cleanup` removes them",
      );
    default:
      return new EnvironmentError(
        `${action}: the API server answered ${e.code}: ${message || e.message || ""}`.trim(),
        e.code >= 500 ? "the cluster had a problem; try again" : undefined,
      );
  }
}
