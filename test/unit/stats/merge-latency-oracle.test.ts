/**
 * boundPooledPercentile and netperfPercentileResolutionUs (stats/merge-latency.ts) on cases
 * worked by hand: exact brackets, not only "the truth is inside" (merge-latency.test.ts proves
 * the guarantee on seeded samples; these pin every step of the arithmetic).
 */
import { describe, expect, it } from "vitest";
import {
  boundPooledPercentile,
  type InstanceLatency,
  netperfPercentileResolutionUs,
} from "../../../harness/stats/merge-latency.js";

describe("netperfPercentileResolutionUs", () => {
  it("is 0 below 10 µs, then one sub-bucket of the printed value's decade", () => {
    expect(netperfPercentileResolutionUs(0)).toBe(0);
    expect(netperfPercentileResolutionUs(9.99)).toBe(0);
    expect(netperfPercentileResolutionUs(10)).toBe(1);
    expect(netperfPercentileResolutionUs(99)).toBe(1);
    expect(netperfPercentileResolutionUs(100)).toBe(10);
    expect(netperfPercentileResolutionUs(1234)).toBe(100);
    expect(netperfPercentileResolutionUs(50, 10)).toBe(10);
  });
});

/**
 * A: 10 transactions, min 1, P50 20 (±1), P90 50 (±1), max 100. B: 10, min 5, P50 30 (±1),
 * max 200. Pooled 20, so P50 is rank 10 and the upper bound's target is rank 10 − 2 = 8.
 * At most at or below x (steps "x < atUs"): A {1: 0, 19: ⌊5⌋−1 = 4, 49: ⌊9⌋−1 = 8},
 * B {5: 0, 29: 4}. At x = 1: 4 + 0; x = 5: 4 + 4; x = 19: 8 + 4 = 12 ≥ 10, so lowerUs = 19.
 * At least at or below x (steps "x ≥ atUs"): A {21: 5, 51: 9, 100: 10}, B {31: 5, 200: 10}.
 * At x = 21: 5 + 0; x = 31: 5 + 5 = 10 ≥ 8, so upperUs = 31.
 */
const A: InstanceLatency = {
  transactions: 10,
  minUs: 1,
  maxUs: 100,
  percentilesUs: [
    { percent: 50, us: 20 },
    { percent: 90, us: 50 },
  ],
};
const B: InstanceLatency = {
  transactions: 10,
  minUs: 5,
  maxUs: 200,
  percentilesUs: [{ percent: 50, us: 30 }],
};

describe("boundPooledPercentile, worked by hand", () => {
  it("brackets the pooled median of two instances exactly", () => {
    expect(boundPooledPercentile([A, B], 50)).toEqual({
      percent: 50,
      valueUs: null,
      lowerUs: 19,
      upperUs: 31,
    });
    // the same with the instances in the other order
    expect(boundPooledPercentile([B, A], 50)).toEqual({
      percent: 50,
      valueUs: null,
      lowerUs: 19,
      upperUs: 31,
    });
  });

  it("walks past the percentiles to min and max at the ends", () => {
    // P90 = rank 18: at most 8 + 4 at x = 19, 8 + 10 (B's P50 step is behind) at x = 29 → 29;
    // at least: target 16; x = 31: 10, x = 51: 9 + 5 = 14, x = 100: 10 + 5 = 15, x = 200: 20 → 200
    expect(boundPooledPercentile([A, B], 90)).toEqual({
      percent: 90,
      valueUs: null,
      lowerUs: 29,
      upperUs: 200,
    });
    // P1 = rank 1 (⌈0.2⌉): at x = 1 A's next step already allows 4, so lowerUs = 1; the upper
    // target is max(1, 1 − 2) = 1, and A's P50 step at 21 is the first to guarantee one
    expect(boundPooledPercentile([A, B], 1)).toEqual({ percent: 1, valueUs: null, lowerUs: 1, upperUs: 21 });
  });

  it("rounds each instance's transactions (netperf's rate × time is not whole) and weights by them", () => {
    // 9.6 → 10, as A; 30.4 → 30: C alone is 30 of 40, so the pooled P50 (rank 20) needs C's
    // P50 step: C {min 100: 0, 490: ⌊15⌋−1 = 14} (10 µs resolution at 500); at x = 49: A ≤ 10, C ≤ 0;
    // at x = 100: A ≤ 10, C ≤ 14 → 24 ≥ 20
    const C: InstanceLatency = {
      transactions: 30.4,
      minUs: 100,
      maxUs: 900,
      percentilesUs: [{ percent: 50, us: 500 }],
    };
    const bound = boundPooledPercentile([{ ...A, transactions: 9.6 }, C], 50);
    // at least: A {21: 5, 51: 9, 100: 10}, C {510: 15, 900: 30}; target 20 − 2 = 18:
    // x = 100: 10, x = 510: 10 + 15 = 25 → 510
    expect(bound).toEqual({ percent: 50, valueUs: null, lowerUs: 100, upperUs: 510 });
  });

  it("refuses no instance and instances that timed nothing, naming the function", () => {
    expect(() => boundPooledPercentile([], 50)).toThrow(
      /^boundPooledPercentile needs at least one instance$/,
    );
    expect(() => boundPooledPercentile([{ ...A, transactions: 0.4 }], 50)).toThrow(
      /^boundPooledPercentile: the instances timed no transaction$/,
    );
    // a percentile above 100 ranks past the pool: no edge reaches it (a caller's bug, not a bracket)
    expect(() => boundPooledPercentile([A, B], 101)).toThrow(
      /^boundPooledPercentile: the steps do not reach every transaction$/,
    );
  });
});
