/**
 * The gate's wording of one tested contrast (stats/regression-evidence.ts) and the verdict's
 * reasons (stats/judge.ts `undecided`), against values worked out by hand: percentages of
 * known log changes, p-value formats, the distance to a boundary, and the detectable worsening
 * from Student's t quantile as printed by scipy (`scipy.stats.t.ppf(0.95, 10)`).
 */
import { describe, expect, it } from "vitest";
import { BLOCKED_CAVEAT, judge, judgeFamily, undecided } from "../../../harness/stats/judge.js";
import {
  detectable,
  distanceToDecide,
  formatP,
  good,
  hintText,
  pct,
  signedPct,
} from "../../../harness/stats/regression-evidence.js";

describe("the gate's wording of a contrast", () => {
  it("turns a contrast to the good direction only for lower-is-better metrics", () => {
    const c = { estimate: 0.2, se: 0.05, df: 7 };
    expect(good(c, true)).toEqual({ estimate: -0.2, se: 0.05, df: 7 });
    expect(good(c, false)).toEqual({ estimate: 0.2, se: 0.05, df: 7 });
  });

  it("prints log changes as percentages, signed or not", () => {
    expect(pct(Math.log(1.1))).toBe("10.0%");
    expect(pct(Math.log(0.9))).toBe("10.0%");
    expect(pct(Math.log(1.0314))).toBe("3.1%");
    expect(signedPct(Math.log(1.031))).toBe("+3.1%");
    expect(signedPct(Math.log(0.9))).toBe("−10.0%");
    // no change is not a fall
    expect(signedPct(0)).toBe("+0.0%");
  });

  it("measures the distance to the nearer boundary", () => {
    expect(distanceToDecide(0.05, -0.1, 0.1)).toBeCloseTo(0.05, 12);
    expect(distanceToDecide(-0.09, -0.1, 0.1)).toBeCloseTo(0.01, 12);
    expect(distanceToDecide(0.08, -0.1, 0.1)).toBeCloseTo(0.02, 12);
    // outside the band: still the distance to the nearer one
    expect(distanceToDecide(-0.3, -0.1, 0.1)).toBeCloseTo(0.2, 12);
    expect(distanceToDecide(0.1, -0.1, 0.1)).toBe(0);
  });

  it("says what would decide an undecided test", () => {
    expect(hintText(12)).toBe("about 12 repetitions per run would decide it at this spread");
    expect(hintText(null)).toBe(
      "no practical number of repetitions (over 10,000) decides it at this spread: the estimate is too close to a boundary",
    );
  });

  it("prints p-values with three decimals, or in exponent form below 0.001", () => {
    expect(formatP(0.0123)).toBe("0.012");
    expect(formatP(0.001)).toBe("0.001");
    expect(formatP(0.00049)).toBe("4.9e-4");
    expect(formatP(1)).toBe("1.000");
  });

  it("gives the worsening a one-sided test calls a regression half the time", () => {
    // 1 − exp(ln 0.95 − t(0.95; 10)·0.01), t from scipy
    const expected = 1 - 0.95 * Math.exp(-1.8124611228116756 * 0.01);
    expect(detectable({ estimate: 0, se: 0.01, df: 10 }, 0.05, Math.log(0.95))).toBeCloseTo(expected, 6);
    expect(detectable({ estimate: 0, se: 0.01, df: null }, 0.05, Math.log(0.95))).toBeNull();
  });
});

describe("judge and undecided", () => {
  const decidable = { n: 6, ciLow: 0.9, noisyPairs: 0, segments: undefined, confounded: false };

  it("reads the direction from the ratio and the metric, at the family's level", () => {
    expect(judge(0.8, 0.01, false)).toBe("worse");
    expect(judge(1, 0.01, false)).toBe("worse");
    expect(judge(1, 0.01, true)).toBe("better");
    expect(judge(1.2, 0.049, false)).toBe("better");
    expect(judge(1.2, 0.05, false)).toBe("no significant difference");
  });

  it("can decide a comparison with enough varying pairs", () => {
    expect(undecided(decidable)).toBeNull();
  });

  it("names each reason a comparison cannot decide, with its numbers", () => {
    expect(undecided({ ...decidable, confounded: true })).toEqual({
      reason: "confounded-design",
      caveat: BLOCKED_CAVEAT,
    });
    expect(undecided({ ...decidable, n: 5 })).toEqual({
      reason: "too-few-pairs",
      caveat: "too few pairs to decide (n = 5; an interval needs 6)",
    });
    // noisy pairs left out of the estimate: the pairs left decide
    expect(undecided({ ...decidable, noisyPairs: 2 })).toBeNull();
    // too few left: the estimate is every pair's, and it decides nothing
    expect(undecided({ ...decidable, noisyPairs: 2, noisyIncluded: true })).toEqual({
      reason: "noisy-pairs",
      caveat:
        "a trial stayed noisy (the machine too busy, or its rate unsteady within the trial) in 2 of 6 pairs (kept after every allowed repeat), and the others are too few to decide: not a finding",
    });
    expect(undecided({ ...decidable, ciLow: null })).toEqual({
      reason: "no-interval",
      caveat: "no interval: the 6 pairs' ratios do not vary, so nothing can be tested",
    });
    // segmented: n counts segments, and fewer than 3 give no interval whatever n says
    expect(undecided({ ...decidable, n: 2, segments: 2, ciLow: null })).toEqual({
      reason: "too-few-segments",
      caveat: "2 segments: an interval needs 3 (A BB A)",
    });
    expect(undecided({ ...decidable, n: 2, segments: 3 })).toBeNull();
    // the caveat's own words (a module constant: compared above by reference only)
    expect(BLOCKED_CAVEAT).toBe(
      "before/after design (one switch): drift over the run and the mode are confounded, not a finding",
    );
  });

  it("stores a segment count only for a segmented comparison", () => {
    const estimated = {
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      metric: "p50Us",
      baseline: "legacy",
      candidate: "ebpf",
      ratio: 0.9,
      ciLow: 0.85,
      ciHigh: 0.95,
      pValue: 0.001,
      paired: true,
      n: 6,
      halfWidth: 0.05,
      lowerIsBetter: true,
      noisyPairs: 0,
      unbalancedPairs: 0,
    } as const;
    const [pairs, segmented] = judgeFamily([estimated, { ...estimated, segments: 3 }]);
    expect(pairs).not.toHaveProperty("segments");
    expect(pairs?.verdict).toBe("better");
    expect(segmented?.segments).toBe(3);
  });
});
