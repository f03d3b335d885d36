import jstatModule from "jstat";
import { describe, expect, it } from "vitest";
import { holmAdjust } from "../../../harness/stats/holm.js";
import {
  bounds,
  logSample,
  pBelow,
  repetitionsToClear,
  welchDifference,
} from "../../../harness/stats/welch.js";

const { jStat } = jstatModule as unknown as {
  jStat: { studentt: { inv(p: number, df: number): number } };
};

describe("Welch's t on log values", () => {
  // computed inside each test (a describe body's calls are attributed to no test by Stryker)
  const scipyCase = () => welchDifference(logSample([10, 11, 12.5, 9.5]), logSample([8, 9.1, 8.4, 7.9, 8.8]));

  it("matches scipy's one-sided Welch test", () => {
    const difference = scipyCase();
    // reference: scipy.stats.ttest_ind(log(c), log(b), equal_var=False, alternative="less")
    //   statistic −3.597427, pvalue 0.0104866, df 4.202808; mean difference −0.2378628
    expect(difference.estimate).toBeCloseTo(-0.2378628, 6);
    expect(difference.estimate / difference.se).toBeCloseTo(-3.597427, 5);
    expect(difference.df).toBeCloseTo(4.202808, 5);
    expect(pBelow(difference)).toBeCloseTo(0.0104866, 6);
    // reference: scipy.stats.t.ppf(0.95, 4.202808) = 2.102630
    const b = bounds(difference, 0.05);
    expect(b?.high).toBeCloseTo(-0.2378628 + 2.10263 * difference.se, 5);
  });

  it("keeps a floor under tied whole-number values, so ties never give a zero-width interval", () => {
    const tied = logSample([45, 45, 45]);
    expect(tied.variance).toBe(0);
    // rounding to 1 µs at 45 µs: 1/(12·45²)
    expect(tied.resolutionVariance).toBeCloseTo(1 / (12 * 45 ** 2), 12);
    const contrast = welchDifference(tied, logSample([45, 45, 45]));
    expect(contrast.se).toBeGreaterThan(0);
    expect(logSample([45.5, 45.5]).resolutionVariance).toBe(0);
  });

  it("gives the repetitions that would clear a boundary, always more than were run", () => {
    const difference = scipyCase();
    const needed = repetitionsToClear(difference, 4, 0.1, 0.05);
    expect(needed).toBeGreaterThan(4);
    // Independent oracle: Welch's one-sided bound recomputed from the two samples' log means
    // and variances as if each run had m repetitions with the same spread (Welch–Satterthwaite
    // df, jStat's t), not from the scaled contrast the hint uses. With 4 and 5 values and n = 4
    // the hint is conservative: the oracle clears at the hinted n.
    const logVar = (xs: number[]) => {
      const ls = xs.map(Math.log);
      const m = ls.reduce((a, b) => a + b, 0) / ls.length;
      return ls.reduce((a, x) => a + (x - m) ** 2, 0) / (ls.length - 1);
    };
    const halfWidthAt = (vb: number, vc: number, m: number) => {
      const se = Math.sqrt(vb / m + vc / m);
      const df = (vb / m + vc / m) ** 2 / ((vb / m) ** 2 / (m - 1) + (vc / m) ** 2 / (m - 1));
      return jStat.studentt.inv(0.95, df) * se;
    };
    const [vb, vc] = [logVar([10, 11, 12.5, 9.5]), logVar([8, 9.1, 8.4, 7.9, 8.8])];
    expect(halfWidthAt(vb, vc, needed as number)).toBeLessThan(0.1);
    expect(needed).toBe(7);
    // with equal sizes the scaling is exact: the hint is the oracle's smallest clearing n
    const equal = welchDifference(logSample([10, 11, 12.5, 9.5]), logSample([8, 9.1, 8.4, 7.9]));
    const [wb, wc] = [logVar([10, 11, 12.5, 9.5]), logVar([8, 9.1, 8.4, 7.9])];
    const smallest = Array.from({ length: 200 }, (_, i) => i + 5).find((m) => halfWidthAt(wb, wc, m) < 0.1);
    expect(repetitionsToClear(equal, 4, 0.1, 0.05)).toBe(smallest);
    expect(smallest).toBeGreaterThan(5);
    expect(repetitionsToClear(difference, 4, 0, 0.05)).toBeNull();
  });
});

describe("Holm", () => {
  it("matches R's p.adjust", () => {
    // reference: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005, null]);
    expect(adjusted.slice(0, 4).map((p) => Number(p?.toFixed(6)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(adjusted[4]).toBeNull();
  });
});
