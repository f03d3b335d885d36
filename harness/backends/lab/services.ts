/**
 * Over 300 lines on purpose: one Service table rendered for both datapaths (kube-proxy's
 * chains and the socket LB's map batch) side by side, so the two cannot drift apart.
 *
 * The lab's Kubernetes Services as a pure value, and the two ways a node serves them:
 *
 * - legacy (kube-proxy, iptables mode): the nat table as kube-proxy's proxier writes it,
 *   KUBE-SERVICES → KUBE-SVC-… (one chain per Service port, `statistic --mode random` over
 *   several endpoints) → KUBE-SEP-… (DNAT to one endpoint), whole in one iptables-restore
 *   (ip6tables-restore for the IPv6 ClusterIPs);
 * - eBPF (Cilium's kube-proxy replacement, socket-level LB): the same Services as entries of
 *   bpf/rb_sock.bpf.c's service and backend maps, written in one bpftool batch.
 *
 * A lab with N Services holds the netserver's own Services (one per server pod of a placement,
 * control and data port both served, one endpoint so both connections of a netperf test reach
 * the same netserver) and N − k synthetic ones (two endpoints each where the lab has two pods).
 * The netserver's Services get the first ClusterIPs but are written last in KUBE-SERVICES, so
 * every new connection to them walks all N Services' rules, as the kube-proxy-vs-eBPF charts
 * assume (a real node's order is arbitrary: on average half of them).
 */
import type { Trial } from "../../sweep/plan.js";
import { UsageError } from "../../util/errors.js";
import { NETSERVER_PORT, PLACEMENTS, SERVICE_DATA_PORTS } from "../../vocabulary/vocabulary.js";
import { type Endpoints, nodePair, podPair, trialEndpoints } from "./pairs.js";
import {
  type LabPlan,
  type NodePlan,
  POD_CIDR_SUPERNET,
  POD_CIDR_SUPERNET6,
  type PodPlan,
  RULE_COMMENT_PREFIX,
} from "./plan.js";

/** Where a trial's client connects: the server pod's address, or a ClusterIP of it. */
export const DESTINATIONS = ["pod", "service"] as const;
export type Destination = (typeof DESTINATIONS)[number];
export const IP_FAMILIES = ["ipv4", "ipv6"] as const;
export type IpFamily = (typeof IP_FAMILIES)[number];

/** What a trial's point asks of the lab beside mode and placement (issue 23's point fields). */
export interface ServiceOptions {
  destination: Destination;
  ipFamily: IpFamily;
  /** Services on every node (iptables chains and socket-LB map entries), the netserver's included. */
  services: number;
}

/**
 * A point's service options, read from its optional fields (`destination`, `ipFamily`,
 * `services`) with the defaults `pod`, `ipv4` and the lab's own Service count. Bad values are
 * a UsageError naming the field.
 */
export function serviceOptionsOf(point: object, labServices: number): ServiceOptions {
  const fields = point as { destination?: unknown; ipFamily?: unknown; services?: unknown };
  const destination = fields.destination ?? "pod";
  const ipFamily = fields.ipFamily ?? "ipv4";
  const services = fields.services ?? labServices;
  if (!(DESTINATIONS as readonly unknown[]).includes(destination))
    throw new UsageError(
      `point.destination must be one of ${DESTINATIONS.join(", ")}, got ${JSON.stringify(destination)}`,
    );
  if (!(IP_FAMILIES as readonly unknown[]).includes(ipFamily))
    throw new UsageError(
      `point.ipFamily must be one of ${IP_FAMILIES.join(", ")}, got ${JSON.stringify(ipFamily)}`,
    );
  if (typeof services !== "number" || !Number.isInteger(services) || services < 0)
    throw new UsageError(`point.services must be a whole number ≥ 0, got ${JSON.stringify(services)}`);
  return { destination: destination as Destination, ipFamily: ipFamily as IpFamily, services };
}

