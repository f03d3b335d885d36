/**
 * The commands that build a small lab (2 nodes × 1 pod, no service chains), written out by
 * hand from the topology in shared/DESIGN.md ("Lab topology") and plan.ts's address plan:
 * underlay 198.18.0.i/24 on each node's eth0, joined by the bridge rb-br0 in rb-fabric; pod
 * CIDR 198.19.i.0/24 with the node's router address 198.19.i.1 on lo; pods 198.19.i.(9+j)/32
 * on eth0, a veth to lxcn<i>p<j> on the node, default route via the router address (as Cilium
 * does); tc on the underlay and every lxc device; a FORWARD counter rule in iptables. MACs
 * are 02:<kind>:c6:13:<a>:<b> (kind 0 pod eth0, 1 lxc, 2 node eth0, 3 fabric port).
 */
import { describe, expect, it } from "vitest";
import { forwardPackets, parseIptablesSave } from "../../../harness/backends/lab/iptables.js";
import {
  fabricIpBatch,
  labNamespaces,
  nodeIpBatch,
  nodeIptablesRestore,
  nodeSysctls,
  nodeTcBatch,
  planLab,
  podIpBatch,
} from "../../../harness/backends/lab/plan.js";

const plan = planLab({ nodes: 2, podsPerNode: 1, iptablesServices: 0 });
const [node1, node2] = plan.nodes;
const pod2 = node2?.pods[0];
if (!node1 || !node2 || !pod2) throw new Error("a 2-node, 1-pod plan has 2 nodes with a pod each");

describe("the commands of a 2-node, 1-pod lab", () => {
  it("creates the fabric, each node and its pod as rb- namespaces", () => {
    expect(labNamespaces(plan)).toEqual([
      "rb-fabric",
      "rb-node1",
      "rb-node1-pod1",
      "rb-node2",
      "rb-node2-pod1",
    ]);
  });

  it("joins the nodes' eth0 to one bridge in the fabric namespace", () => {
    expect(fabricIpBatch(plan)).toEqual([
      "link set lo up",
      "link add rb-br0 type bridge",
      "link set rb-br0 up",
      "link add rb-n1 address 02:03:c6:13:00:01 type veth peer name eth0 address 02:02:c6:13:00:01 netns rb-node1",
      "link set rb-n1 master rb-br0 up",
      "link add rb-n2 address 02:03:c6:13:00:02 type veth peer name eth0 address 02:02:c6:13:00:02 netns rb-node2",
      "link set rb-n2 master rb-br0 up",
    ]);
  });

  it("gives each node its underlay address, router address, pod veth, pod /32 route and a route to the other node's pods", () => {
    expect(nodeIpBatch(node1)).toEqual([
      "link set lo up",
      "addr add 198.19.1.1/32 dev lo",
      "addr add 198.18.0.1/24 dev eth0",
      "link set eth0 up",
      "link add lxcn1p1 address 02:01:c6:13:01:01 type veth peer name eth0 address 02:00:c6:13:01:01 netns rb-node1-pod1",
      "link set lxcn1p1 up",
      "route add 198.19.1.10/32 dev lxcn1p1 scope link",
      "route add 198.19.2.0/24 via 198.18.0.2 dev eth0",
    ]);
    expect(nodeIpBatch(node2)).toEqual([
      "link set lo up",
      "addr add 198.19.2.1/32 dev lo",
      "addr add 198.18.0.2/24 dev eth0",
      "link set eth0 up",
      "link add lxcn2p1 address 02:01:c6:13:02:01 type veth peer name eth0 address 02:00:c6:13:02:01 netns rb-node2-pod1",
      "link set lxcn2p1 up",
      "route add 198.19.2.10/32 dev lxcn2p1 scope link",
      "route add 198.19.1.0/24 via 198.18.0.1 dev eth0",
    ]);
  });

  it("gives each pod a /32 on eth0 and a default route via its node's router address", () => {
    expect(podIpBatch(node2, pod2)).toEqual([
      "link set lo up",
      "addr add 198.19.2.10/32 dev eth0",
      "link set eth0 up",
      "route add 198.19.2.1 dev eth0 scope link",
      "route add default via 198.19.2.1 dev eth0",
    ]);
  });

  it("makes each node a router that does not filter by reverse path", () => {
    expect(nodeSysctls()).toEqual([
      "net.ipv4.ip_forward=1",
      "net.ipv4.conf.all.rp_filter=0",
      "net.ipv4.conf.default.rp_filter=0",
      "net.ipv4.conf.all.arp_ignore=0",
    ]);
  });

  it("attaches the node's pinned program to the ingress of its underlay and every lxc device", () => {
    expect(nodeTcBatch(node1)).toEqual([
      "qdisc add dev eth0 clsact",
      "filter add dev eth0 ingress bpf direct-action object-pinned /sys/fs/bpf/rb-node1/prog",
      "qdisc add dev lxcn1p1 clsact",
      "filter add dev lxcn1p1 ingress bpf direct-action object-pinned /sys/fs/bpf/rb-node1/prog",
    ]);
  });

  it("counts every forwarded packet with the first FORWARD rule, before conntrack accepts pod traffic", () => {
    const text = nodeIptablesRestore(plan, node1);
    const filter = text.slice(text.indexOf("*filter"), text.indexOf("COMMIT") + "COMMIT".length);
    expect(filter.split("\n")).toEqual([
      "*filter",
      '-A FORWARD -m comment --comment "rb-lab: forward counter"',
      '-A FORWARD -m conntrack --ctstate INVALID -m comment --comment "rb-lab: drop invalid" -j DROP',
      '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "rb-lab: established pod traffic" -j ACCEPT',
      '-A FORWARD -s 198.19.0.0/16 -m conntrack --ctstate NEW -m comment --comment "rb-lab: new pod traffic" -j ACCEPT',
      '-A FORWARD -d 198.19.0.0/16 -m conntrack --ctstate NEW -m comment --comment "rb-lab: new pod traffic" -j ACCEPT',
      "COMMIT",
    ]);
    // what `lab verify` reads back: the counter rule's packets, from iptables-save -c
    const saved = `*filter\n:FORWARD ACCEPT [0:0]\n[42:4200] -A FORWARD -m comment --comment "rb-lab: forward counter"\nCOMMIT\n`;
    expect(forwardPackets(parseIptablesSave(saved))).toBe(42);
  });
});
