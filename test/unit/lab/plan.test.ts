import { describe, expect, it } from "vitest";
import { isLabRule, parseIptablesSave } from "../../../harness/backends/lab/iptables.js";
import { directLinkBatches, directLinks } from "../../../harness/backends/lab/pairs.js";
import {
  bpfDevices,
  fabricIpBatch,
  labNamespaces,
  nodeIp6Batch,
  nodeIpBatch,
  nodeIptablesRestore,
  nodeSysctls6,
  planLab,
  podIp6Batch,
  podIpBatch,
} from "../../../harness/backends/lab/plan.js";
import { UsageError } from "../../../harness/util/errors.js";

describe("planLab", () => {
  const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 3 });

  it("names every namespace with the rb- prefix, fabric first", () => {
    expect(labNamespaces(plan)).toEqual([
      "rb-fabric",
      "rb-node1",
      "rb-node1-pod1",
      "rb-node1-pod2",
      "rb-node2",
      "rb-node2-pod1",
      "rb-node2-pod2",
    ]);
  });

  it("keeps every address inside 198.18.0.0/15", () => {
    const addresses = plan.nodes.flatMap((n) => [n.underlayIp, n.routerIp, ...n.pods.map((p) => p.ip)]);
    for (const address of addresses) expect(address).toMatch(/^198\.(18|19)\./);
    expect(plan.nodes[1]?.pods.map((p) => p.ip)).toEqual(["198.19.2.10", "198.19.2.11"]);
    expect(plan.nodes[0]?.routes).toEqual([{ destination: "198.19.2.0/24", via: "198.18.0.2" }]);
  });

  it("gives unique MACs and device names that fit IFNAMSIZ", () => {
    const macs = plan.nodes.flatMap((n) => [
      n.underlayMac,
      n.fabricPortMac,
      ...n.pods.flatMap((p) => [p.mac, p.hostMac]),
    ]);
    expect(new Set(macs).size).toBe(macs.length);
    for (const node of plan.nodes)
      for (const device of [node.fabricPort, ...bpfDevices(node)])
        expect(device.length).toBeLessThanOrEqual(15);
  });

  it("routes pods Cilium-style: a /32 and a default route via the node's router address", () => {
    const node = plan.nodes[0];
    const pod = node?.pods[1];
    if (!node || !pod) throw new Error("plan shape");
    expect(podIpBatch(node, pod)).toEqual([
      "link set lo up",
      "addr add 198.19.1.11/32 dev eth0",
      "link set eth0 up",
      "route add 198.19.1.1 dev eth0 scope link",
      "route add default via 198.19.1.1 dev eth0",
    ]);
    expect(nodeIpBatch(node)).toContain("route add 198.19.1.11/32 dev lxcn1p2 scope link");
    expect(nodeIpBatch(node)).toContain("route add 198.19.2.0/24 via 198.18.0.2 dev eth0");
  });

  it("joins the nodes through one bridge in the fabric namespace", () => {
    expect(fabricIpBatch(plan)).toContain(
      "link add rb-n2 address 02:03:c6:13:00:02 type veth peer name eth0 address 02:02:c6:13:00:02 netns rb-node2",
    );
  });

  it("writes the filter table only: the nat table with the Service chains is services.ts's", () => {
    const node = plan.nodes[0];
    if (!node) throw new Error("plan shape");
    for (const family of ["ipv4", "ipv6"] as const) {
      const rules = parseIptablesSave(nodeIptablesRestore(plan, node, family));
      // the FORWARD counter and its four rules: an .every over no rule would hold too
      expect(rules.map((r) => r.chain)).toEqual(Array(5).fill("FORWARD"));
      expect(rules.every((r) => r.table === "filter" && isLabRule(r))).toBe(true);
      expect(rules.some((r) => r.spec.includes("DNAT"))).toBe(false);
    }
    expect(nodeIptablesRestore(plan, node, "ipv6")).toContain("-s fd00:c613::/32 -m conntrack --ctstate NEW");
  });

  it("gives every node and pod an IPv6 address in the lab's ULA prefix, and routes between nodes", () => {
    const [node1, node2] = plan.nodes;
    const pod = node1?.pods[1];
    if (!node1 || !node2 || !pod) throw new Error("plan shape");
    expect(pod.ip6).toBe("fd00:c613:0:1::b");
    expect(nodeIp6Batch(node1)).toEqual([
      "addr add fd00:c613:0:1::1/128 dev lo nodad",
      "addr add fd00:c612::1/64 dev eth0 nodad",
      "route add fd00:c613:0:1::a/128 dev lxcn1p1",
      "route add fd00:c613:0:1::b/128 dev lxcn1p2",
      "route add fd00:c613:0:2::/64 via fd00:c612::2 dev eth0",
    ]);
    expect(podIp6Batch(node1, pod)).toEqual([
      "addr add fd00:c613:0:1::b/128 dev eth0 nodad",
      "neigh add fd00:c613:0:1::1 lladdr 02:01:c6:13:01:02 dev eth0 nud permanent",
      "route add fd00:c613:0:1::1 dev eth0",
      "route add ::/0 via fd00:c613:0:1::1 dev eth0",
    ]);
    expect(nodeSysctls6()).toEqual(["net.ipv6.conf.all.forwarding=1"]);
  });

  it("rejects out-of-range options naming the flag", () => {
    expect(() => planLab({ nodes: 0, podsPerNode: 2, iptablesServices: 0 })).toThrow(UsageError);
    expect(() => planLab({ nodes: 2, podsPerNode: 2, iptablesServices: -1 })).toThrow(/--iptables-services/);
    expect(() => planLab({ nodes: 2, podsPerNode: 1.5, iptablesServices: 0 })).toThrow(/--pods-per-node/);
  });
});

