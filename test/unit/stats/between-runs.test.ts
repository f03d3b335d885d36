/**
 * The agreement of runs on one comparison (stats/between-runs.ts): a fixed case against an
 * independent reference, and its false alarms, coverage and power by seeded simulation.
 *
 * Model of a run: 8–40 pairs, a per-pair sd of the log ratio from 2% to 12% (what streams and
 * latency percentiles show on noisy hosts), pair log ratios heavy-tailed (Student's t, 3 df,
 * scaled to that sd), the run's own mean shifted from the common one by N(0, τ²). Each run's
 * interval is made by the within-run estimator itself (stats/ratio.ts pairedRatio), as a
 * results file holds it. Tolerance: 2,000 seeded histories a cell give a rate's standard error
 * of ≤ 0.5 points, so "≤ 6.5%" for a nominal 5% and "≥ 93%" for a nominal 95% leave 3 or more
 * standard errors. Measured with 4,000 histories a cell: false alarms 3.2–4.8% (2–8 runs,
 * conservative under heavy tails), coverage 94.3–100%.
 */
import { describe, expect, it } from "vitest";
import { agreement, type RunLogEstimate, runLogEstimate } from "../../../harness/stats/between-runs.js";
import { pairedRatio } from "../../../harness/stats/ratio.js";
import { type Random, seededRandom } from "../../../harness/util/random.js";

