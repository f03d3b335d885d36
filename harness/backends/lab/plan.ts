/**
 * Over 300 lines on purpose: the whole address plan (IPv4 and IPv6, pods, nodes, Services)
 * is decided in one place.
 *
 * The lab's topology as a pure value: every name, address, MAC, route and rule the lab
 * creates is decided here, so it can be tested without root and reproduced exactly.
 *
 * Address plan (RFC 2544 benchmarking range 198.18.0.0/15, never routed elsewhere):
 *   198.18.0.0/24     underlay: node i is 198.18.0.i
 *   198.18.128.0/17   synthetic Kubernetes service cluster IPs
 *   198.19.i.0/24     pod CIDR of node i; 198.19.i.1 is the node's router address
 *                     (Cilium's cilium_host), pods are 198.19.i.(10+j)/32
 *
 * IPv6 (a ULA prefix, only ever configured inside the lab's namespaces), the same layout:
 *   fd00:c612::i/64          underlay of node i
 *   fd00:c612:8000::/64      service cluster IPs (services.ts)
 *   fd00:c613:0:i::/64       pod CIDR of node i; ::1 the router address, pods ::(9+j in hex)/128
 */
import { UsageError } from "../../util/errors.js";
import { LAB_SIZE, NETSERVER_PORT } from "../../vocabulary/vocabulary.js";

export const LAB_PREFIX = "rb-";
export const FABRIC_NETNS = "rb-fabric";
export const FABRIC_BRIDGE = "rb-br0";
export const BPF_PIN_ROOT = "/sys/fs/bpf";
/** Every iptables rule the lab writes carries a comment starting with this. */
export const RULE_COMMENT_PREFIX = "rb-lab";
export const POD_CIDR_SUPERNET = "198.19.0.0/16";
export const POD_CIDR_SUPERNET6 = "fd00:c613::/32";

export interface LabOptions {
  nodes: number;
  podsPerNode: number;
  /** Synthetic kube-proxy service chains per node (nat table). */
  iptablesServices: number;
}

export const DEFAULT_LAB_OPTIONS: LabOptions = {
  nodes: LAB_SIZE.nodes.default,
  podsPerNode: LAB_SIZE.podsPerNode.default,
  iptablesServices: LAB_SIZE.iptablesServices.default,
};

export interface PodPlan {
  /** e.g. node1-pod2 */
  name: string;
  node: string;
  netns: string;
  ip: string;
  /** The pod's IPv6 address (ULA, lab-only). */
  ip6: string;
  /** MAC of eth0 inside the pod. */
  mac: string;
  /** Host-side veth in the node namespace (Cilium's lxc device). */
  hostDevice: string;
  hostMac: string;
}

export interface RoutePlan {
  destination: string;
  via: string;
}

export interface NodePlan {
  /** e.g. node1 */
  name: string;
  index: number;
  netns: string;
  underlayDevice: string;
  underlayIp: string;
  underlayMac: string;
  /** The node's port on the fabric bridge, in the fabric namespace. */
  fabricPort: string;
  fabricPortMac: string;
  podCidr: string;
  routerIp: string;
  underlayIp6: string;
  podCidr6: string;
  routerIp6: string;
  pods: PodPlan[];
  /** Routes to the other nodes' pod CIDRs over the underlay. */
  routes: RoutePlan[];
  /** The same in IPv6. */
  routes6: RoutePlan[];
  /** Directory under /sys/fs/bpf holding this node's pinned program and maps. */
  bpfPinDir: string;
}

export interface LabPlan {
  options: LabOptions;
  fabric: { netns: string; bridge: string };
  nodes: NodePlan[];
  netserverPort: number;
}