describe("directLinks", () => {
  it("joins each placement's pod pair by a veth pair of its own, in 198.18.64.0/24, a /30 each", () => {
    const links = directLinks(planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 0 }));
    expect(links.map((l) => [l.placement, l.client.netns, l.server.netns, l.client.ip, l.server.ip])).toEqual(
      [
        ["same-node", "rb-node1-pod1", "rb-node1-pod2", "198.18.64.1", "198.18.64.2"],
        ["cross-node", "rb-node1-pod1", "rb-node2-pod1", "198.18.64.5", "198.18.64.6"],
      ],
    );
    // each end names its peer; names fit IFNAMSIZ and differ within a namespace
    expect(links.map((l) => [l.client.device, l.server.device])).toEqual([
      ["dn1p2", "dn1p1"],
      ["dn2p1", "dn1p1"],
    ]);
    expect(new Set(links.flatMap((l) => [l.client.mac, l.server.mac])).size).toBe(4);
  });

  it("creates the pair from the client's side and addresses each end", () => {
    const [same] = directLinks(planLab({ nodes: 1, podsPerNode: 2, iptablesServices: 0 }));
    if (!same) throw new Error("no same-node link");
    expect(directLinkBatches(same)).toEqual({
      client: [
        `link add dn1p2 address ${same.client.mac} type veth peer name dn1p1 address ${same.server.mac} netns rb-node1-pod2`,
        "addr add 198.18.64.1/30 dev dn1p2",
        "link set dn1p2 up",
      ],
      server: ["addr add 198.18.64.2/30 dev dn1p1", "link set dn1p1 up"],
    });
  });

  it("plans only the placements the topology can host", () => {
    expect(
      directLinks(planLab({ nodes: 1, podsPerNode: 2, iptablesServices: 0 })).map((l) => l.placement),
    ).toEqual(["same-node"]);
    expect(
      directLinks(planLab({ nodes: 2, podsPerNode: 1, iptablesServices: 0 })).map((l) => l.placement),
    ).toEqual(["cross-node"]);
  });
});
