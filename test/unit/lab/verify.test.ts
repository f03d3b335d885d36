/**
 * `lab verify` in both families (issue 23): what it checks (every placement, IPv4 then IPv6),
 * each flow to the server pod's address of its family, netperf with `-6` for IPv6 as the lab's
 * trials run it. The traffic and the counters themselves are the root lab test's
 * (test/integration/lab.test.ts).
 */
import { describe, expect, it } from "vitest";
import { planLab } from "../../../harness/backends/lab/plan.js";
import { verifyNetperfArgv, verifyTargets } from "../../../harness/backends/lab/verify.js";

describe("lab verify's targets", () => {
  const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 10 });

  it("checks each placement in IPv4, then in IPv6, to the server pod's address of the family", () => {
    const targets = verifyTargets(plan);
    expect(
      targets.map((t) => [t.family, t.placement, t.pair.client.name, t.pair.server.name, t.serverIp]),
    ).toEqual([
      ["ipv4", "same-node", "node1-pod1", "node1-pod2", "198.19.1.11"],
      ["ipv4", "cross-node", "node1-pod1", "node2-pod1", "198.19.2.10"],
      ["ipv6", "same-node", "node1-pod1", "node1-pod2", "fd00:c613:0:1::b"],
      ["ipv6", "cross-node", "node1-pod1", "node2-pod1", "fd00:c613:0:2::a"],
    ]);
    expect(targets.map((t) => t.nodes.map((n) => n.name))).toEqual([
      ["node1"],
      ["node1", "node2"],
      ["node1"],
      ["node1", "node2"],
    ]);
    // one node: same-node only, in both families
    expect(
      verifyTargets(planLab({ nodes: 1, podsPerNode: 2, iptablesServices: 10 })).map((t) => t.family),
    ).toEqual(["ipv4", "ipv6"]);
  });

  it("runs netperf with -6 for IPv6 only", () => {
    const [v4, , v6] = verifyTargets(plan);
    const four = verifyNetperfArgv("TCP_RR", v4 as NonNullable<typeof v4>, 12865, 1);
    const six = verifyNetperfArgv("TCP_STREAM", v6 as NonNullable<typeof v6>, 12865, 1);
    expect(four.slice(0, 3)).toEqual(["netperf", "-H", "198.19.1.11"]);
    expect(four).not.toContain("-6");
    expect(six.slice(0, 4)).toEqual(["netperf", "-6", "-H", "fd00:c613:0:1::b"]);
    expect(six).toContain("-m");
  });
});
