/**
 * The ClusterIP Services of `destinations: [service]` sweeps: one per netserver pod, selecting
 * it by the run and its role, with the pod's ports (12865 control, 12866 data, and the data
 * ports Service trials take in turn and multi-stream trials use, SERVICE_DATA_PORTS). On a sweep with `ipFamilies: [ipv6]` the Service asks for
 * both families (ipFamilyPolicy PreferDualStack; kubernetes.io/docs/concepts/services-networking/dual-stack)
 * and its IPv6 ClusterIP is read from spec.clusterIPs. Removed with the run's namespace, or by
 * label where the sweep names its own namespace.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { Sweep } from "../../sweep/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import {
  type IpFamily,
  PACKAGE_ROOT,
  SERVICE_DATA_PORTS,
  STREAMS_DATA_PORT_BASE,
} from "../../vocabulary/vocabulary.js";
import { api } from "./api.js";
import type { KubeClients } from "./kubeconfig.js";
import { OWNER_LABEL, type PodPlan, type PodRole, RUN_LABEL, runOwner } from "./manifests.js";

/** Where the run's objects live (pods.ts's PodScope, without importing it: pods.ts imports this file). */
type Scope = { readonly clients: KubeClients; readonly namespace: string; readonly runId: string };

/** An address of each IP family the object has (a pod's status.podIPs, a Service's spec.clusterIPs). */
export type FamilyAddresses = Partial<Record<IpFamily, string>>;

/** The addresses of a list by family: an IPv6 address has a colon, an IPv4 one never does. */
export function byFamily(ips: readonly (string | undefined)[]): FamilyAddresses {
  const out: FamilyAddresses = {};
  for (const ip of ips) {
    if (!ip) continue;
    const family: IpFamily = ip.includes(":") ? "ipv6" : "ipv4";
    out[family] ??= ip;
  }
  return out;
}

/** Whether the sweep needs Services: it lists the `service` destination. */
export function wantsServices(sweep: Pick<Sweep, "destinations">): boolean {
  return sweep.destinations?.includes("service") ?? false;
}

/**
 * The data ports beyond 12866, TCP and UDP: SERVICE_DATA_PORTS, taken in turn by single-stream
 * Service trials, and STREAMS_DATA_PORT_BASE + i for instance i of a multi-stream trial (the
 * same range: as many as the larger of the two needs).
 */
function dataPorts(maxStreams: number): V1ServicePort[] {
  const count = Math.max(SERVICE_DATA_PORTS.length, maxStreams);
  return Array.from({ length: count }, (_, i) => STREAMS_DATA_PORT_BASE + i).flatMap((port, i) => [
    { name: `data-tcp-${i}`, port, targetPort: port, protocol: "TCP" },
    { name: `data-udp-${i}`, port, targetPort: port, protocol: "UDP" },
  ]);
}

/** The Service in front of one netserver pod (its name is the pod's, which is unique in the run). */
export function renderService(
  plan: PodPlan,
  sweep: Pick<Sweep, "ipFamilies" | "streams">,
  namespace: string,
  runId: string,
  owner = runOwner(),
): V1Service {
  const service = parse(
    readFileSync(join(PACKAGE_ROOT, "manifests", "netserver-service.yaml"), "utf8"),
  ) as V1Service;
  service.metadata = {
    ...service.metadata,
    name: plan.name,
    namespace,
    labels: {
      ...service.metadata?.labels,
      [RUN_LABEL]: runId,
      [OWNER_LABEL]: owner,
      "routebench.io/role": plan.role,
    },
  };
  const spec = service.spec as NonNullable<V1Service["spec"]>;
  spec.selector = { [RUN_LABEL]: runId, "routebench.io/role": plan.role };
  spec.ports = [...(spec.ports ?? []), ...dataPorts(Math.max(1, ...(sweep.streams ?? [1])))];
  // an IPv6 ClusterIP is allocated only where asked for: the cluster's primary family is the default
  if (sweep.ipFamilies?.includes("ipv6")) spec.ipFamilyPolicy = "PreferDualStack";
  return service;
}

/**
 * Creates a Service for each netserver pod and returns its ClusterIPs by family; refuses, naming
 * the Service and what the cluster gave, when a family the sweep lists has no ClusterIP (a
 * single-stack cluster).
 */
export async function startServices(
  scope: Scope,
  plans: readonly PodPlan[],
  sweep: Pick<Sweep, "ipFamilies" | "streams">,
): Promise<ReadonlyMap<PodRole, FamilyAddresses>> {
  const out = new Map<PodRole, FamilyAddresses>();
  const families = sweep.ipFamilies ?? ["ipv4"];
  for (const plan of plans.filter((p) => p.netserver)) {
    const body = renderService(plan, sweep, scope.namespace, scope.runId);
    const created = await api(`creating service ${plan.name} in ${scope.namespace}`, () =>
      scope.clients.core.createNamespacedService({ namespace: scope.namespace, body }),
    );
    const ips = byFamily(created.spec?.clusterIPs ?? [created.spec?.clusterIP]);
    const missing = families.filter((f) => !ips[f]);
    if (missing.length)
      throw new EnvironmentError(
        `service ${plan.name} got ClusterIPs ${Object.values(ips).join(", ") || "none"}, no ${missing.join(" or ")} one: the cluster is not dual-stack`,
        "remove ipv6 from ipFamilies for this cluster, or run on a dual-stack cluster (--service-cluster-ip-range with an IPv6 range; on AKS --ip-families ipv4,ipv6)",
      );
    out.set(plan.role, ips);
  }
  return out;
}

/** Deletes the run's Services in a namespace the run did not create (its own namespace takes them along). */
export async function deleteServices(scope: Scope): Promise<void> {
  await api("deleting the test services", () =>
    scope.clients.core.deleteCollectionNamespacedService({
      namespace: scope.namespace,
      labelSelector: `${RUN_LABEL}=${scope.runId}`,
    }),
  );
}
