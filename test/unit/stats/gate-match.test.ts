/**
 * Matching points between two runs (stats/regression-match.ts): which trials a run's index
 * keeps, by point, mode, metric and repetition, and how the gate explains two runs that share
 * no point.
 */
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { incompatibility, indexRun, modesOf } from "../../../harness/stats/regression-match.js";
import { type SeriesKey, seriesName } from "../../../harness/stats/series.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const sweep = parseSweep(
  "modes: [ebpf, legacy]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 3\nduration: 1\n",
  "x.yaml",
);

function run() {
  const r = syntheticResults(
    sweep,
    syntheticTrials(sweep, { effect: { ebpf: 1.1, legacy: 1 }, drift: 0, cv: 0.05, seed: 4 }),
    "r",
  );
  // whole, distinct values so that each one can be traced to its trial
  r.trials.forEach((t, i) => {
    t.metrics = {
      transactionsPerSec: 1000 + i,
      p50Us: 50 + i,
      p90Us: 60 + i,
      p99Us: 90 + i,
      meanLatencyUs: 55 + i,
    };
  });
  return r;
}

/** The same-node TCP_RR 1,1 series of a mode and metric. */
const rr = (mode: SeriesKey["mode"], metric: SeriesKey["metric"]): SeriesKey => ({
  placement: "same-node",
  test: "TCP_RR",
  size: "1,1",
  mode,
  metric,
});

describe("indexRun", () => {
  it("keeps every completed value by point, mode, metric and repetition", () => {
    const r = run();
    const index = indexRun(r);
    // 2 modes × 5 compared metrics of TCP_RR
    expect(index.size).toBe(10);
    const ebpf = index.get(rr("ebpf", "p99Us"));
    expect(ebpf?.key).toEqual({
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      mode: "ebpf",
      metric: "p99Us",
    });
    const expected = r.trials.filter((t) => t.mode === "ebpf").map((t) => [t.block, t.metrics?.p99Us]);
    expect([...(ebpf?.byBlock ?? [])].sort((a, b) => a[0] - b[0])).toEqual(expected.sort());
    expect(ebpf?.byBlock.size).toBe(3);
    expect(modesOf(index)).toEqual(new Set(["ebpf", "legacy"]));
  });

  it("leaves out failed trials, missing metrics and metrics not asked for, and marks noisy repetitions", () => {
    const r = run();
    const [first, second, third] = r.trials.filter((t) => t.mode === "legacy");
    if (!first || !second || !third) throw new Error("fixture");
    first.state = "failed";
    second.metrics = { transactionsPerSec: 7 };
    // a completed trial without metrics (none parsed) gives no value
    const ebpfFirst = r.trials.find((t) => t.mode === "ebpf");
    if (ebpfFirst) delete ebpfFirst.metrics;
    third.noisy = true;
    const index = indexRun(r, ["transactionsPerSec", "p50Us"]);
    expect(index.keys().map(seriesName).sort()).toEqual([
      "same-node/TCP_RR/1,1/ebpf/p50Us",
      "same-node/TCP_RR/1,1/ebpf/transactionsPerSec",
      "same-node/TCP_RR/1,1/legacy/p50Us",
      "same-node/TCP_RR/1,1/legacy/transactionsPerSec",
    ]);
    const tps = index.get(rr("legacy", "transactionsPerSec"));
    expect(tps?.byBlock).toEqual(
      new Map([
        [second.block, 7],
        [third.block, third.metrics?.transactionsPerSec],
      ]),
    );
    expect(tps?.noisy).toEqual(new Set([third.block]));
    expect(index.get(rr("legacy", "p50Us"))?.byBlock).toEqual(new Map([[third.block, third.metrics?.p50Us]]));
    expect(index.get(rr("ebpf", "p50Us"))?.noisy).toEqual(new Set());
    expect(index.get(rr("ebpf", "p50Us"))?.byBlock.size).toBe(2);
  });
});

describe("incompatibility", () => {
  const k = (over: Partial<SeriesKey>): SeriesKey => ({
    placement: "same-node",
    test: "TCP_RR",
    size: "1,1",
    mode: "ebpf",
    metric: "p50Us",
    ...over,
  });

  it("names each dimension that differs, sorted and without repeats", () => {
    const text = incompatibility(
      [k({ mode: "legacy" }), k({ mode: "ebpf" }), k({ mode: "legacy" })],
      [k({ mode: "host", placement: "cross-node" })],
    );
    expect(text).toBe(
      "modes: baseline has ebpf, legacy; candidate has host\n  placements: baseline has same-node; candidate has cross-node",
    );
    expect(incompatibility([k({ size: "1,1" })], [k({ size: "64,64", metric: "p99Us" })])).toBe(
      "sizes: baseline has TCP_RR 1,1; candidate has TCP_RR 64,64\n  metrics: baseline has p50Us; candidate has p99Us",
    );
    expect(incompatibility([k({ test: "TCP_CRR" })], [])).toContain(
      "tests: baseline has TCP_CRR; candidate has none",
    );
  });

  it("says so when the runs differ in nothing it can name", () => {
    expect(incompatibility([k({})], [k({})])).toBe("the runs have no completed trials in common");
  });
});
