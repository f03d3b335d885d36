/**
 * The gate keeps points that differ only in a further dimension apart: a sweep over destinations
 * (pod, Service) and Service counts (100, 10,000) gives one series per point, mode and metric,
 * and a regression planted in the Service points at 10,000 Services is found there and nowhere
 * else. A key without the dimensions (placement/test/size) would pool four points' values per
 * repetition and lose the regression, or blame the pod point for it.
 */
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { compareRuns } from "../../../harness/stats/regression.js";
import { indexRun } from "../../../harness/stats/regression-match.js";
import { seriesName } from "../../../harness/stats/series.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const sweep = parseSweep(
  [
    "modes: [ebpf, legacy]",
    "placements: [same-node]",
    "tests: [{test: TCP_CRR}]",
    "destinations: [pod, service]",
    "lab: {services: [100, 10000]}",
    "repetitions: 8",
    "duration: 1",
  ].join("\n"),
  "dims.yaml",
);

function run(id: string, seed: number, slower: number) {
  const trials = syntheticTrials(sweep, { effect: { ebpf: 1.2, legacy: 1 }, drift: 0.01, cv: 0.02, seed });
  for (const t of trials)
    if (t.point.destination === "service" && t.point.services === 10_000 && t.mode === "ebpf" && t.metrics)
      t.metrics.connectionsPerSec = (t.metrics.connectionsPerSec as number) / slower;
  return syntheticResults(sweep, trials, id);
}

describe("the gate over a sweep of destinations and Service counts", () => {
  const baseline = run("base", 1, 1);
  const candidate = run("cand", 2, 1.3);

  it("indexes one series per point, mode and metric", () => {
    const index = indexRun(baseline, ["connectionsPerSec"]);
    expect(index.keys().map(seriesName).sort()).toEqual([
      "same-node/TCP_CRR/1,1/service/services=100/ebpf/connectionsPerSec",
      "same-node/TCP_CRR/1,1/service/services=100/legacy/connectionsPerSec",
      "same-node/TCP_CRR/1,1/service/services=10000/ebpf/connectionsPerSec",
      "same-node/TCP_CRR/1,1/service/services=10000/legacy/connectionsPerSec",
      "same-node/TCP_CRR/1,1/services=100/ebpf/connectionsPerSec",
      "same-node/TCP_CRR/1,1/services=100/legacy/connectionsPerSec",
      "same-node/TCP_CRR/1,1/services=10000/ebpf/connectionsPerSec",
      "same-node/TCP_CRR/1,1/services=10000/legacy/connectionsPerSec",
    ]);
    for (const series of index.values()) expect(series.byBlock.size).toBe(8);
  });

  it("finds the regression at the Service point with 10,000 Services only", () => {
    const report = compareRuns(baseline, candidate, { maxRegressionPct: 5, metrics: ["connectionsPerSec"] });
    expect(report.analysis.points).toHaveLength(8);
    expect(new Set(report.analysis.points.map((p) => p.name)).size).toBe(8);
    const regressions = report.analysis.points.filter((p) => p.verdict === "regression");
    expect(regressions.map((p) => [p.name, p.destination, p.services, p.mode])).toEqual([
      ["same-node/TCP_CRR/1,1/service/services=10000/ebpf/connectionsPerSec", "service", 10_000, "ebpf"],
    ]);
    expect(report.gate.decision).toBe("regression");
  });
});
