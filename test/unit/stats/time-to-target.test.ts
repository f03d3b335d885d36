/**
 * timeToTarget (stats/precision-shortfall.ts): the minutes a sweep needs for every comparison
 * of its precision pair within the target at a run's own spread, worked by hand.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import type { Comparison } from "../../../harness/results/summary-schema.js";
import { timeToTarget } from "../../../harness/stats/precision-shortfall.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";
import { completedTrial } from "../support/trial-record.js";

// the points as the sweep's planner makes them: same-node and cross-node TCP_RR 1,1 and TCP_STREAM 1 KiB
const points = sweepPoints(
  parseSweep(
    "modes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [1024]}]\n",
    "x.yaml",
  ),
);
const at = (key: string) => {
  const found = points.find((p) => p.key === key);
  if (!found) throw new Error(`no point ${key}`);
  return found;
};
const same = at("same-node/TCP_RR/1,1");
const cross = at("cross-node/TCP_STREAM/1024");
const other = at("cross-node/TCP_RR/1,1");
const pair = { baseline: "legacy", candidate: "ebpf" };

const comparison = (
  point: typeof same,
  metric: string,
  n: number,
  halfWidth: number | null,
  baseline = "legacy",
) =>
  ({
    placement: point.placement,
    test: point.test,
    size: point.size,
    metric,
    baseline,
    candidate: "ebpf",
    n,
    halfWidth,
  }) as Comparison;

/** Both modes' trials of `blocks` blocks at a point, each `sec` seconds long. */
function timed(point: typeof same, blocks: number, sec: number): TrialRecord[] {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000).toISOString();
  return Array.from({ length: blocks }, (_, b) =>
    (["legacy", "ebpf"] as const).map((mode) =>
      completedTrial(point, b + 1, mode, {}, { startedAt: at(0), finishedAt: at(sec) }),
    ),
  ).flat();
}

describe("timeToTarget", () => {
  it("sums each point's pairs for its widest comparison, at least the minimum, at its seconds per pair", () => {
    const trials = [...timed(same, 10, 2), ...timed(cross, 12, 3)];
    const comparisons = [
      // no interval, or no pairs: left out (a point with nothing else is not listed)
      comparison(other, "p99Us", 1, null),
      comparison(other, "p50Us", 0, 0.05),
      // same-node: P99 at ±6%, 10·(6/3)² = 40 pairs; the rate, within ±3%, is not the widest
      comparison(same, "p99Us", 10, 0.06),
      comparison(same, "transactionsPerSec", 10, 0.01),
      // another pair of modes does not count
      comparison(same, "p50Us", 10, 0.5, "host"),
      { ...comparison(same, "p90Us", 10, 0.5), candidate: "host" } as Comparison,
      // cross-node: ±2% at 12 pairs would take 12·(2/3)² = 5.3, fewer than it had: the minimum,
      // 8, holds; of two
      // equally wide, the first
      comparison(cross, "throughputMbps", 12, 0.02),
      comparison(cross, "p50Us", 12, 0.02),
    ];
    const need = timeToTarget({ repetitions: 8 }, pair, comparisons, trials, 3);
    // 4 s per same-node pair (two 2 s trials), 6 s per cross-node pair
    expect(need.points).toEqual([
      { pointId: same.key, metric: "p99Us", pairs: 40, seconds: 160 },
      { pointId: cross.key, metric: "throughputMbps", pairs: 8, seconds: 48 },
    ]);
    expect(need.seconds).toBe(208);
    // a wider target needs fewer: P99 at ±6% for a ±6% target is its 10 pairs
    expect(timeToTarget({ repetitions: 8 }, pair, comparisons, trials, 6).points[0]?.pairs).toBe(10);
    expect(timeToTarget({ repetitions: 8 }, pair, [], trials, 3)).toEqual({ seconds: 0, points: [] });
    // narrow, but over pairs kept noisy (10 pairs, 7 noisy): the 3 clean pairs it lacks come first
    const noisy = { ...comparison(same, "p99Us", 10, 0.01), noisyPairs: 7, undecidedReason: "noisy-pairs" };
    expect(timeToTarget({ repetitions: 8 }, pair, [noisy as Comparison], trials, 3).points[0]?.pairs).toBe(
      13,
    );
    // and it sets its point's pairs though an equally narrow comparison comes first
    const rate = comparison(same, "transactionsPerSec", 10, 0.01);
    expect(timeToTarget({ repetitions: 8 }, pair, [rate, noisy as Comparison], trials, 3).points).toEqual([
      { pointId: same.key, metric: "p99Us", pairs: 13, seconds: 52 },
    ]);
  });
});
