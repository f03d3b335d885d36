/**
 * The test pods' resources against the test nodes: Kubernetes quantities, the requests each
 * node carries, and the check that they fit its allocatable, with the QoS class and the CPU
 * limit's cost (kubernetes.io/docs/concepts/configuration/manage-resources-containers). Pure.
 */
import type { V1Node } from "@kubernetes/client-node";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { type Check, fail, pass } from "./check-result.js";
import type { PodPlan } from "./manifests.js";

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 } as const;
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;

/** A CPU quantity ("2", "1500m", "0.5") in millicores; null when unreadable. */
export function cpuMillis(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(value.trim());
  if (!m) return null;
  return m[2] ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** A memory quantity ("256Mi", "1G", "65851948Ki", "1000") in bytes; null when unreadable. */
export function memoryBytes(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value.trim());
  if (!m) return null;
  const unit = m[2] ?? "";
  const factor = (BINARY as Record<string, number>)[unit] ?? (DECIMAL as Record<string, number>)[unit] ?? 1;
  return Number(m[1]) * factor;
}

/** The QoS class the pods will get from the sweep's resources (kubernetes.io/docs/concepts/workloads/pods/pod-qos). */
export function qosClass(
  resources: KubernetesOptions["resources"],
): "Guaranteed" | "Burstable" | "BestEffort" {
  const { requests = {}, limits = {} } = resources;
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return "BestEffort";
  const guaranteed = ["cpu", "memory"].every(
    (r) => limits[r] !== undefined && (requests[r] === undefined || requests[r] === limits[r]),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** What the scheduler counts of one container: its requests, or its limits where requests are unset. */
function requested(resources: KubernetesOptions["resources"]): { cpu: number; memory: number } {
  const { requests = {}, limits = {} } = resources;
  return {
    cpu: cpuMillis(requests.cpu ?? limits.cpu) ?? 0,
    memory: memoryBytes(requests.memory ?? limits.memory) ?? 0,
  };
}

/** Each test node's share: the pods planned on it and their summed requests. */
export function requestsByNode(
  plans: readonly PodPlan[],
  resources: KubernetesOptions["resources"],
): Map<string, { pods: number; cpu: number; memory: number }> {
  const each = requested(resources);
  const byNode = new Map<string, { pods: number; cpu: number; memory: number }>();
  for (const plan of plans) {
    const sum = byNode.get(plan.node) ?? { pods: 0, cpu: 0, memory: 0 };
    byNode.set(plan.node, { pods: sum.pods + 1, cpu: sum.cpu + each.cpu, memory: sum.memory + each.memory });
  }
  return byNode;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} Mi`;

/**
 * Whether the planned pods' requests fit each test node's allocatable (what the kubelet leaves
 * for pods; other pods already there take their share too, so more than half of it warns), a
 * CPU limit (CFS quota: netperf throttled within each 100 ms period shows up as latency tails)
 * and the QoS class (BestEffort pods are evicted first).
 */
export function resourcesCheck(
  resources: KubernetesOptions["resources"],
  plans: readonly PodPlan[],
  nodes: readonly V1Node[],
): Check {
  const title = "Pod resources fit the test nodes";
  const problems: string[] = [];
  const tight: string[] = [];
  const fits: string[] = [];
  for (const [name, sum] of requestsByNode(plans, resources)) {
    const node = nodes.find((n) => n.metadata?.name === name);
    const cpu = cpuMillis(node?.status?.allocatable?.cpu);
    const memory = memoryBytes(node?.status?.allocatable?.memory);
    if (cpu === null || memory === null) continue;
    const share = `${sum.pods} pods request ${sum.cpu}m CPU and ${mib(sum.memory)} of ${cpu}m and ${mib(memory)} allocatable`;
    if (sum.cpu > cpu || sum.memory > memory) problems.push(`${name}: ${share}`);
    else if (sum.cpu > cpu / 2 || sum.memory > memory / 2) tight.push(`${name}: ${share}`);
    else fits.push(`${name}: ${share}`);
  }
  const qos = qosClass(resources);
  const cpuLimit = resources.limits?.cpu;
  if (problems.length)
    return fail(
      "resources",
      title,
      problems.join("; "),
      "lower kubernetes.resources.requests (netperf needs little to be scheduled; it uses whatever CPU is free), or pick larger nodes",
    );
  const notes = [
    ...tight.map((t) => `${t} (more than half: the node's other pods may leave too little)`),
    cpuLimit &&
      `a CPU limit of ${cpuLimit}: the CFS quota throttles netperf within each 100 ms period, which shows as latency tails; leave limits.cpu unset unless the kubelet's static CPU manager pins Guaranteed pods to whole CPUs`,
    qos === "BestEffort" && "BestEffort: the kubelet evicts such pods first under pressure",
  ].filter((x): x is string => Boolean(x));
  return notes.length
    ? {
        id: "resources",
        title,
        status: "warn",
        detail: notes.join("; "),
        fix: "see kubernetes.resources in the README",
      }
    : pass("resources", title, `${qos}, no CPU limit; ${fits.join("; ") || "allocatable not reported"}`);
}
