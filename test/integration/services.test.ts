/**
 * The lab's Service paths, for real (root): a lab with a handful of Services, then short TCP_RR
 * and TCP_CRR trials to the server pod's ClusterIP through the lab backend's session, in
 * legacy (kube-proxy iptables: DNAT counters and conntrack moved) and eBPF (socket LB: its
 * hits moved, no DNAT), over IPv4 and IPv6, with pod trials of IPv6 beside them; a Service
 * count change rewrites the nat tables and the map. Everything goes away afterwards, the
 * lab's cgroup included, also when a test fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackendSession } from "../../harness/backends/backend.js";
import { labBackend } from "../../harness/backends/lab/backend.js";
import { parseNetperfOutput } from "../../harness/netperf/parse.js";
import { parseSweep } from "../../harness/sweep/load.js";
import type { Trial } from "../../harness/sweep/plan.js";
import { rateMetric } from "../../harness/vocabulary/vocabulary.js";
import { cleanupEverything, expectNothingLeft, failUnlessRootInCi, skipRootTests } from "./helpers.js";

failUnlessRootInCi();

const sweep = parseSweep(
  [
    "name: services",
    "backend: lab",
    "modes: [legacy, ebpf]",
    "placements: [same-node, cross-node]",
    "tests:",
    "  - test: TCP_RR",
    '    sizes: ["1,1"]',
    "duration: 1",
    "repetitions: 1",
    "lab: {iptablesServices: 6}",
    "cpu: {placement: unpinned}",
  ].join("\n"),
  "services.test.ts",
);

function trial(
  mode: "legacy" | "ebpf",
  placement: "same-node" | "cross-node",
  test: "TCP_RR" | "TCP_CRR",
  point: { destination?: string; ipFamily?: string; services?: number },
): Trial {
  return {
    id: `0:${mode}:${placement}/${test}`,
    block: 0,
    mode,
    durationSec: 1,
    point: { key: "k", placement, test, size: "1,1", requestSize: 1, responseSize: 1, ...point },
  } as unknown as Trial;
}

describe.skipIf(skipRootTests)("lab Services (root: namespaces, cgroup, BPF, iptables)", () => {
  let session: BackendSession | null = null;
  beforeAll(async () => {
    await cleanupEverything();
    session = await labBackend().open(sweep, () => {});
  }, 120_000);
  afterAll(async () => {
    try {
      await session?.close();
    } finally {
      await cleanupEverything();
      await expectNothingLeft();
    }
  }, 120_000);

  async function run(t: Trial) {
    const s = session as BackendSession;
    await s.useMode(t.mode);
    const outcome = await s.runTrial(t, new AbortController().signal);
    expect(outcome.result.exitCode, outcome.result.stderr).toBe(0);
    expect(outcome.path?.ok, JSON.stringify(outcome.path)).toBe(true);
    const metrics = parseNetperfOutput(t.point.test, outcome.result.stdout).metrics;
    expect(metrics[rateMetric(t.point.test as "TCP_RR" | "TCP_CRR")]).toBeGreaterThan(0);
    console.log(`${t.mode} ${JSON.stringify(t.point)}: ${JSON.stringify(outcome.path)}`);
    return { path: outcome.path as NonNullable<typeof outcome.path>, argv: outcome.argv };
  }

  for (const family of ["ipv4", "ipv6"] as const)
    for (const placement of ["same-node", "cross-node"] as const)
      it(`serves a ${family} ${placement} ClusterIP by kube-proxy's DNAT in legacy and by the socket LB in eBPF`, async () => {
        const service = { destination: "service", ipFamily: family };
        const legacy = await run(trial("legacy", placement, "TCP_CRR", service));
        expect(legacy.path.service?.dnatPackets).toBeGreaterThan(10);
        expect(legacy.path.service?.conntrackEntries).toBeGreaterThan(0);
        expect(legacy.path.service?.socketLbTranslations).toBe(0);
        expect(legacy.path.iptablesForwardPackets).toBeGreaterThan(0);
        const ebpf = await run(trial("ebpf", placement, "TCP_CRR", service));
        expect(ebpf.path.service?.serviceHits).toBeGreaterThan(10);
        expect(ebpf.path.service?.dnatPackets).toBe(0);
        expect(ebpf.path.bpfRedirects).toBeGreaterThan(0);
        expect(ebpf.path.iptablesForwardPackets).toBe(0);
        // the netserver Services: node1-pod2's (same-node) first, node2-pod1's (cross-node) second
        const index = placement === "same-node" ? 1 : 2;
        const clusterIp = family === "ipv6" ? `fd00:c612:8000::${index}` : `198.18.128.${index}`;
        expect(ebpf.argv).toContain(clusterIp);
        expect(ebpf.path.service?.clusterIp).toBe(clusterIp);
      }, 120_000);

  it("runs IPv6 pod trials on the v6 path of either mode", async () => {
    const legacy = await run(trial("legacy", "cross-node", "TCP_RR", { ipFamily: "ipv6" }));
    expect(legacy.path.family).toBe("ipv6");
    expect(legacy.path.stackPasses).toBeGreaterThan(0);
    expect(legacy.path.iptablesForwardPackets).toBeGreaterThan(0);
    const ebpf = await run(trial("ebpf", "cross-node", "TCP_RR", { ipFamily: "ipv6" }));
    expect(ebpf.path.bpfRedirects).toBeGreaterThan(0);
    expect(ebpf.argv).toContain("-6");
  }, 120_000);

  it("changes the Service count between trials, in both datapaths", async () => {
    const many = { destination: "service", services: 300 };
    expect((await run(trial("legacy", "cross-node", "TCP_RR", many))).path.service?.ok).toBe(true);
    expect((await run(trial("ebpf", "cross-node", "TCP_RR", many))).path.service?.ok).toBe(true);
    const topology = (session as BackendSession).topology() as { servicesWritten: { count: number }[] };
    expect(topology.servicesWritten.map((w) => w.count)).toEqual([300]);
  }, 120_000);
});
