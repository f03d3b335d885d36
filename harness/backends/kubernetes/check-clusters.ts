/**
 * With one cluster per mode (routing.strategy contexts), what differs between the clusters is
 * measured as if it were the mode: the check compares what it can read of each (Kubernetes and
 * Cilium versions, the test nodes' instance type, kernel, OS image, CPUs and zone) and warns,
 * naming each difference. Nothing is switched, so this is the design's one confound to look at.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { api } from "./api.js";
import { type Check, pass, skip } from "./check-result.js";
import { CILIUM_DAEMONSET } from "./cilium-config.js";
import { kubeClients } from "./kubeconfig.js";
import { chooseNodes } from "./nodes.js";

/** What is compared of one cluster, each as one line of text. */
export type ClusterProfile = Record<string, string>;

/** Reads one cluster's profile; a field it cannot read is "unknown". */
export async function clusterProfile(sweep: Sweep, kc: KubeConfig): Promise<ClusterProfile> {
  const clients = kubeClients(kc);
  const k = sweep.kubernetes;
  const version = await api("reading the Kubernetes version", () => clients.version.getCode())
    .then((v) => v.gitVersion)
    .catch(() => "unknown");
  const nodes = await api("listing nodes", () => clients.core.listNode())
    .then((list) => chooseNodes(list.items, k.nodes, k.nodeSelector))
    .catch(() => null);
  const cilium = await clients.apps
    .readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: k.routing.ciliumNamespace })
    .then(
      (ds) =>
        /:(v?[\w.-]+)/.exec(ds.spec?.template.spec?.containers[0]?.image?.split("@")[0] ?? "")?.[1] ??
        "unknown",
    )
    .catch(() => "unknown");
  const each = (f: (n: NonNullable<typeof nodes>[number]) => string | number | null) =>
    nodes ? [...new Set(nodes.map((n) => String(f(n) ?? "unknown")))].join(" / ") : "unknown";
  return {
    "Kubernetes version": version,
    "Cilium version": cilium,
    "instance type": each((n) => n.instanceType),
    kernel: each((n) => n.kernel),
    "OS image": each((n) => n.osImage),
    CPUs: each((n) => n.cpuCount),
    zone: each((n) => n.zone),
  };
}

/** The differences between the mode's clusters, one line each (empty: none seen). Pure. */
export function clusterDifferences(profiles: Readonly<Record<string, ClusterProfile>>): string[] {
  const entries = Object.entries(profiles);
  const [first] = entries;
  if (!first) return [];
  return Object.keys(first[1]).flatMap((field) => {
    const values = entries.map(([mode, p]) => `${mode} ${p[field]}`);
    return new Set(entries.map(([, p]) => p[field])).size > 1 ? [`${field}: ${values.join(", ")}`] : [];
  });
}

/** The contexts strategy's comparison of its clusters; skipped for the other strategies. */
export async function clustersCheck(
  sweep: Sweep,
  kubeconfigs: Readonly<Record<string, KubeConfig>>,
): Promise<Check> {
  const title = "The modes' clusters alike";
  if (sweep.kubernetes.routing.strategy !== "contexts")
    return skip("clusters", title, "one cluster for every mode");
  const profiles: Record<string, ClusterProfile> = {};
  for (const [mode, kc] of Object.entries(kubeconfigs)) profiles[mode] = await clusterProfile(sweep, kc);
  const differences = clusterDifferences(profiles);
  return differences.length
    ? {
        id: "clusters",
        title,
        status: "warn",
        detail: `each difference is measured as if it were the mode: ${differences.join("; ")}`,
        fix: "make the clusters alike (same VM size, node image, zone, Kubernetes and Cilium versions), or switch one cluster (segmented design)",
      }
    : pass("clusters", title, `alike in ${Object.keys(Object.values(profiles)[0] ?? {}).join(", ")}`);
}
