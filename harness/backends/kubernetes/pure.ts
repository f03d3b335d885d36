/** Pure pieces of the Kubernetes backend: node choice, Cilium status, pod problems, API errors. */
import type { CoreV1Event, V1Node, V1Pod } from "@kubernetes/client-node";
import { EnvironmentError, UsageError } from "../../util/errors.js";

const CONTROL_PLANE_LABELS = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

export interface NodeFacts {
  name: string;
  kernel: string;
  osImage: string;
  instanceType: string | null;
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
    kernel: node.status?.nodeInfo?.kernelVersion ?? "unknown",
    osImage: node.status?.nodeInfo?.osImage ?? "unknown",
    instanceType:
      labels["node.kubernetes.io/instance-type"] ?? labels["beta.kubernetes.io/instance-type"] ?? null,
    ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    schedulable:
      !node.spec?.unschedulable && !taints.some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
    linux: (labels["kubernetes.io/os"] ?? node.status?.nodeInfo?.operatingSystem) === "linux",
    controlPlane: CONTROL_PLANE_LABELS.some((l) => l in labels),
  };
}

/**
 * Node A and node B: the named ones (checked to exist and be Ready), or the first two Ready,
 * schedulable Linux workers by name.
 */
export function chooseNodes(nodes: V1Node[], named?: readonly string[]): [NodeFacts, NodeFacts] {
  const facts = nodes.map(nodeFacts);
  if (named) {
    const picked = named.map((name) => {
      const node = facts.find((f) => f.name === name);
      if (!node)
        throw new UsageError(
          `node ${name} (kubernetes.nodes in the sweep) is not in the cluster; nodes: ${facts.map((f) => f.name).join(", ")}`,
        );
      if (!node.ready) throw new EnvironmentError(`node ${name} is not Ready`);
      return node;
    });
    return [picked[0] as NodeFacts, picked[1] as NodeFacts];
  }
  const usable = facts
    .filter((f) => f.ready && f.schedulable && f.linux && !f.controlPlane)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (usable.length < 2) {
    const why = facts.map(
      (f) =>
        `${f.name}: ${[!f.ready && "not Ready", !f.schedulable && "unschedulable or tainted", !f.linux && "not Linux", f.controlPlane && "control plane"].filter(Boolean).join(", ") || "usable"}`,
    );
    throw new EnvironmentError(
      `cross-node tests need two Ready, schedulable Linux worker nodes; found ${usable.length}:\n  ${why.join("\n  ")}`,
      "name two nodes in the sweep (kubernetes.nodes: [a, b]) and add tolerations if they are tainted",
    );
  }
  return [usable[0] as NodeFacts, usable[1] as NodeFacts];
}

export type HostRouting = "BPF" | "Legacy";

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
        "grant the permissions in manifests/rbac.yaml to the kubeconfig's user",
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