export interface ServicePort {
  /** The Service port's name (kube-proxy's servicePortName is namespace/service:port). */
  name: string;
  port: number;
  targetPort: number;
}

export interface LabService {
  index: number;
  /** e.g. rb/netserver-node2-pod1, rb/svc-7 */
  name: string;
  clusterIp: string;
  clusterIp6: string;
  ports: ServicePort[];
  endpoints: PodPlan[];
}

/** 198.18.128.0/17: index 0 → 198.18.128.1 (room for 32,766 Services). */
export function serviceIp(index: number): string {
  const offset = index + 1;
  return `198.18.${128 + Math.floor(offset / 256)}.${offset % 256}`;
}

/** The IPv6 service range, a ULA prefix only the lab's namespaces know: index 0 → fd00:c612:8000::1. */
export function serviceIp6(index: number): string {
  return `fd00:c612:8000::${(index + 1).toString(16)}`;
}

/** netperf's ports a netserver Service serves: control, then the data ports. */
export const NETSERVER_SERVICE_PORTS: readonly ServicePort[] = [
  { name: "netperf", port: NETSERVER_PORT, targetPort: NETSERVER_PORT },
  ...SERVICE_DATA_PORTS.map((port, i) => ({ name: `data-${i}`, port, targetPort: port })),
];

/** The server pods of the placements the lab can host, each once, in PLACEMENTS order. */
function serverPods(plan: LabPlan): PodPlan[] {
  const pods: PodPlan[] = [];
  for (const placement of PLACEMENTS) {
    const server = podPair(plan, placement)?.server;
    if (server && !pods.includes(server)) pods.push(server);
  }
  return pods;
}

/** The netserver's Services (first ClusterIPs), one per server pod. */
export function netserverServices(plan: LabPlan): LabService[] {
  return serverPods(plan).map((pod, index) => ({
    index,
    name: `rb/netserver-${pod.name}`,
    clusterIp: serviceIp(index),
    clusterIp6: serviceIp6(index),
    ports: [...NETSERVER_SERVICE_PORTS],
    endpoints: [pod],
  }));
}

/**
 * Every Service of a lab with `count` Services: the netserver's first, then synthetic ones up to
 * `count` (each port 80 → 8080, two endpoints where the lab has two pods). A count below the
 * netserver's own Services keeps only that many of them (0: none).
 */
export function labServices(plan: LabPlan, count: number): LabService[] {
  const own = netserverServices(plan).slice(0, count);
  const pods = plan.nodes.flatMap((n) => n.pods);
  const services = [...own];
  for (let index = own.length; index < count; index++) {
    const first = pods[index % pods.length] as PodPlan;
    const second = pods[(index + 1) % pods.length] as PodPlan;
    services.push({
      index,
      name: `rb/svc-${index}`,
      clusterIp: serviceIp(index),
      clusterIp6: serviceIp6(index),
      ports: [{ name: "http", port: 80, targetPort: 8080 }],
      endpoints: first === second ? [first] : [first, second],
    });
  }
  return services;
}

