/**
 * Renders the objects the Kubernetes backend applies from the templates in manifests/
 * (parsed with the yaml library, then filled in as objects). Pure but for reading templates.
 */
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { V1Namespace, V1Pod } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { PACKAGE_ROOT, type Placement } from "../../vocabulary/vocabulary.js";
import { ENFORCE_LABEL, ENFORCE_VERSION_LABEL, type PodSecurityLevel } from "./podsecurity.js";

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "routebench" };
export const RUN_LABEL = "routebench.io/run";
/** Who started the run (user@host, as a label value): `k8s cleanup` deletes only its own user's leftovers. */
export const OWNER_LABEL = "routebench.io/owner";

/** This machine's user and host as a label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends). */
export function runOwner(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): the host alone
  }
  const value = `${user}.${hostname()}`.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63);
  return value.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "unknown";
}

function template<T>(name: string): T {
  return parse(readFileSync(join(PACKAGE_ROOT, "manifests", name), "utf8")) as T;
}

export type PodRole =
  | "client"
  | "server-same"
  | "server-cross"
  | "host-client"
  | "host-server-same"
  | "host-server-cross"
  | "profiler-a"
  | "profiler-b";

export interface PodPlan {
  role: PodRole;
  name: string;
  node: string;
  hostNetwork: boolean;
  netserver: boolean;
  /** explain's privileged hostPID pod that runs perf on its node (manifests/profiler-pod.yaml). */
  profiler?: boolean;
}

/** The profiling pods explain adds: one on node A, one on node B where the sweep has cross-node. */
export function profilerPlans(nodes: [string, string], placements: readonly Placement[]): PodPlan[] {
  const [a, b] = nodes;
  const plans: PodPlan[] = [
    {
      role: "profiler-a",
      name: "rb-profiler-a",
      node: a,
      hostNetwork: false,
      netserver: false,
      profiler: true,
    },
  ];
  if (placements.includes("cross-node"))
    plans.push({
      role: "profiler-b",
      name: "rb-profiler-b",
      node: b,
      hostNetwork: false,
      netserver: false,
      profiler: true,
    });
  return plans;
}

/** The pods a sweep needs: a client on node A, servers on A (same-node) and B (cross-node), host-network twins for `host`. */
export function podPlans(
  nodes: [string, string],
  placements: readonly Placement[],
  withHost: boolean,
): PodPlan[] {
  const [a, b] = nodes;
  const plans: PodPlan[] = [
    { role: "client", name: "rb-client", node: a, hostNetwork: false, netserver: false },
  ];
  if (placements.includes("same-node"))
    plans.push({ role: "server-same", name: "rb-server-same", node: a, hostNetwork: false, netserver: true });
  if (placements.includes("cross-node"))
    plans.push({
      role: "server-cross",
      name: "rb-server-cross",
      node: b,
      hostNetwork: false,
      netserver: true,
    });
  if (withHost) {
    plans.push({ role: "host-client", name: "rb-host-client", node: a, hostNetwork: true, netserver: false });
    // one host-network netserver per node: on node A it serves same-node, on B cross-node
    if (placements.includes("same-node"))
      plans.push({
        role: "host-server-same",
        name: "rb-host-server-a",
        node: a,
        hostNetwork: true,
        netserver: true,
      });
    if (placements.includes("cross-node"))
      plans.push({
        role: "host-server-cross",
        name: "rb-host-server-b",
        node: b,
        hostNetwork: true,
        netserver: true,
      });
  }
  return plans;
}

/**
 * The Pod Security level the sweep's pods need: hostNetwork (the host baseline) and explain's
 * privileged hostPID profiler are outside baseline and restricted.
 */
export function podSecurityLevel(plans: readonly PodPlan[]): PodSecurityLevel {
  return plans.some((p) => p.hostNetwork || p.profiler) ? "privileged" : "restricted";
}

/**
 * The namespace a run creates, labelled with the Pod Security level its pods need
 * (kubernetes.io/docs/concepts/security/pod-security-admission: `pod-security.kubernetes.io/enforce`),
 * so a cluster whose default is baseline or restricted admits them.
 */
export function renderNamespace(
  name: string,
  runId: string,
  level: PodSecurityLevel,
  owner = runOwner(),
): V1Namespace {
  const ns = template<V1Namespace>("namespace.yaml");
  ns.metadata = {
    ...ns.metadata,
    name,
    labels: {
      ...MANAGED_BY,
      [RUN_LABEL]: runId,
      [OWNER_LABEL]: owner,
      [ENFORCE_LABEL]: level,
      [ENFORCE_VERSION_LABEL]: "latest",
    },
  };
  return ns;
}

export function renderPod(
  plan: PodPlan,
  options: KubernetesOptions,
  namespace: string,
  runId: string,
  owner = runOwner(),
): V1Pod {
  const pod = template<V1Pod>(
    plan.profiler ? "profiler-pod.yaml" : plan.netserver ? "netserver-pod.yaml" : "client-pod.yaml",
  );
  const labels = {
    ...pod.metadata?.labels,
    [RUN_LABEL]: runId,
    [OWNER_LABEL]: owner,
    "routebench.io/role": plan.role,
  };
  pod.metadata = { ...pod.metadata, name: plan.name, namespace, labels };
  const spec = pod.spec as NonNullable<V1Pod["spec"]>;
  // nodeSelector, not nodeName: the scheduler still checks taints and resources and says why it cannot place a pod
  spec.nodeSelector = { ...options.nodeSelector, "kubernetes.io/hostname": plan.node };
  if (options.tolerations.length > 0) spec.tolerations = options.tolerations;
  if (plan.hostNetwork) {
    spec.hostNetwork = true;
    spec.dnsPolicy = "ClusterFirstWithHostNet";
  }
  if (plan.profiler) {
    for (const container of spec.containers) {
      container.image = options.profiler.image;
      container.command = [...options.profiler.command];
    }
    return pod;
  }
  for (const container of spec.containers) {
    container.image = options.image;
    if (options.resources.requests || options.resources.limits) container.resources = options.resources;
    // with hostNetwork the container ports are host ports: say so rather than have the API server imply it
    if (plan.hostNetwork)
      container.ports = container.ports?.map((port) => ({ ...port, hostPort: port.containerPort }));
  }
  return pod;
}

/** Every object of a run as one multi-document YAML, for review (`routebench manifests`). */
export function manifestsYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}
