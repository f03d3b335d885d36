import { describe, expect, it } from "vitest";
import { medianInterval, ratioInterval } from "../../../harness/stats/bootstrap.js";
import { describe as describeSample } from "../../../harness/stats/describe.js";
import { permutationPValue } from "../../../harness/stats/permutation.js";
import { compareModes, judge } from "../../../harness/stats/summary.js";
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

describe("bootstrap", () => {
  it("brackets the median, stays within the data, and is reproducible", () => {
    const ci = medianInterval(tps, seededRandom(1));
    expect(ci).not.toBeNull();
    if (!ci) return;
    expect(ci.low).toBeLessThanOrEqual(16003.7);
    expect(ci.high).toBeGreaterThanOrEqual(16003.7);
    expect(ci.low).toBeGreaterThanOrEqual(14980.3);
    expect(ci.high).toBeLessThanOrEqual(17120.9);
    expect(medianInterval(tps, seededRandom(1))).toEqual(ci);
    expect(medianInterval([1], seededRandom(1))).toBeNull();
  });

  it("covers the true ratio about 95% of the time (seeded simulation)", () => {
    // 200 paired samples of n=10 with a true ratio of 1.2 and 8% noise.
    const random = seededRandom(42);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const drift = Array.from({ length: 10 }, () => 1 + 0.1 * normal());
      const base = drift.map((d) => 1000 * d * (1 + 0.08 * normal()));
      const cand = drift.map((d) => 1200 * d * (1 + 0.08 * normal()));
      const ci = ratioInterval(base, cand, true, seededRandom(s), 500);
      if (ci && ci.low <= 1.2 && ci.high >= 1.2) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.85);
    expect(covered / 200).toBeLessThanOrEqual(1);
  });

  it("pairs by block: drift shared by both modes cancels", () => {
    const drift = [1, 2, 0.5, 1.5, 3, 0.7];
    const base = drift.map((d) => 100 * d);
    const cand = drift.map((d) => 110 * d);
    const paired = ratioInterval(base, cand, true, seededRandom(3));
    const unpaired = ratioInterval(base, cand, false, seededRandom(3));
    expect(paired?.low).toBeCloseTo(1.1, 10);
    expect(paired?.high).toBeCloseTo(1.1, 10);
    expect((unpaired?.high ?? 0) - (unpaired?.low ?? 0)).toBeGreaterThan(0.5);
  });
});

describe("permutationPValue", () => {
  const b = [100, 102, 98, 101, 99, 103];
  const c = [110, 111, 108, 112, 109, 113];

  it("matches an exhaustive enumeration in Python (itertools)", () => {
    // reference (numpy + exhaustive enumeration in Python): paired sign-flip on the mean log ratio
    // p = 2/64 = 0.03125; unpaired relabelling on the log ratio of medians p = 12/924 = 0.012987012987012988
    expect(permutationPValue(b, c, true, seededRandom(1))).toBe(0.03125);
    expect(permutationPValue(b, c, false, seededRandom(1))).toBeCloseTo(0.012987012987012988, 15);
    // reference: b=[100,105,95,102], c=[101,99,104,100] paired sign-flip on mean log ratio: p = 14/16 = 0.875
    expect(permutationPValue([100, 105, 95, 102], [101, 99, 104, 100], true, seededRandom(1))).toBe(0.875);
  });

  it("cannot go below 2/2^n paired: n=3 never reaches 0.05", () => {
    expect(permutationPValue([1, 2, 3], [10, 20, 30], true, seededRandom(1))).toBe(0.25);
  });

  it("samples when exhaustive enumeration is too large, and is null for n < 2", () => {
    const big = Array.from({ length: 20 }, (_, i) => 100 + i);
    const p = permutationPValue(
      big,
      big.map((x) => x * 1.5),
      true,
      seededRandom(1),
      2000,
    );
    expect(p).toBeCloseTo(1 / 2001, 6);
    expect(permutationPValue([1], [2, 3], true, seededRandom(1))).toBeNull();
  });
});

describe("verdicts", () => {
  it("calls a difference only when the CI excludes 1 and p < 0.05, knowing lower is better for latency", () => {
    expect(judge(1.2, { low: 1.1, high: 1.3 }, 0.01, false)).toBe("better");
    expect(judge(1.2, { low: 1.1, high: 1.3 }, 0.01, true)).toBe("worse");
    expect(judge(0.8, { low: 0.7, high: 0.9 }, 0.01, true)).toBe("better");
    expect(judge(1.2, { low: 0.9, high: 1.3 }, 0.01, false)).toBe("no significant difference");
    expect(judge(1.2, { low: 1.1, high: 1.3 }, 0.2, false)).toBe("no significant difference");
    expect(judge(1.2, null, null, false)).toBe("no significant difference");
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
    const paired = compareModes(base, cand, true, false, 1);
    expect(paired).toMatchObject({ paired: true, n: 6, verdict: "better", pValue: 0.03125 });
    expect(paired?.ratio).toBeCloseTo(1.25, 10);
    const unpaired = compareModes(base, cand, false, false, 1);
    expect(unpaired).toMatchObject({ paired: false, verdict: "no significant difference" });
    expect(compareModes(new Map(), cand, true, false, 1)).toBeNull();
  });
});
