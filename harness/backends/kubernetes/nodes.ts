/** The two test nodes: what routebench reads from a node object, and which two it picks. Pure. */
import type { V1Node } from "@kubernetes/client-node";
import { EnvironmentError, UsageError } from "../../util/errors.js";

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

/** What routebench reads from a node object: identity, hardware, zone and whether it can host the test pods. */
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
 * is left to the sweep's tolerations), or the first two Ready, schedulable Linux workers by name
 * that carry the sweep's nodeSelector labels (a pool: after a node-replacing switch the same
 * selector finds the new machines, where remembered names would be gone).
 */
export function chooseNodes(
  nodes: readonly V1Node[],
  named?: readonly string[],
  selector: Readonly<Record<string, string>> = {},
): [NodeFacts, NodeFacts] {
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
  const selected = (f: NodeFacts) => Object.entries(selector).every(([k, v]) => f.labels[k] === v);
  const usable = facts
    .filter((f) => f.ready && f.schedulable && f.linux && !f.controlPlane && selected(f))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (usable.length < 2) {
    const why = facts.map(
      (f) =>
        `${f.name}: ${[...unusable(f), ...(selected(f) ? [] : ["not selected by kubernetes.nodeSelector"])].join(", ") || "usable"}`,
    );
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
