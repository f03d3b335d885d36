import { describe, expect, it } from "vitest";
import { describe as describeSample } from "../../../harness/stats/describe.js";
import { judge } from "../../../harness/stats/judge.js";
import { medianInterval, medianIntervalRank } from "../../../harness/stats/median-interval.js";
import { compareModes } from "../../../harness/stats/point-comparison.js";
import { seededRandom } from "../../../harness/util/random.js";

const tps = [16003.7, 15210.2, 17120.9, 16544.0, 14980.3];

describe("describe", () => {
  it("matches numpy", () => {
    // reference: numpy 2.4: median 16003.7, mean 15971.82, std(ddof=1) 896.0982183890341, cv 0.056104953498664144
    const d = describeSample(tps);
    expect(d.median).toBe(16003.7);
    expect(d.mean).toBeCloseTo(15971.82, 8);
    expect(d.stddev).toBeCloseTo(896.0982183890341, 9);
    expect(d.cv).toBeCloseTo(0.056104953498664144, 12);
    expect([d.min, d.max, d.n]).toEqual([14980.3, 17120.9, 5]);
  });

  it("has no stddev for one value", () => {
    expect(describeSample([3])).toMatchObject({ n: 1, stddev: null, cv: null, median: 3 });
    expect(() => describeSample([])).toThrow();
  });
});

describe("medianInterval (order statistics)", () => {
  it("uses the ranks a binomial table gives and has no interval below 6 values", () => {
    // reference: R 1 - 2*pbinom(k - 1, n, 0.5) ≥ 0.95 → n = 6: k = 1; n = 10: k = 2; n = 20: k = 6
    expect(medianIntervalRank(5)).toBeNull();
    expect(medianIntervalRank(6)).toBe(1);
    expect(medianIntervalRank(10)).toBe(2);
    expect(medianIntervalRank(20)).toBe(6);
    expect(medianInterval(tps)).toBeNull(); // 5 values
    expect(medianInterval([5, 1, 4, 2, 6, 3, 9, 8, 7, 10])).toEqual({ low: 2, high: 9 });
  });

  it("covers the true median at least 95% of the time (seeded, 4,000 samples of 8 skewed values)", {
    tags: ["slow"],
  }, () => {
    const random = seededRandom(3);
    let covered = 0;
    for (let run = 0; run < 4000; run++) {
      // exponential with median ln 2
      const values = Array.from({ length: 8 }, () => -Math.log(1 - random()));
      const ci = medianInterval(values);
      if (ci && ci.low <= Math.LN2 && Math.LN2 <= ci.high) covered++;
    }
    // exact coverage at n = 8, k = 1 is 1 − 2/256 = 99.2%
    expect(covered / 4000).toBeGreaterThanOrEqual(0.98);
  });
});

describe("verdicts", () => {
  it("calls a difference only when the adjusted p < 0.05, knowing lower is better for latency", () => {
    expect(judge(1.2, 0.01, false)).toBe("better");
    expect(judge(1.2, 0.01, true)).toBe("worse");
    expect(judge(0.8, 0.01, true)).toBe("better");
    expect(judge(1.2, 0.2, false)).toBe("no significant difference");
    // no p: never tested, so never "no significant difference"
    expect(judge(1.2, null, false)).toBe("undecided");
  });

  it("compares modes paired by block when interleaved, unpaired otherwise", () => {
    const base = new Map([
      [1, 100],
      [2, 200],
      [3, 150],
      [4, 120],
      [5, 180],
      [6, 90],
    ]);
    const cand = new Map([...base].map(([block, v]) => [block, v * 1.25]));
    // a constant 1.25× per block (plus a little noise): paired, drift cancels and the test is decisive
    const noisy = new Map([...cand].map(([block, v]) => [block, v * (1 + 0.001 * (block % 2 ? 1 : -1))]));
    const paired = compareModes(base, noisy, true);
    expect(paired).toMatchObject({ paired: true, n: 6 });
    expect(judge(paired?.ratio ?? 0, paired?.pValue ?? null, false)).toBe("better");
    expect(paired?.ratio).toBeCloseTo(1.25, 3);
    expect(paired?.pValue).toBeLessThan(1e-6);
    // unpaired: the drift between blocks (90–200) swamps the 25%
    const unpaired = compareModes(base, noisy, false);
    expect(unpaired).toMatchObject({ paired: false });
    expect(judge(unpaired?.ratio ?? 0, unpaired?.pValue ?? null, false)).toBe("no significant difference");
    expect(compareModes(new Map(), cand, true)).toBeNull();
  });
});
