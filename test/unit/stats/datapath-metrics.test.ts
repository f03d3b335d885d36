import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { comparedMetrics, summaryMetrics } from "../../../harness/stats/metrics.js";
import { compareRuns } from "../../../harness/stats/regression.js";
import { summarise } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";

const sweepText = (serviceDemand: boolean) =>
  [
    "placements: [same-node]",
    "tests:",
    "  - {test: TCP_STREAM, messageSizes: [1024]}",
    "  - {test: TCP_CRR, percentiles: [99]}",
    "  - {test: UDP_RR}",
    "  - {test: UDP_STREAM, messageSizes: [1024]}",
    "repetitions: 6",
    "duration: 1",
    `cpu: {serviceDemand: ${serviceDemand}}`,
  ].join("\n");

const plain = parseSweep(sweepText(false), "x.yaml");
const withDemand = parseSweep(sweepText(true), "x.yaml");

describe("metrics of each test", () => {
  it("summarises each test's outcome and CPU, and compares outcomes only", () => {
    expect(summaryMetrics(plain, "TCP_CRR")).toEqual([
      "connectionsPerSec",
      "p99Us",
      "meanLatencyUs",
      "localCpuPct",
    ]);
    expect(summaryMetrics(plain, "UDP_RR")).toEqual([
      "transactionsPerSec",
      "p50Us",
      "p90Us",
      "p99Us",
      "meanLatencyUs",
      "localCpuPct",
      "remoteCpuPct",
    ]);
    expect(comparedMetrics(plain, "UDP_STREAM")).toEqual(["throughputMbps"]);
    expect(summaryMetrics(plain, "UDP_STREAM")).toEqual([
      "throughputMbps",
      "sentMbps",
      "lossPct",
      "localCpuPct",
      "remoteCpuPct",
    ]);
  });

  it("adds service demand, per KB or per transaction, when the sweep asks for it", () => {
    // and, on the lab, the benchmark CPU's time per GB or per transaction
    expect(comparedMetrics(withDemand, "TCP_STREAM")).toEqual([
      "throughputMbps",
      "localSdUsPerKB",
      "remoteSdUsPerKB",
      "cpuSecPerGB",
    ]);
    // TCP_CRR's remote figure is measured over netserver's padded timer: left out
    expect(comparedMetrics(withDemand, "TCP_CRR")).toEqual([
      "connectionsPerSec",
      "p99Us",
      "meanLatencyUs",
      "localSdUsPerTrans",
      "cpuUsPerTrans",
    ]);
  });
});

describe("directions in the summary (seeded synthetic trials, 5% CV, 6 pairs)", () => {
  const verdicts = (effect: number) => {
    const trials = syntheticTrials(withDemand, {
      effect: { ebpf: effect, legacy: 1 },
      drift: 0.1,
      cv: 0.05,
      seed: 3,
    });
    const summary = summarise(withDemand, sweepPoints(withDemand), trials);
    const judged = summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
    return {
      byMetric: Object.fromEntries(judged.map((c) => [`${c.test} ${c.metric}`, c.verdict])),
      described: summary.points.filter((p) => p.test === "UDP_STREAM").map((p) => p.metric),
    };
  };

  it("calls higher rates, lower latency and lower service demand better", () => {
    const { byMetric, described } = verdicts(1.3);
    expect(byMetric).toMatchObject({
      "TCP_CRR connectionsPerSec": "better",
      "TCP_CRR p99Us": "better",
      "TCP_CRR localSdUsPerTrans": "better",
      "UDP_RR transactionsPerSec": "better",
      "UDP_RR remoteSdUsPerTrans": "better",
      "UDP_STREAM throughputMbps": "better",
      "UDP_STREAM localSdUsPerKB": "better",
    });
    expect(Object.keys(byMetric)).not.toContain("UDP_STREAM lossPct");
    expect(described).toEqual(expect.arrayContaining(["sentMbps", "lossPct"]));
  });

  it("calls the same metrics worse when eBPF is slower", () => {
    const { byMetric } = verdicts(1 / 1.3);
    expect(new Set(Object.values(byMetric))).toEqual(new Set(["worse"]));
    // TCP_STREAM 3, TCP_CRR 4, UDP_RR 7, UDP_STREAM 3
    expect(Object.keys(byMetric)).toHaveLength(17);
  });
});

describe("the release gate covers the new tests", () => {
  it("finds a 25% slower TCP_CRR, UDP_RR and UDP_STREAM a regression", () => {
    const run = (effect: number, seed: number) =>
      syntheticResults(
        plain,
        syntheticTrials(plain, { effect: { ebpf: effect, legacy: effect }, drift: 0, cv: 0.03, seed }),
        `run-${seed}`,
      );
    const report = compareRuns(run(1, 1), run(0.75, 2), { maxRegressionPct: 5 });
    expect(report.gate.exitCode).toBe(1);
    const regressed = new Set(
      report.analysis.points.filter((p) => p.verdict === "regression").map((p) => `${p.test} ${p.metric}`),
    );
    for (const name of [
      "TCP_CRR connectionsPerSec",
      "UDP_RR transactionsPerSec",
      "UDP_RR p99Us",
      "UDP_STREAM throughputMbps",
    ])
      expect(regressed).toContain(name);
  });
});