/** The netserver Service whose endpoint is `server`, or a UsageError saying why there is none. */
export function netserverServiceFor(plan: LabPlan, server: PodPlan, count: number): LabService {
  const found = labServices(plan, Math.min(count, netserverServices(plan).length)).find((s) =>
    s.endpoints.includes(server),
  );
  if (!found)
    throw new UsageError(
      `the lab has ${count} Services, too few to hold the netserver's (${netserverServices(plan).length}: one per server pod)`,
      `use services: ${netserverServices(plan).length} or more`,
    );
  return found;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * kube-proxy names chains KUBE-SVC-<16 base32 chars of a hash>; the lab uses a readable stand-in
 * of the same length, so chain names fit iptables' 28-character limit the same way.
 */
export function svcChain(service: LabService, portIndex: number): string {
  return `KUBE-SVC-RB${pad(service.index, 10)}P${pad(portIndex, 3)}`;
}

export function sepChain(service: LabService, portIndex: number, endpointIndex: number): string {
  return `KUBE-SEP-RB${pad(service.index, 10)}P${pad(portIndex, 1)}E${pad(endpointIndex, 2)}`;
}

/** kube-proxy's computeProbability: 1/n with ten decimals. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function comment(text: string): string {
  return `-m comment --comment "${RULE_COMMENT_PREFIX}: ${text}"`;
}

/** Address with its host prefix, and endpoint address:port as DNAT writes it, per family. */
function host(ip: string, family: IpFamily): string {
  return family === "ipv4" ? `${ip}/32` : `${ip}/128`;
}

function hostPort(ip: string, port: number, family: IpFamily): string {
  return family === "ipv4" ? `${ip}:${port}` : `[${ip}]:${port}`;
}

/**
 * The nat table of one family, for `iptables-restore` (ipv4) or `ip6tables-restore` (ipv6):
 * it replaces the node's whole nat table in one transaction (restore without --noflush
 * rewrites only the tables it names). Every rule carries the lab's comment.
 */
export function natRestore(services: readonly LabService[], family: IpFamily): string {
  const supernet = family === "ipv4" ? POD_CIDR_SUPERNET : POD_CIDR_SUPERNET6;
  const chains: string[] = [];
  const serviceRules: string[] = [];
  const chainRules: string[] = [];
  // written order: synthetic Services first, the netserver's last (see the header)
  const own = services.filter((s) => s.name.startsWith("rb/netserver-"));
  const ordered = [...services.filter((s) => !own.includes(s)), ...own];
  for (const service of ordered) {
    const clusterIp = family === "ipv4" ? service.clusterIp : service.clusterIp6;
    service.ports.forEach((port, p) => {
      const portName = `${service.name}:${port.name}`;
      const svc = svcChain(service, p);
      chains.push(`:${svc} - [0:0]`);
      const match = `-m tcp -p tcp -d ${host(clusterIp, family)} --dport ${port.port}`;
      serviceRules.push(`-A KUBE-SERVICES ${comment(`${portName} cluster IP`)} ${match} -j ${svc}`);
      chainRules.push(
        `-A ${svc} ${comment(`${portName} cluster IP`)} ${match} ! -s ${supernet} -j KUBE-MARK-MASQ`,
      );
      const n = service.endpoints.length;
      service.endpoints.forEach((endpoint, e) => {
        const ip = family === "ipv4" ? endpoint.ip : endpoint.ip6;
        const sep = sepChain(service, p, e);
        chains.push(`:${sep} - [0:0]`);
        const pick = e < n - 1 ? ` -m statistic --mode random --probability ${probability(n - e)}` : "";
        chainRules.push(
          `-A ${svc} ${comment(`${portName} -> ${hostPort(ip, port.targetPort, family)}`)}${pick} -j ${sep}`,
          `-A ${sep} ${comment(portName)} -s ${host(ip, family)} -j KUBE-MARK-MASQ`,
          `-A ${sep} ${comment(portName)} -m tcp -p tcp -j DNAT --to-destination ${hostPort(ip, port.targetPort, family)}`,
        );
      });
    });
  }
  return [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ":KUBE-SERVICES - [0:0]",
    ":KUBE-NODEPORTS - [0:0]",
    ":KUBE-POSTROUTING - [0:0]",
    ":KUBE-MARK-MASQ - [0:0]",
    // chains are declared before any rule jumps to them; iptables-restore requires that
    ...chains,
    `-A PREROUTING ${comment("kubernetes service portals")} -j KUBE-SERVICES`,
    `-A OUTPUT ${comment("kubernetes service portals")} -j KUBE-SERVICES`,
    `-A POSTROUTING ${comment("kubernetes postrouting rules")} -j KUBE-POSTROUTING`,
    `-A KUBE-MARK-MASQ ${comment("mark for masquerade")} -j MARK --set-xmark 0x4000/0x4000`,
    `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 ${comment("not marked")} -j RETURN`,
    `-A KUBE-POSTROUTING ${comment("clear mark")} -j MARK --set-xmark 0x4000/0x0`,
    `-A KUBE-POSTROUTING ${comment("service traffic requiring SNAT")} -j MASQUERADE`,
    ...serviceRules,
    `-A KUBE-SERVICES ${comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
    ...chainRules,
    "COMMIT",
    "",
  ].join("\n");
}

/**
 * The chains whose DNAT rules serve a Service's endpoint on the given ports (every port when
 * none is given): what a trial's evidence reads.
 */
export function serviceSepChains(
  service: LabService,
  endpoint: PodPlan,
  ports?: readonly number[],
): string[] {
  const e = service.endpoints.indexOf(endpoint);
  if (e < 0) throw new Error(`${endpoint.name} is not an endpoint of ${service.name}`);
  return service.ports.flatMap((port, p) =>
    !ports || ports.includes(port.port) ? [sepChain(service, p, e)] : [],
  );
}

/** Where a trial with service options connects, beyond its placement's endpoints (pairs.ts). */
export interface ServiceTarget extends Endpoints {
  ipv6: boolean;
  /** netserver's data port, fixed where a Service must serve it. */
  dataPort?: number;
  /** destination service: the Service, its endpoint (the server pod) and the client's node. */
  service?: { service: LabService; endpoint: PodPlan; clientNode: NodePlan; port: number };
}

/**
 * A trial's target for its point's service options: the server pod's IPv4 or IPv6 address, or
 * a ClusterIP of its netserver Service. UsageError for what the lab cannot measure: a Service
 * or IPv6 with the `direct` baseline (its link has no Service and no IPv6 address), a Service
 * with the `host` baseline, a Service with several netperf streams (one data port is served).
 */
export function trialTarget(
  plan: LabPlan,
  trial: Trial,
  options: ServiceOptions,
  /** Which of SERVICE_DATA_PORTS a Service trial uses (taken modulo their number): the session counts its Service trials. */
  dataPortTurn = 0,
): ServiceTarget {
  const endpoints = trialEndpoints(plan, trial);
  const ipv6 = options.ipFamily === "ipv6";
  const { mode } = trial;
  const { placement } = trial.point;
  if (mode === "direct" && (ipv6 || options.destination === "service"))
    throw new UsageError(
      `the direct baseline has no ${ipv6 ? "IPv6 address" : "Service"}: its veth link joins the two pods outside any node`,
      "leave the direct mode out of service and ipv6 points",
    );
  if (mode === "host") {
    if (options.destination === "service")
      throw new UsageError("the host baseline runs between node namespaces: it has no Service to reach");
    const server = nodePair(plan, placement)?.server;
    return { ...endpoints, ipv6, ...(ipv6 && server ? { serverIp: server.underlayIp6 } : {}) };
  }
  if (mode === "direct") return { ...endpoints, ipv6 };
  const pair = podPair(plan, placement);
  if (!pair) return { ...endpoints, ipv6 };
  if (options.destination === "pod")
    return { ...endpoints, ipv6, serverIp: ipv6 ? pair.server.ip6 : pair.server.ip };
  if ((trial.point.streams ?? 1) > 1)
    throw new UsageError(
      `a Service trial runs one netperf stream (its Service serves one data port), got streams: ${trial.point.streams}`,
    );
  const service = netserverServiceFor(plan, pair.server, options.services);
  const clientNode = plan.nodes.find((n) => n.name === pair.client.node) as NodePlan;
  return {
    ...endpoints,
    ipv6,
    serverIp: ipv6 ? service.clusterIp6 : service.clusterIp,
    dataPort: SERVICE_DATA_PORTS[dataPortTurn % SERVICE_DATA_PORTS.length] as number,
    service: { service, endpoint: pair.server, clientNode, port: NETSERVER_PORT },
  };
}