function normal(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Student's t with 3 df, scaled to unit variance. */
function heavy(random: Random): number {
  const chi = normal(random) ** 2 + normal(random) ** 2 + normal(random) ** 2;
  return normal(random) / Math.sqrt(chi / 3) / Math.sqrt(3);
}

/** One run's estimate, through the within-run estimator and back. */
function simulatedRun(random: Random, mean: number): RunLogEstimate {
  const n = 8 + Math.floor(random() * 33);
  const sd = 0.02 + random() * 0.1;
  const candidate = Array.from({ length: n }, () => Math.exp(mean + sd * heavy(random)));
  const estimate = pairedRatio(
    candidate.map(() => 1),
    candidate,
  );
  if (!estimate) throw new Error("no estimate");
  const run = runLogEstimate({ ...estimate, paired: true });
  if (!run) throw new Error("no interval");
  return run;
}

/** Share of histories whose runs are found to disagree (p < 0.05), and whose interval covers the common ratio. */
function simulate(runs: number, tau: number, histories: number, seed: number) {
  const random = seededRandom(seed);
  const truth = Math.log(1.15);
  let alarms = 0;
  let covered = 0;
  for (let h = 0; h < histories; h++) {
    const estimates = Array.from({ length: runs }, () => simulatedRun(random, truth + tau * normal(random)));
    const result = agreement(estimates);
    if (!result) throw new Error("no agreement");
    if (result.p < 0.05) alarms++;
    if (result.ciLow <= 1.15 && 1.15 <= result.ciHigh) covered++;
  }
  return { alarms: alarms / histories, coverage: covered / histories };
}

describe("the agreement of runs: a fixed case", () => {
  // Three runs' pair ratios; reference computed independently with scipy (Welch's F from the
  // raw samples, DerSimonian–Laird, HKSJ with its factor floored at 1).
  const runs = [
    [1.1, 1.02, 0.97, 1.12, 1.05, 1.08, 0.99, 1.04],
    [1.3, 1.18, 1.25, 1.41, 1.22, 1.15, 1.36, 1.28, 1.19, 1.33],
    [1.01, 1.06, 0.95, 1.03, 1.0, 0.98, 1.07, 1.02, 0.99, 1.04, 1.0, 1.05],
  ];
  const estimates = runs.map((ratios) => {
    const r = pairedRatio(
      ratios.map(() => 1),
      ratios,
    );
    return r ? runLogEstimate({ ...r, paired: true }) : null;
  });

  it("recovers each run's mean log ratio and its variance from the run's interval", () => {
    const first = runs[0] as number[];
    const logs = first.map(Math.log);
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1) / logs.length;
    expect(estimates[0]?.y).toBeCloseTo(mean, 12);
    expect(estimates[0]?.v).toBeCloseTo(variance, 12);
    expect(estimates[0]?.n).toBe(8);
  });

  it("matches the reference: F 42.540 on 2 and 14.659 df, p 7.9e-7, τ 0.1044, 1.102 [0.821–1.480]", () => {
    const result = agreement(estimates as RunLogEstimate[]);
    expect(result?.f).toBeCloseTo(42.54041736823167, 8);
    expect(result?.df1).toBe(2);
    expect(result?.df2).toBeCloseTo(14.658743271578151, 8);
    expect(result?.p).toBeCloseTo(7.87613969298568e-7, 10);
    expect(result?.tau).toBeCloseTo(0.10440782075307642, 10);
    expect(result?.ratio).toBeCloseTo(1.1021071694073372, 10);
    expect(result?.ciLow).toBeCloseTo(0.8207666003608957, 8);
    expect(result?.ciHigh).toBeCloseTo(1.4798850395775962, 8);
  });

  it("needs two runs, and a paired interval with pairs to undo", () => {
    expect(agreement([{ y: 0.1, v: 0.001, n: 8 }])).toBeNull();
    const base = { ratio: 1.1, ciLow: 1.05, ciHigh: 1.15, n: 10, paired: true };
    expect(runLogEstimate(base)).not.toBeNull();
    expect(runLogEstimate({ ...base, paired: false })).toBeNull();
    expect(runLogEstimate({ ...base, segments: 4 })).toBeNull();
    expect(runLogEstimate({ ...base, ciLow: null })).toBeNull();
    expect(runLogEstimate({ ...base, n: 1 })).toBeNull();
    expect(runLogEstimate({ ...base, ciHigh: 1.05 })).toBeNull();
    expect(runLogEstimate({ ...base, undecidedReason: "noisy-pairs" })).toBeNull();
    // variances 1e20 apart (the between-run weights' spread cancels to 0): figures, never NaN
    const lopsided = agreement([
      { y: 0, v: 1e-20, n: 8 },
      { y: 10, v: 1, n: 8 },
    ]);
    expect(lopsided?.tau).toBe(0);
    expect(Object.values(lopsided ?? { none: Number.NaN }).every(Number.isFinite)).toBe(true);
  });

  it("runs that agree exactly have τ 0 and an interval no narrower than their own", () => {
    const same = [0, 1, 2].map(() => ({ y: Math.log(1.1), v: 0.0004, n: 12 }));
    const result = agreement(same);
    expect(result?.tau).toBe(0);
    expect(result?.p).toBeCloseTo(1, 12);
    expect(result?.ratio).toBeCloseTo(1.1, 12);
    // floored HKSJ: √(v/3) on 2 df
    const half = 4.302652729911275 * Math.sqrt(0.0004 / 3);
    expect(Math.log(result?.ciHigh as number) - Math.log(1.1)).toBeCloseTo(half, 9);
  });
});

describe("the agreement of runs (seeded simulation)", { tags: ["slow"] }, () => {
  it("finds runs that share one ratio to disagree in ≤ 6.5% of histories, for 2, 3, 5 and 8 runs", () => {
    [2, 3, 5, 8].forEach((runs, i) => {
      expect(simulate(runs, 0, 2000, 100 + i).alarms, `${runs} runs`).toBeLessThanOrEqual(0.065);
    });
  });

  it("covers the ratio common to the runs in ≥ 93% of histories, with and without a between-run spread", () => {
    [2, 3, 5, 8].forEach((runs, i) => {
      for (const tau of [0, 0.03, 0.08]) {
        const { coverage } = simulate(runs, tau, 2000, 200 + 10 * i + tau * 100);
        expect(coverage, `${runs} runs, τ ${tau}`).toBeGreaterThanOrEqual(0.93);
      }
    });
  });

  it("finds a between-run sd of 3% in ≥ 75% of histories of 5 runs, and of 8% in ≥ 95%", () => {
    // 4,000 histories: 81.8% and 99.0%
    expect(simulate(5, 0.03, 2000, 300).alarms).toBeGreaterThanOrEqual(0.75);
    expect(simulate(5, 0.08, 2000, 301).alarms).toBeGreaterThanOrEqual(0.95);
  });
});
