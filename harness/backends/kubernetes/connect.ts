/**
 * Connecting to one cluster (one kube context) for a run: its two test nodes, the facts the
 * results record, and the run's pods started. The result is an immutable value; a pod restart
 * makes a new one (`restartPods` in pods.ts returns the new IPs).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import { api } from "./api.js";
import { ciliumFacts } from "./cilium.js";
import { kubeClients } from "./kubeconfig.js";
import { podPlans, profilerPlans } from "./manifests.js";
import { chooseNodes, type NodeFacts } from "./nodes.js";
import { closeNamespace, openNamespace, type PodAddresses, startPods, type TestPods } from "./pods.js";
import { probeProfilers } from "./profiler.js";
import { deleteServices, startServices, wantsServices } from "./services.js";

/** One connected cluster with this run's pods running on its two test nodes. */
export interface Cluster extends TestPods {
  readonly context: string;
  readonly nodes: readonly [NodeFacts, NodeFacts];
  /** What results.environment.topology records of this cluster. */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What results record of the test nodes. */
export function describeNodes(nodes: readonly NodeFacts[]) {
  return nodes.map((n) => ({
    name: n.name,
    kernel: n.kernel,
    osImage: n.osImage,
    instanceType: n.instanceType,
    zone: n.zone,
    cpuCount: n.cpuCount,
  }));
}

/** A run id: the UTC minute and 16 random bits, short enough for a namespace name (rb-<id>). */
export function makeKubeRunId(date = new Date()): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(2, 14)}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, "0")}`;
}

/**
 * Refuses `ipFamilies: [ipv6]` where a started pod has no IPv6 address (status.podIPs holds
 * one address per family on a dual-stack cluster): a single-stack cluster, said before any trial.
 */
export function assertFamilies(sweep: Pick<Sweep, "ipFamilies">, started: PodAddresses): void {
  const families = sweep.ipFamilies ?? ["ipv4"];
  const short = [...started.podAddresses].flatMap(([role, ips]) =>
    families
      .filter((f) => !ips[f])
      .map((f) => `${role} has no ${f} address (${Object.values(ips).join(", ")})`),
  );
  if (short.length)
    throw new EnvironmentError(
      `the sweep lists ipFamilies ${families.join(", ")} but the cluster is not dual-stack: ${short.join("; ")}`,
      "remove ipv6 from ipFamilies for this cluster, or run on a dual-stack cluster (`routebench k8s check` shows the nodes' pod CIDRs)",
    );
}

/**
 * Reads the cluster, picks the test nodes, opens the namespace and starts the sweep's pods (and
 * the netservers' Services for `destinations: [service]`).
 * On a failure it removes what it made before throwing, so a caller has only whole clusters to close.
 */
export async function connect(
  kc: KubeConfig,
  sweep: Sweep,
  runId: string,
  log: (message: string) => void,
): Promise<Cluster> {
  const options = sweep.kubernetes;
  const clients = kubeClients(kc);
  const version = await api("reading the Kubernetes version", () => clients.version.getCode());
  const nodeList = await api("listing nodes", () => clients.core.listNode());
  const nodes = chooseNodes(nodeList.items, options.nodes, options.nodeSelector);
  const names: [string, string] = [nodes[0].name, nodes[1].name];
  const plans = [
    ...podPlans(names, sweep.placements, sweep.modes.includes("host")),
    // explain: a privileged hostPID pod per test node runs perf (profiler.ts)
    ...(sweep.explain ? profilerPlans(names, sweep.placements) : []),
  ];
  const scope = await openNamespace(clients, options, runId, plans);
  try {
    const facts = {
      context: kc.getCurrentContext(),
      kubernetesVersion: version.gitVersion,
      namespace: scope.namespace,
      nodes: describeNodes(nodes),
      cilium: await ciliumFacts(clients, options.routing.ciliumNamespace, log),
    };
    const started = await startPods(scope, plans);
    assertFamilies(sweep, started);
    if (sweep.explain)
      await probeProfilers(
        { ...scope, plans, ...started },
        [sweep.cpu.client, sweep.cpu.server].filter((c): c is number => c !== undefined),
      );
    const services = wantsServices(sweep) ? await startServices(scope, plans, sweep) : undefined;
    return {
      ...scope,
      context: kc.getCurrentContext(),
      nodes,
      plans,
      ...started,
      ...(services ? { services } : {}),
      facts: services
        ? { ...facts, services: Object.fromEntries([...services].map(([role, ips]) => [role, ips])) }
        : facts,
    };
  } catch (error) {
    await closeNamespace(scope, log);
    if (wantsServices(sweep) && !scope.createdNamespace)
      await deleteServices(scope).catch((e) => log(`cleanup: ${e.message}`));
    throw error;
  }
}
