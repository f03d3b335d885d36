/**
 * The within-run estimator: reference values from scipy, and seeded simulations of its
 * coverage (fixed n and under the adaptive stopping rule) and of a run's false headlines.
 * Tolerances: 2,000 simulated intervals per cell give a coverage standard error of ≈0.5
 * points, so "≥ 93%" for a nominal 95% leaves 4 standard errors for real loss of coverage.
 */
import { describe, expect, it } from "vitest";
import { judgeFamily } from "../../../harness/stats/judge.js";
import { MIN_PAIRS, pairedRatio, relativeHalfWidth, unpairedRatio } from "../../../harness/stats/ratio.js";
import type { Comparison } from "../../../harness/stats/summary.js";
import { type Random, seededRandom } from "../../../harness/util/random.js";

function normal(random: Random): number {
  // Box–Muller
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Per-pair log-ratio noise shapes, each with standard deviation ≈ 1 before scaling. */
const SHAPES: Record<string, (random: Random) => number> = {
  normal,
  // Student t, 3 df (heavy tails), scaled to unit variance
  t3: (random) => {
    const z = normal(random);
    const chi = normal(random) ** 2 + normal(random) ** 2 + normal(random) ** 2;
    return z / Math.sqrt(chi / 3) / Math.sqrt(3);
  },
  // descheduled trials: each trial of a pair is slowed, with probability 0.2, by an exponential
  // amount; the order inside a pair is random, so a slowdown hits either mode (a Laplace-like,
  // heavy-tailed difference). A disturbance that only ever hits one mode is a bias, not noise:
  // no interval can absorb it, which is why such trials are repeated (noise rule) instead.
  descheduled: (random) => {
    const hit = () => (random() < 0.2 ? -Math.log(1 - random()) : 0);
    return (hit() - hit()) / Math.sqrt(2 * (0.2 * 2 - 0.04));
  },
  // 10% of pairs hit by a 4× disturbance
  contaminated: (random) => (normal(random) * (random() < 0.1 ? 4 : 1)) / Math.sqrt(0.9 + 0.1 * 16),
};

/** n pairs with true ratio `ratio`, per-pair log noise sd `sd`, block drift shared by both modes. */
function pairs(random: Random, n: number, ratio: number, sd: number, shape: (r: Random) => number) {
  const baseline: number[] = [];
  const candidate: number[] = [];
  for (let i = 0; i < n; i++) {
    const drift = Math.exp(0.3 * normal(random)); // the machine's state: shared by the pair
    const b = 16000 * drift * Math.exp((sd / Math.SQRT2) * normal(random));
    baseline.push(b);
    candidate.push(b * ratio * Math.exp((sd / Math.SQRT2) * shape(random) * Math.SQRT2));
  }
  return { baseline, candidate };
}

describe("pairedRatio and unpairedRatio", () => {
  it("match scipy on the seed's figures", () => {
    const b = [16003.7, 15800.2, 16250.9, 15900.0, 16100.5, 15950.3];
    const c = [20396.9, 19900.1, 20800.4, 20100.7, 20500.2, 20250.8];
    const paired = pairedRatio(b, c);
    // reference: exp(mean(log(c/b))) with scipy.stats.t.ppf(0.975, 5) bounds and ttest_1samp
    expect(paired?.ratio).toBeCloseTo(1.27015329217351, 10);
    expect(paired?.ciLow).toBeCloseTo(1.262399181529274, 8);
    expect(paired?.ciHigh).toBeCloseTo(1.2779550313593062, 8);
    expect(paired?.pValue).toBeCloseTo(1.859817099813673e-9, 14);
    // reference: scipy.stats.ttest_ind(log(c), log(b), equal_var=False).pvalue
    const welch = unpairedRatio([100, 110, 95, 104, 99, 107], [103, 108, 99, 110, 101, 112]);
    expect(welch?.ratio).toBeCloseTo(1.0294611040601032, 10);
    expect(welch?.pValue).toBeCloseTo(0.3561512651676028, 6);
  });

  it("gives no interval below the minimum pairs, and a floor for whole-number latencies", () => {
    // 3 pairs: too few for an interval that keeps its coverage
    expect(pairedRatio([10, 11, 12], [12, 13, 14])).toMatchObject({
      decidable: false,
      ciLow: null,
      pValue: null,
      n: 3,
    });
    expect(MIN_PAIRS).toBe(6);
    // identical whole-µs percentiles every pair: rounding still leaves an interval
    const tied = pairedRatio([13, 13, 13, 13, 13, 13], [10, 10, 10, 10, 10, 10]);
    expect(tied?.ratio).toBeCloseTo(10 / 13, 12);
    expect(tied?.ciLow).toBeLessThan(10 / 13);
    expect(tied?.ciHigh).toBeGreaterThan(10 / 13);
    expect(pairedRatio([1, 0], [1, 1])).toBeNull(); // no log of 0
  });

  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`keeps ≥ 93% coverage at n = 6, 8 and 12 pairs (${name} log ratios, seeded, 2,000 runs each)`, {
      tags: ["slow"],
    }, () => {
      for (const n of [6, 8, 12]) {
        const random = seededRandom(1000 + n);
        let covered = 0;
        const runs = 2000;
        for (let run = 0; run < runs; run++) {
          const { baseline, candidate } = pairs(random, n, 1.2, 0.05, shape);
          const estimate = pairedRatio(baseline, candidate);
          if (
            estimate?.ciLow != null &&
            estimate.ciHigh != null &&
            estimate.ciLow <= 1.2 &&
            1.2 <= estimate.ciHigh
          )
            covered++;
        }
        expect(covered / runs, `${name} n=${n}`).toBeGreaterThanOrEqual(0.93);
      }
    });
  }

  it("keeps ≥ 93% coverage under the adaptive stopping rule (from 8 pairs until ±3% or 40 pairs)", {
    tags: ["slow"],
  }, () => {
    // per-pair sd 0.03–0.1: from a rule that stops at once to one that rarely stops before 40
    for (const [name, shape] of Object.entries(SHAPES))
      for (const sd of [0.03, 0.06, 0.1]) {
        const random = seededRandom(77);
        let covered = 0;
        let stoppedEarly = 0;
        const runs = 2000;
        for (let run = 0; run < runs; run++) {
          const all = pairs(random, 40, 0.8, sd, shape);
          let n = 8;
          let estimate = pairedRatio(all.baseline.slice(0, n), all.candidate.slice(0, n));
          while (
            n < 40 &&
            (relativeHalfWidth(estimate ?? { ratio: 1, ciLow: null, ciHigh: null }) ?? 1) > 0.03
          ) {
            n++;
            estimate = pairedRatio(all.baseline.slice(0, n), all.candidate.slice(0, n));
          }
          if (n < 40) stoppedEarly++;
          if (
            estimate?.ciLow != null &&
            estimate.ciHigh != null &&
            estimate.ciLow <= 0.8 &&
            0.8 <= estimate.ciHigh
          )
            covered++;
        }
        if (sd === 0.03) expect(stoppedEarly / runs, name).toBeGreaterThan(0.5); // the rule does stop
        expect(covered / runs, `${name} sd ${sd} under the stopping rule`).toBeGreaterThanOrEqual(0.93);
      }
  });
});

