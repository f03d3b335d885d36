/**
 * The segmented design's estimator (stats/segments.ts) on small hand-made inputs, against
 * figures computed outside the code: the ratio of geometric means, the pooled segment spread,
 * the interval and two-sided p from scipy (`scipy.stats.t`), and the rounding floor of
 * whole-number values worked out by hand. The estimator's simulations are in segments.test.ts.
 */
import { describe, expect, it } from "vitest";
import { segmentRatio } from "../../../harness/stats/segments.js";

// A [100.5, 110.5], B [120.5, 130.5, 125.5], B [128.5], A [104.5, 102.5]: four segments, 2 df.
// With numpy/scipy: a = mean logs of the A segments, b = of the B segments,
// est = mean(b) − mean(a), s² = (Σ(a − ā)² + Σ(b − b̄)²)/2, se = s·√(1/2 + 1/2),
// interval exp(est ± t.ppf(0.975, 2)·se), p = 2·t.sf(|est/se|, 2).
const FOUR = [
  { candidate: false, values: [100.5, 110.5] },
  { candidate: true, values: [120.5, 130.5, 125.5] },
  { candidate: true, values: [128.5] },
  { candidate: false, values: [104.5, 102.5] },
];
const SCIPY = {
  ratio: 1.215671738977551,
  low: 1.1393006151180842,
  high: 1.2971622742392082,
  p: 0.005909159840004562,
};

describe("segmentRatio against scipy", () => {
  it("pools both modes' segment spreads over K − 2 degrees of freedom", () => {
    const s = segmentRatio(FOUR);
    expect(s).toMatchObject({ segments: 4, n: 4, df: 2, decidable: true, paired: false, sdLogRatio: null });
    expect(s?.ratio).toBeCloseTo(SCIPY.ratio, 10);
    expect(s?.ciLow).toBeCloseTo(SCIPY.low, 8);
    expect(s?.ciHigh).toBeCloseTo(SCIPY.high, 8);
    expect(s?.pValue).toBeCloseTo(SCIPY.p, 8);
  });

  it("gives the same p whichever mode is the candidate, and the reciprocal ratio", () => {
    const swapped = segmentRatio(FOUR.map((seg) => ({ ...seg, candidate: !seg.candidate })));
    expect(swapped?.ratio).toBeCloseTo(1 / SCIPY.ratio, 10);
    expect(swapped?.ciLow).toBeCloseTo(1 / SCIPY.high, 8);
    expect(swapped?.pValue).toBeCloseTo(SCIPY.p, 8);
  });

  it("leaves out segments without a value", () => {
    const s = segmentRatio([...FOUR, { candidate: true, values: [] }, { candidate: false, values: [] }]);
    expect(s).toMatchObject({ segments: 4, df: 2 });
    expect(s?.pValue).toBeCloseTo(SCIPY.p, 8);
  });

  it("refuses a non-positive value in any one segment, and a mode without a segment", () => {
    expect(segmentRatio([...FOUR, { candidate: false, values: [100, 0] }])).toBeNull();
    expect(segmentRatio([{ candidate: true, values: [1] }])).toBeNull();
    expect(segmentRatio([{ candidate: false, values: [1] }])).toBeNull();
    expect(segmentRatio([])).toBeNull();
  });
});

describe("segmentRatio on whole-number values", () => {
  it("floors the segment variance at the largest per-segment rounding variance", () => {
    // tied values: the spread is 0, the floor is max over segments of 1/(12·gm²)/n_s:
    // A: 1/(12·10²)/2 = 1/2400, B: 1/(12·11²)/4 = 1/5808
    const s = segmentRatio([
      { candidate: false, values: [10, 10] },
      { candidate: true, values: [11, 11, 11, 11] },
      { candidate: false, values: [10, 10] },
    ]);
    const se = Math.sqrt((1 / 2400) * (1 / 2 + 1));
    const t975df1 = 12.706204736174694; // scipy.stats.t.ppf(0.975, 1)
    expect(s?.ratio).toBeCloseTo(1.1, 12);
    expect(s?.decidable).toBe(true);
    expect(Math.log(s?.ciHigh ?? 0)).toBeCloseTo(Math.log(1.1) + t975df1 * se, 8);
    expect(Math.log(s?.ciLow ?? 0)).toBeCloseTo(Math.log(1.1) - t975df1 * se, 8);
  });

  it("has no floor when one value is not whole: tied segments then have no interval", () => {
    const s = segmentRatio([
      { candidate: false, values: [10, 10] },
      { candidate: true, values: [11, 12.5] },
      { candidate: false, values: [10, 10] },
    ]);
    expect(s).toMatchObject({ decidable: false, ciLow: null, ciHigh: null, pValue: null, df: 1 });
    // the geometric mean of 11 and 12.5 over 10
    expect(s?.ratio).toBeCloseTo(Math.sqrt(11 * 12.5) / 10, 12);
  });
});