function checkRange(name: keyof typeof LAB_SIZE, flag: string, value: number): void {
  const { min, max } = LAB_SIZE[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

function mac(kind: number, a: number, b: number): string {
  return ["02", hex(kind), "c6", "13", hex(a), hex(b)].join(":");
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

/** Plans the whole lab for the given options. Throws UsageError when they are out of range. */
export function planLab(options: LabOptions = DEFAULT_LAB_OPTIONS): LabPlan {
  checkRange("nodes", "--nodes", options.nodes);
  checkRange("podsPerNode", "--pods-per-node", options.podsPerNode);
  checkRange("iptablesServices", "--iptables-services", options.iptablesServices);

  const nodes: NodePlan[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    const name = `node${i}`;
    const pods: PodPlan[] = [];
    for (let j = 1; j <= options.podsPerNode; j++) {
      pods.push({
        name: `${name}-pod${j}`,
        node: name,
        netns: `${LAB_PREFIX}${name}-pod${j}`,
        ip: `198.19.${i}.${9 + j}`,
        ip6: `fd00:c613:0:${i.toString(16)}::${(9 + j).toString(16)}`,
        mac: mac(0, i, j),
        hostDevice: `lxcn${i}p${j}`,
        hostMac: mac(1, i, j),
      });
    }
    const routes: RoutePlan[] = [];
    const routes6: RoutePlan[] = [];
    for (let k = 1; k <= options.nodes; k++) {
      if (k === i) continue;
      routes.push({ destination: `198.19.${k}.0/24`, via: `198.18.0.${k}` });
      routes6.push({
        destination: `fd00:c613:0:${k.toString(16)}::/64`,
        via: `fd00:c612::${k.toString(16)}`,
      });
    }
    nodes.push({
      name,
      index: i,
      netns: `${LAB_PREFIX}${name}`,
      underlayDevice: "eth0",
      underlayIp: `198.18.0.${i}`,
      underlayMac: mac(2, 0, i),
      fabricPort: `${LAB_PREFIX}n${i}`,
      fabricPortMac: mac(3, 0, i),
      podCidr: `198.19.${i}.0/24`,
      routerIp: `198.19.${i}.1`,
      underlayIp6: `fd00:c612::${i.toString(16)}`,
      podCidr6: `fd00:c613:0:${i.toString(16)}::/64`,
      routerIp6: `fd00:c613:0:${i.toString(16)}::1`,
      pods,
      routes,
      routes6,
      bpfPinDir: `${BPF_PIN_ROOT}/${LAB_PREFIX}${name}`,
    });
  }
  return {
    options,
    fabric: { netns: FABRIC_NETNS, bridge: FABRIC_BRIDGE },
    nodes,
    netserverPort: NETSERVER_PORT,
  };
}

/** Every network namespace of the lab, fabric first, then each node followed by its pods. */
export function labNamespaces(plan: LabPlan): string[] {
  return [
    plan.fabric.netns,
    ...plan.nodes.flatMap((node) => [node.netns, ...node.pods.map((pod) => pod.netns)]),
  ];
}

/** Devices that get the tc program: every pod-facing veth and the underlay device. */
export function bpfDevices(node: NodePlan): string[] {
  return [node.underlayDevice, ...node.pods.map((pod) => pod.hostDevice)];
}

/** `ip -batch` lines run in the fabric namespace. */
export function fabricIpBatch(plan: LabPlan): string[] {
  const lines = [
    "link set lo up",
    `link add ${plan.fabric.bridge} type bridge`,
    `link set ${plan.fabric.bridge} up`,
  ];
  for (const node of plan.nodes) {
    lines.push(
      `link add ${node.fabricPort} address ${node.fabricPortMac} type veth peer name ${node.underlayDevice} address ${node.underlayMac} netns ${node.netns}`,
      `link set ${node.fabricPort} master ${plan.fabric.bridge} up`,
    );
  }
  return lines;
}

/** `ip -batch` lines run in a node namespace (after the fabric created its underlay device). */
export function nodeIpBatch(node: NodePlan): string[] {
  const lines = [
    "link set lo up",
    // The router address sits on lo; with arp_ignore=0 each lxc device answers ARP for it.
    `addr add ${node.routerIp}/32 dev lo`,
    `addr add ${node.underlayIp}/24 dev ${node.underlayDevice}`,
    `link set ${node.underlayDevice} up`,
  ];
  for (const pod of node.pods) {
    lines.push(
      `link add ${pod.hostDevice} address ${pod.hostMac} type veth peer name eth0 address ${pod.mac} netns ${pod.netns}`,
      `link set ${pod.hostDevice} up`,
      `route add ${pod.ip}/32 dev ${pod.hostDevice} scope link`,
    );
  }
  for (const route of node.routes) {
    lines.push(`route add ${route.destination} via ${route.via} dev ${node.underlayDevice}`);
  }
  return lines;
}

/** `ip -batch` lines run in a pod namespace: a /32 and a default route via the node, as Cilium does. */
export function podIpBatch(node: NodePlan, pod: PodPlan): string[] {
  return [
    "link set lo up",
    `addr add ${pod.ip}/32 dev eth0`,
    "link set eth0 up",
    `route add ${node.routerIp} dev eth0 scope link`,
    `route add default via ${node.routerIp} dev eth0`,
  ];
}

/**
 * `ip -batch` lines giving a node its IPv6 side, run after nodeIpBatch: the underlay address,
 * the router address on lo, a /128 route per pod and routes to the other nodes' pod CIDRs.
 * Addresses skip duplicate address detection (`nodad`): the plan makes them unique.
 */
export function nodeIp6Batch(node: NodePlan): string[] {
  return [
    `addr add ${node.routerIp6}/128 dev lo nodad`,
    `addr add ${node.underlayIp6}/64 dev ${node.underlayDevice} nodad`,
    ...node.pods.map((pod) => `route add ${pod.ip6}/128 dev ${pod.hostDevice}`),
    ...node.routes6.map((r) => `route add ${r.destination} via ${r.via} dev ${node.underlayDevice}`),
  ];
}

/**
 * `ip -batch` lines giving a pod its IPv6 address and a default route via the node's router
 * address. A router address on the node's lo is not answered by neighbour discovery on the
 * lxc device (unlike ARP with arp_ignore=0), so the pod knows its gateway's MAC statically, as
 * Cilium's pods learn it from the BPF program that answers for the router.
 */
export function podIp6Batch(node: NodePlan, pod: PodPlan): string[] {
  return [
    `addr add ${pod.ip6}/128 dev eth0 nodad`,
    `neigh add ${node.routerIp6} lladdr ${pod.hostMac} dev eth0 nud permanent`,
    `route add ${node.routerIp6} dev eth0`,
    `route add ::/0 via ${node.routerIp6} dev eth0`,
  ];
}

/** IPv6 sysctls of a node namespace (its own, not the machine's): a router. */
export function nodeSysctls6(): string[] {
  return ["net.ipv6.conf.all.forwarding=1"];
}

/**
 * `tc -batch` lines run in a node namespace once its program is pinned at `bpfPinDir/prog`:
 * a clsact qdisc on every BPF device and the program on its ingress, in both modes (in
 * legacy mode it counts and passes the packet to the stack).
 */
export function nodeTcBatch(node: NodePlan): string[] {
  return bpfDevices(node).flatMap((device) => [
    `qdisc add dev ${device} clsact`,
    `filter add dev ${device} ingress bpf direct-action object-pinned ${node.bpfPinDir}/prog`,
  ]);
}

/** Sysctls of a node namespace: a router that does not filter by reverse path. */
export function nodeSysctls(): string[] {
  return [
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.conf.all.arp_ignore=0",
  ];
}

/**
 * The node's filter table, for iptables-restore (ipv4) or ip6tables-restore (ipv6): FORWARD
 * counts every forwarded packet and accepts pod traffic through conntrack. The nat table, with
 * the kube-proxy-style Service chains, is services.ts's natRestore.
 */
export function nodeIptablesRestore(
  _plan: LabPlan,
  _node: NodePlan,
  family: "ipv4" | "ipv6" = "ipv4",
): string {
  const c = (text: string) => `-m comment --comment "${RULE_COMMENT_PREFIX}: ${text}"`;
  const supernet = family === "ipv4" ? POD_CIDR_SUPERNET : POD_CIDR_SUPERNET6;
  const lines = [
    "*filter",
    `-A FORWARD ${c("forward counter")}`,
    `-A FORWARD -m conntrack --ctstate INVALID ${c("drop invalid")} -j DROP`,
    `-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED ${c("established pod traffic")} -j ACCEPT`,
    `-A FORWARD -s ${supernet} -m conntrack --ctstate NEW ${c("new pod traffic")} -j ACCEPT`,
    `-A FORWARD -d ${supernet} -m conntrack --ctstate NEW ${c("new pod traffic")} -j ACCEPT`,
    "COMMIT",
    "",
  ];
  return lines.join("\n");
}