describe("a run's verdicts (Holm over its comparisons)", () => {
  /** A blog-sized run: 2 placements × (6 TCP_STREAM sizes + TCP_RR with 5 correlated metrics). */
  function nullRun(random: Random, n: number, sd: number): Comparison[] {
    const comparisons: Comparison[] = [];
    for (const placement of ["same-node", "cross-node"] as const) {
      for (const size of ["64", "256", "1024", "4096", "16384", "65536"]) {
        const { baseline, candidate } = pairs(random, n, 1, sd, normal);
        comparisons.push(comparison(placement, "TCP_STREAM", size, "throughputMbps", baseline, candidate));
      }
      // TCP_RR: the metrics of one trial move together (80% of their noise shared)
      const shared = pairs(random, n, 1, sd, normal);
      for (const metric of ["transactionsPerSec", "p50Us", "p90Us", "p99Us", "meanLatencyUs"] as const) {
        const own = pairs(random, n, 1, sd, normal);
        const mix = (a: number[], b: number[]) => a.map((v, i) => v ** 0.8 * (b[i] as number) ** 0.2);
        comparisons.push(
          comparison(
            placement,
            "TCP_RR",
            "1,1",
            metric,
            mix(shared.baseline, own.baseline),
            mix(shared.candidate, own.candidate),
          ),
        );
      }
    }
    return judgeFamily(comparisons);
  }

  function comparison(
    placement: Comparison["placement"],
    test: Comparison["test"],
    size: string,
    metric: Comparison["metric"],
    baseline: number[],
    candidate: number[],
  ): Comparison {
    const estimate = pairedRatio(baseline, candidate);
    if (!estimate) throw new Error("no estimate");
    return {
      placement,
      test,
      size,
      metric,
      baseline: "legacy",
      candidate: "ebpf",
      ratio: estimate.ratio,
      ciLow: estimate.ciLow,
      ciHigh: estimate.ciHigh,
      pValue: estimate.pValue,
      pAdjusted: null,
      paired: true,
      n: estimate.n,
      halfWidth: relativeHalfWidth(estimate),
      noisyPairs: 0,
      unbalancedPairs: 0,
      lowerIsBetter: metric !== "transactionsPerSec" && metric !== "throughputMbps",
      verdict: "no significant difference",
    };
  }

  it("headlines nothing in ≥ 95% of seeded runs where nothing differs (n = 6, 8, 12; 1,000 runs each)", {
    tags: ["slow"],
  }, () => {
    for (const n of [6, 8, 12]) {
      const random = seededRandom(4242 + n);
      let withHeadline = 0;
      for (let run = 0; run < 1000; run++) {
        if (nullRun(random, n, 0.05).some((c) => c.verdict !== "no significant difference")) withHeadline++;
      }
      expect(withHeadline / 1000, `n=${n}`).toBeLessThanOrEqual(0.05);
    }
  });

  it("still finds the seed's +27% at every point of the run", () => {
    const random = seededRandom(5);
    const c = comparison(
      "same-node",
      "TCP_RR",
      "1,1",
      "transactionsPerSec",
      ...(Object.values(pairs(random, 6, 1.27, 0.05, normal)) as [number[], number[]]),
    );
    const [judged] = judgeFamily([c, ...nullRun(random, 6, 0.05)]);
    expect(judged?.verdict).toBe("better");
    expect(judged?.pAdjusted).toBeLessThan(0.05);
  });

  it("calls a comparison with too few pairs, no spread or noisy pairs undecided, with its reason", () => {
    const random = seededRandom(6);
    const strong = pairs(random, 6, 1.5, 0.02, normal);
    const base = comparison(
      "same-node",
      "TCP_RR",
      "1,1",
      "transactionsPerSec",
      strong.baseline,
      strong.candidate,
    );
    const [noisy] = judgeFamily([{ ...base, noisyPairs: 2, noisyIncluded: true }]);
    expect(noisy).toMatchObject({ verdict: "undecided", undecidedReason: "noisy-pairs" });
    expect(noisy?.caveat).toMatch(/unsteady within the trial\) in 2 of 6 pairs/);
    const few = pairs(random, 3, 1.5, 0.02, normal);
    const [tooFew] = judgeFamily([
      comparison("same-node", "TCP_RR", "1,1", "transactionsPerSec", few.baseline, few.candidate),
    ]);
    expect(tooFew).toMatchObject({ verdict: "undecided", undecidedReason: "too-few-pairs" });
    expect(tooFew?.caveat).toMatch(/too few pairs to decide \(n = 3; an interval needs 6\)/);
    // six pairs with the same ratio: no spread, no interval, no test
    const flat = [100.5, 110.5, 120.5, 130.5, 140.5, 150.5];
    const [still] = judgeFamily([
      comparison(
        "same-node",
        "TCP_RR",
        "1,1",
        "transactionsPerSec",
        flat,
        flat.map((v) => v * 2),
      ),
    ]);
    expect(still).toMatchObject({ verdict: "undecided", undecidedReason: "no-interval", ciLow: null });
    // a tested comparison keeps neither a reason nor a caveat
    const stale: Comparison = { ...base, verdict: "undecided", undecidedReason: "noisy-pairs", caveat: "x" };
    const [tested] = judgeFamily([stale]);
    expect(tested).toMatchObject({ verdict: "better" });
    expect(tested).not.toHaveProperty("undecidedReason");
    expect(tested).not.toHaveProperty("caveat");
  });

  it("calls a before/after comparison undecided (confounded) and judges a segmented one on its segments", () => {
    const random = seededRandom(7);
    const strong = pairs(random, 6, 1.5, 0.02, normal);
    const base = comparison(
      "same-node",
      "TCP_RR",
      "1,1",
      "transactionsPerSec",
      strong.baseline,
      strong.candidate,
    );
    const [blocked] = judgeFamily([{ ...base, confounded: true }]);
    expect(blocked).toMatchObject({
      verdict: "undecided",
      undecidedReason: "confounded-design",
      caveat:
        "before/after design (one switch): drift over the run and the mode are confounded, not a finding",
    });
    // segmented: n counts segments; 3 segments with an interval are tested, not "too few pairs"
    const [segmented] = judgeFamily([{ ...base, n: 3, segments: 3 }]);
    expect(segmented).toMatchObject({ verdict: "better" });
    expect(segmented).not.toHaveProperty("undecidedReason");
    const [short] = judgeFamily([{ ...base, n: 2, segments: 2, ciLow: null, ciHigh: null, pValue: null }]);
    expect(short).toMatchObject({ verdict: "undecided", undecidedReason: "too-few-segments" });
    expect(short?.caveat).toBe("2 segments: an interval needs 3 (A BB A)");
  });
});
