/**
 * mergeStreams (stats/merge-streams.ts) at the edges its mutation run found untested, each
 * figure worked by hand: no loss without a received rate, no pooled mean when one instance has
 * its transactions but no mean, and a MIN_LATENCY of 0 µs is a measurement (only a negative one
 * means "not measured").
 */
import { describe, expect, it } from "vitest";
import type { Metrics, NetperfSample } from "../../../harness/netperf/parse.js";
import { mergeStreams } from "../../../harness/stats/merge-streams.js";

const sample = (metrics: Metrics, elapsedSec: number | null = 2, minLatency = "10"): NetperfSample =>
  ({ metrics, elapsedSec, raw: { MIN_LATENCY: minLatency } }) as unknown as NetperfSample;

describe("mergeStreams, edges", () => {
  it("gives no UDP loss when no received rate was measured, only the sent rate", () => {
    expect(mergeStreams([sample({ sentMbps: 100 }), sample({ sentMbps: 50 })], []).metrics).toEqual({
      sentMbps: 150,
    });
  });

  it("gives no pooled mean latency when one instance timed transactions but printed no mean", () => {
    const rr = (extra: Metrics) => sample({ transactionsPerSec: 1000, maxLatencyUs: 900, ...extra });
    for (const instances of [
      [rr({ meanLatencyUs: 50 }), rr({})],
      [rr({}), rr({ meanLatencyUs: 50 })],
    ]) {
      expect(mergeStreams(instances, []).metrics).toEqual({ transactionsPerSec: 2000, maxLatencyUs: 900 });
    }
  });

  it("brackets the percentiles of an instance whose fastest transaction took 0 µs", () => {
    // 1000/s × 2 s = 2000 transactions, P50 rank 1000. At most at or below x: {0: 0, 45 − 1: 999},
    // so 999 at x = 0 and all 2000 from 44 on: lowerUs 44. At least: {45 + 1: 1000, 900: 2000},
    // target 1000 − 1 = 999, reached at 46: upperUs 46.
    const merged = mergeStreams(
      [sample({ transactionsPerSec: 1000, meanLatencyUs: 50, maxLatencyUs: 900, p50Us: 45 }, 2, "0")],
      [50],
    );
    expect(merged.latency).toEqual({
      method: "bound",
      percentiles: [{ percent: 50, valueUs: null, lowerUs: 44, upperUs: 46 }],
    });
  });
});
