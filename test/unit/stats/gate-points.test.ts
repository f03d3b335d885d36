/**
 * The gate's per-point tests (stats/regression-points.ts `analyse`) on hand-made series, against
 * an independent computation of every figure with jStat's t distribution:
 *   y = ln(value) per repetition; m, s² the mean and variance (n − 1) of a run's y
 *   d = m_cand − m_base (negated for a lower-is-better metric: d is the good change)
 *   se = √(s²_b/n_b + s²_c/n_c), Welch df = se⁴ / ((s²_b/n_b)²/(n_b−1) + (s²_c/n_c)²/(n_c−1))
 *   pWorse = T_df((d − ln 0.95)/se), pBetter = 1 − T_df((d − ln 1.05)/se), Holm over the points
 *   that have a p (R: p.adjust(p, "holm")); α per point = 0.025 / (points tested, p or not)
 *   q = T⁻¹_df(1 − α); the ratio's interval exp(m_c − m_b ∓ q·se), in the metric's own direction
 *   detectable worsening = 1 − exp(ln 0.95 − q·se); median = exp(median of y)
 *   repetitions to decide: the smallest m > n with T⁻¹_{df(m−1)/(n−1)}(1 − α)·se·√(n/m) < the
 *   distance from d to the nearer of ln 0.95 and ln 1.05, found by counting m up one at a time.
 * Values are not whole numbers, so no rounding floor enters the variance (gate-sides.test.ts
 * covers that floor).
 *
 * Over 300 lines on purpose: the oracle and one analysis holding every kind of point belong
 * together; each check is short.
 */
import jstatModule from "jstat";
import { describe, expect, it } from "vitest";
import type { Series } from "../../../harness/stats/regression-match.js";
import { analyse } from "../../../harness/stats/regression-points.js";
import { type SeriesKey, SeriesMap, seriesName } from "../../../harness/stats/series.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

const { studentt } = (
  jstatModule as unknown as {
    jStat: { studentt: { cdf(x: number, df: number): number; inv(p: number, df: number): number } };
  }
).jStat;

const T = 0.05;
const LOWER = Math.log(1 - T);
const UPPER = Math.log(1 + T);

const key = (size: string, metric: MetricName = "transactionsPerSec", mode: Mode = "ebpf"): SeriesKey => ({
  placement: "same-node",
  test: "TCP_RR",
  size,
  mode,
  metric,
});
const series = (k: SeriesKey, values: readonly number[], noisy: number[] = []): Series => ({
  key: k,
  byBlock: new Map(values.map((v, i) => [i, v])),
  noisy: new Set(noisy),
});
const index = (...all: Series[]) => {
  const map = new SeriesMap<Series>();
  for (const s of all) map.set(s.key, s);
  return map;
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};
const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
};
const pctText = (log: number) => `${(Math.abs(Math.exp(log) - 1) * 100).toFixed(1)}%`;
const signedText = (log: number) => {
  const change = (Math.exp(log) - 1) * 100;
  return `${change < 0 ? "−" : "+"}${Math.abs(change).toFixed(1)}%`;
};
const pText = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** Everything the gate should say about one tested point, from the values alone. */
function expected(base: number[], cand: number[], lower: boolean, alpha: number) {
  const [yb, yc] = [base.map(Math.log), cand.map(Math.log)];
  const [vb, vc] = [variance(yb) / yb.length, variance(yc) / yc.length];
  const se = Math.sqrt(vb + vc);
  const df = (vb + vc) ** 2 / (vb ** 2 / (yb.length - 1) + vc ** 2 / (yc.length - 1));
  const raw = mean(yc) - mean(yb);
  const d = lower ? -raw : raw;
  const q = studentt.inv(1 - alpha, df);
  const n = Math.min(base.length, cand.length);
  const distance = Math.min(Math.abs(d - LOWER), Math.abs(d - UPPER));
  let needed = n + 1;
  while (
    studentt.inv(1 - alpha, Math.max((df * (needed - 1)) / (n - 1), 1)) * se * Math.sqrt(n / needed) >=
    distance
  )
    needed++;
  return {
    d,
    se,
    low: d - q * se,
    high: d + q * se,
    pWorse: studentt.cdf((d - LOWER) / se, df),
    pBetter: 1 - studentt.cdf((d - UPPER) / se, df),
    ratio: Math.exp(raw),
    ciLow: Math.exp(raw - q * se),
    ciHigh: Math.exp(raw + q * se),
    detectable: 1 - Math.exp(LOWER - q * se),
    goodChange: Math.exp(d) - 1,
    baselineMedian: Math.exp(medianOf(yb)),
    candidateMedian: Math.exp(medianOf(yc)),
    needed,
  };
}

/** R: p.adjust(p, "holm"), in the input's order. */
function holm(ps: number[]): number[] {
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = ps.map(() => 0);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (ps.length - rank) * p));
    out[i] = running;
  });
  return out;
}

// Each tested point: its key, the baseline's and the candidate's values.
const TESTED = {
  // 30% fewer transactions, tight: a regression
  regression: [key("1,1"), [100.5, 102.25, 98.75, 101.5], [70.25, 71.5, 69.75, 70.9]],
  // latency 20% lower, tight: an improvement (lower is better)
  improvement: [key("1,1", "p50Us"), [50.5, 51.25, 49.75, 50.1], [40.2, 40.7, 39.9, 40.4]],
  // the same within 0.1%: unchanged
  unchanged: [key("64,64"), [1000.5, 1001.5, 999.5, 1000.25], [1000.75, 1000.25, 1001.25, 999.75]],
  // a small change, a wide spread: neither
  wide: [key("128,128"), [100.5, 120.5, 90.5, 110.5], [98.5, 125.5, 85.5, 105.5]],
  // about 10% worse, not shown
  worseNotShown: [key("256,256"), [100.5, 130.5, 80.5, 110.5], [88.5, 117.5, 72.5, 99.5]],
  // about 10% better, not shown; 3 repetitions in the baseline
  betterNotShown: [key("512,512"), [100.5, 130.5, 80.5], [110.5, 145.5, 88.5, 121.5]],
} as const satisfies Record<string, readonly [SeriesKey, number[], number[]]>;

describe("analyse, raw values: every figure and reason of every kind of point", () => {
  const one = key("1024,1024"); // one repetition per run: tested, but nothing to test with
  const baseOnly = key("2048,2048");
  const candOnly = key("4096,4096");
  const nonPositive = key("64,64", "p99Us");
  const noisy = key("8192,8192");
  const run = () =>
    analyse(
      index(
        ...Object.values(TESTED).map(([k, b]) => series(k, b)),
        series(one, [100.5]),
        series(baseOnly, [10.5, 11.5]),
        series(nonPositive, [0, 12.5, 13.5, 14.5]),
        series(noisy, [20.5, 21.5, 22.5, 23.5], [1]),
      ),
      index(
        ...Object.values(TESTED).map(([k, , c]) => series(k, c)),
        series(one, [90.5]),
        series(candOnly, [10.5, 11.5, 12.5]),
        series(nonPositive, [11.5, 12.5, 13.5, 14.5]),
        series(noisy, [20.5, 21.5, 22.5, 23.5], [0, 2]),
      ),
      { kind: "raw" },
      T,
    );
  // 7 points reach the test (the six above and the one-repetition point); 6 have a p
  const alpha = 0.025 / 7;
  const want = Object.fromEntries(
    Object.entries(TESTED).map(([name, [k, b, c]]) => [
      name,
      expected(b, c, k.metric !== "transactionsPerSec", alpha),
    ]),
  ) as Record<keyof typeof TESTED, ReturnType<typeof expected>>;
  const names = Object.keys(TESTED) as (keyof typeof TESTED)[];
  const worseAdjusted = Object.fromEntries(
    holm(names.map((n) => want[n].pWorse)).map((p, i) => [names[i], p]),
  ) as Record<keyof typeof TESTED, number>;
  const betterAdjusted = Object.fromEntries(
    holm(names.map((n) => want[n].pBetter)).map((p, i) => [names[i], p]),
  ) as Record<keyof typeof TESTED, number>;
  const holmText = "Holm over 7 points";
  const find = (k: SeriesKey) => {
    const found = run().points.find((p) => p.name === seriesName(k));
    if (!found) throw new Error(`no point ${seriesName(k)}`);
    return found;
  };

  it("gives each tested point its ratio, interval, p-values, detectable worsening and medians", () => {
    for (const name of names) {
      const [k, b, c] = TESTED[name];
      const got = find(k);
      const w = want[name];
      expect(got, name).toMatchObject({ ...k, baselineN: b.length, candidateN: c.length });
      expect(got.lowerIsBetter, name).toBe(k.metric !== "transactionsPerSec");
      for (const field of [
        "ratio",
        "ciLow",
        "ciHigh",
        "pWorse",
        "goodChange",
        "baselineMedian",
        "candidateMedian",
      ] as const)
        expect(got[field], `${name} ${field}`).toBeCloseTo(w[field], 10);
      expect(got.pWorseAdjusted, `${name} Holm`).toBeCloseTo(worseAdjusted[name], 10);
      expect(got.detectableWorsening, `${name} detectable`).toBeCloseTo(w.detectable, 10);
    }
    // a latency's ratio and interval are of the latency itself: below 1 when it fell
    expect(find(TESTED.improvement[0]).ciHigh).toBeLessThan(1);
    expect(find(TESTED.regression[0]).ciHigh).toBeLessThan(1);
  });

  it("decides each point by the rule, in the gate's words", () => {
    const r = want.regression;
    expect(worseAdjusted.regression).toBeLessThanOrEqual(0.025);
    expect(find(TESTED.regression[0])).toMatchObject({
      verdict: "regression",
      reason: `worse by ${pctText(r.d)}, shown worse than −5%: one-sided Welch p = ${pText(worseAdjusted.regression)} (${holmText})`,
    });
    const i = want.improvement;
    expect(find(TESTED.improvement[0])).toMatchObject({
      verdict: "improvement",
      reason: `better by ${pctText(i.d)}, shown better than +5%: one-sided Welch p = ${pText(betterAdjusted.improvement)} (${holmText})`,
    });
    const u = want.unchanged;
    expect([u.low > LOWER, u.high < UPPER]).toEqual([true, true]);
    expect(find(TESTED.unchanged[0])).toMatchObject({
      verdict: "unchanged",
      reason: `the simultaneous 95% interval (${signedText(u.low)} to ${signedText(u.high)}) is within ±5%`,
    });
    for (const name of ["regression", "improvement", "unchanged"] as const)
      expect(find(TESTED[name][0]).repetitionsToDecide, name).toBeUndefined();
  });

  it("says why an undecided point is undecided and how many repetitions would decide it", () => {
    const w = want.wide;
    expect([w.d > LOWER, w.d < UPPER, w.low < LOWER || w.high > UPPER]).toEqual([true, true, true]);
    expect(find(TESTED.wide[0])).toMatchObject({
      verdict: "inconclusive",
      repetitionsToDecide: w.needed,
      reason: `changed by ${signedText(w.d)}, but the simultaneous 95% interval (${signedText(w.low)} to ${signedText(w.high)}) reaches beyond ±5%; about ${w.needed} repetitions per run would decide it at this spread`,
    });
    const worse = want.worseNotShown;
    expect([worse.d < LOWER, worseAdjusted.worseNotShown > 0.025]).toEqual([true, true]);
    expect(find(TESTED.worseNotShown[0])).toMatchObject({
      verdict: "inconclusive",
      repetitionsToDecide: worse.needed,
      reason: `worse by ${pctText(worse.d)}, but not shown worse than −5%: one-sided Welch p = ${pText(worseAdjusted.worseNotShown)} (${holmText}; a regression needs ≤ 0.025); about ${worse.needed} repetitions per run would decide it at this spread`,
    });
    const better = want.betterNotShown;
    expect([better.d > UPPER, betterAdjusted.betterNotShown > 0.025]).toEqual([true, true]);
    expect(find(TESTED.betterNotShown[0])).toMatchObject({
      verdict: "inconclusive",
      repetitionsToDecide: better.needed,
      reason: `better by ${pctText(better.d)}, but not shown better than +5%: p = ${pText(betterAdjusted.betterNotShown)} (${holmText}); about ${better.needed} repetitions per run would decide it at this spread`,
    });
    // the three counts differ, so none is the other's
    expect(new Set([w.needed, worse.needed, better.needed]).size).toBe(3);
  });

  it("keeps what it can of a point it cannot test: one repetition, one run only, a zero, a noisy trial", () => {
    expect(find(one)).toEqual({
      ...one,
      name: seriesName(one),
      lowerIsBetter: false,
      baselineN: 1,
      candidateN: 1,
      baselineMedian: expect.closeTo(100.5, 12),
      candidateMedian: expect.closeTo(90.5, 12),
      ratio: expect.closeTo(90.5 / 100.5, 12),
      ciLow: null,
      ciHigh: null,
      pWorse: null,
      pWorseAdjusted: null,
      detectableWorsening: null,
      goodChange: expect.closeTo(90.5 / 100.5 - 1, 12),
      verdict: "inconclusive",
      reason: "fewer than 2 repetitions in both runs: no spread to test against",
    });
    const nulls = {
      ratio: null,
      ciLow: null,
      ciHigh: null,
      pWorse: null,
      pWorseAdjusted: null,
      detectableWorsening: null,
      goodChange: null,
    };
    expect(find(baseOnly)).toEqual({
      ...baseOnly,
      ...nulls,
      name: seriesName(baseOnly),
      lowerIsBetter: false,
      baselineN: 2,
      candidateN: 0,
      baselineMedian: expect.closeTo(Math.sqrt(10.5 * 11.5), 12),
      candidateMedian: null,
      verdict: "missing",
      reason: "measured in the baseline only",
    });
    expect(find(candOnly)).toMatchObject({
      baselineN: 0,
      candidateN: 3,
      baselineMedian: null,
      candidateMedian: expect.closeTo(11.5, 12),
      verdict: "missing",
      reason: "measured in the candidate only",
    });
    expect(find(nonPositive)).toEqual({
      ...nonPositive,
      ...nulls,
      name: seriesName(nonPositive),
      lowerIsBetter: true,
      baselineN: 0,
      candidateN: 4,
      baselineMedian: null,
      candidateMedian: null,
      verdict: "inconclusive",
      reason: "a value is zero or negative: no ratio can be formed",
    });
    expect(find(noisy)).toEqual({
      ...noisy,
      ...nulls,
      name: seriesName(noisy),
      lowerIsBetter: false,
      baselineN: 4,
      candidateN: 4,
      baselineMedian: expect.closeTo(Math.sqrt(21.5 * 22.5), 12),
      candidateMedian: expect.closeTo(Math.sqrt(21.5 * 22.5), 12),
      verdict: "inconclusive",
      noisyTrials: 3,
      reason:
        "not tested: 1 baseline and 2 candidate repetition(s) were kept although the machine stayed noisy after every allowed repeat, and a noisy trial never decides a comparison; re-run on a quieter machine",
    });
  });

  it("lists regressions first, then the undecided, missing, improved and unchanged, each by name, and counts them", () => {
    const analysis = run();
    const size = (p: { size: string; metric: string }) => `${p.size} ${p.metric}`;
    expect(analysis.points.map(size)).toEqual([
      "1,1 transactionsPerSec", // regression
      "1024,1024 transactionsPerSec", // inconclusive, by name
      "128,128 transactionsPerSec",
      "256,256 transactionsPerSec",
      "512,512 transactionsPerSec",
      "64,64 p99Us",
      "8192,8192 transactionsPerSec",
      "2048,2048 transactionsPerSec", // missing
      "4096,4096 transactionsPerSec",
      "1,1 p50Us", // improvement
      "64,64 transactionsPerSec", // unchanged
    ]);
    expect(analysis.counts).toEqual({
      regression: 1,
      inconclusive: 6,
      missing: 2,
      improvement: 1,
      unchanged: 1,
    });
    expect(analysis.basis).toEqual({ kind: "raw" });
    expect(analysis.modes.map((m) => [m.mode, m.points])).toEqual([["ebpf", 7]]);
  });

  it("states its sensitivity: the median detectable worsening over the tested points, and each mode's", () => {
    const analysis = run();
    const detectables = names.map((n) => want[n].detectable);
    const share = (x: number) => `${(x * 100).toFixed(1)}%`;
    const mode = analysis.modes[0]?.detectableWorsening as number;
    expect(mode).toBeGreaterThan(0);
    expect(analysis.sensitivity).toBe(
      `at n = 3–4 per run and the spread measured here, a point can be called a regression only when worse by about ${share(medianOf(detectables))} or more (median over 6 points), a mode when worse on average by about ebpf ${share(mode)}`,
    );
  });
});

describe("analyse with nothing to test", () => {
  it("says that no point has 2 repetitions in a run", () => {
    const k = key("1,1");
    const got = analyse(index(series(k, [100.5])), index(series(k, [90.5])), { kind: "raw" }, T);
    expect(got.sensitivity).toBe("no point has 2 repetitions in a run: nothing can be tested");
    expect(got.counts).toEqual({ regression: 0, inconclusive: 1, missing: 0, improvement: 0, unchanged: 0 });
  });

  it("gives one n when every tested point has the same, and only the modes that could be tested", () => {
    const [k, b, c] = TESTED.regression;
    const lone = key("1,1", "transactionsPerSec", "legacy"); // one repetition: no test, no mode figure
    const got = analyse(
      index(series(k, b), series(lone, [100.5])),
      index(series(k, c), series(lone, [99.5])),
      { kind: "raw" },
      T,
    );
    const ebpf = got.modes.find((m) => m.mode === "ebpf")?.detectableWorsening as number;
    expect(got.modes.find((m) => m.mode === "legacy")?.detectableWorsening).toBeNull();
    expect(got.sensitivity).toMatch(
      /^at n = 4 per run and the spread measured here, .* \(median over 1 points\), /,
    );
    expect(
      got.sensitivity.endsWith(`a mode when worse on average by about ebpf ${(ebpf * 100).toFixed(1)}%`),
    ).toBe(true);
  });

  it("names no number of repetitions when the estimate sits on a boundary", () => {
    // the candidate is the baseline × 0.95 exactly: the estimate is the threshold itself
    const k = key("1,1");
    const base = [100.5, 120.5, 90.5, 110.5];
    const got = analyse(
      index(series(k, base)),
      index(
        series(
          k,
          base.map((x) => x * 0.95),
        ),
      ),
      { kind: "raw" },
      T,
    ).points[0];
    expect(got?.verdict).toBe("inconclusive");
    expect(got).not.toHaveProperty("repetitionsToDecide");
    expect(got?.reason).toMatch(
      /; no practical number of repetitions \(over 10,000\) decides it at this spread: the estimate is too close to a boundary$/,
    );
  });
});

describe("analyse: an interval that reaches past one side of the threshold only", () => {
  // two points, α = 0.025/2 each: about 6% worse and 6% better, each interval clear of the other
  // side's bound but not of its own, and neither shown beyond the threshold: undecided, never
  // unchanged
  const base = [100.5, 101.5, 99.5, 100.25];
  const worse = [94.8, 95.1, 93.2, 94.3];
  const better = [106.6, 107.4, 105.3, 106.4];
  const [kw, kb] = [key("1,1"), key("64,64")];
  const run = () =>
    analyse(
      index(series(kw, base), series(kb, base)),
      index(series(kw, worse), series(kb, better)),
      { kind: "raw" },
      T,
    );

  it("is undecided, not unchanged, when the interval crosses the lower bound only", () => {
    const w = expected(base, worse, false, 0.025 / 2);
    const adjusted = holm([w.pWorse, expected(base, better, false, 0.025 / 2).pWorse])[0] as number;
    expect([w.low < LOWER, w.high <= UPPER, adjusted > 0.025]).toEqual([true, true, true]);
    expect(run().points.find((p) => p.size === "1,1")).toMatchObject({
      verdict: "inconclusive",
      reason: expect.stringMatching(/^worse by 6\.\d%, but not shown worse than −5%/),
    });
  });

  it("is undecided, not unchanged, when the interval crosses the upper bound only", () => {
    const b = expected(base, better, false, 0.025 / 2);
    const adjusted = holm([expected(base, worse, false, 0.025 / 2).pBetter, b.pBetter])[1] as number;
    expect([b.low >= LOWER, b.high > UPPER, adjusted > 0.025]).toEqual([true, true, true]);
    expect(run().points.find((p) => p.size === "64,64")).toMatchObject({
      verdict: "inconclusive",
      reason: expect.stringMatching(/^better by 6\.\d%, but not shown better than \+5%/),
    });
  });

  it("cannot test a candidate with a zero", () => {
    const got = analyse(index(series(kw, base)), index(series(kw, [0, 1.5, 2.5, 3.5])), { kind: "raw" }, T);
    expect(got.points[0]).toMatchObject({
      verdict: "inconclusive",
      baselineN: 4,
      candidateN: 0,
      reason: "a value is zero or negative: no ratio can be formed",
    });
  });
});

describe("analyse, normalised by an in-run reference mode", () => {
  const ebpf = key("1,1");
  const legacy = key("1,1", "transactionsPerSec", "legacy");
  const lonely = key("64,64");
  const lonelyRef = key("64,64", "transactionsPerSec", "legacy");
  const zero = key("128,128");
  const zeroRef = key("128,128", "transactionsPerSec", "legacy");
  const analysis = () =>
    analyse(
      index(
        series(ebpf, [110.5, 121.5, 99.5, 115.5]),
        series(legacy, [100.5, 110.5, 90.5, 105.5], [2, 9]),
        series(lonely, [10.5, 11.5]),
        series(zero, [10.5, 11.5]),
        series(zeroRef, [10.5, 0]),
      ),
      index(
        series(ebpf, [110.5, 121.5, 99.5, 115.5]),
        series(legacy, [100.5, 110.5, 90.5, 105.5]),
        series(lonely, [10.5, 11.5]),
        series(lonelyRef, [10.5, 11.5]),
        series(zero, [10.5, 11.5]),
        series(zeroRef, [10.5, 11.5]),
      ),
      { kind: "normalised", reference: "legacy" },
      T,
    );

  it("judges every mode but the reference, and counts the reference's noisy repetitions the mode shares", () => {
    const got = analysis();
    expect(got.basis).toEqual({ kind: "normalised", reference: "legacy" });
    expect(got.points.every((p) => p.mode === "ebpf")).toBe(true);
    expect(got.points.map((p) => p.size)).toEqual(["1,1", "128,128", "64,64"]);
    // legacy's noisy repetitions 2 and 9: ebpf has 2, not 9
    expect(got.points.find((p) => p.size === "1,1")).toMatchObject({
      verdict: "inconclusive",
      noisyTrials: 1,
      baselineMedian: expect.closeTo(
        Math.exp(medianOf([110.5 / 100.5, 121.5 / 110.5, 99.5 / 90.5, 115.5 / 105.5].map(Math.log))),
        12,
      ),
      reason: expect.stringMatching(/^not tested: 1 baseline and 0 candidate repetition\(s\)/),
    });
  });

  it("calls a point whose reference is in one run only missing, saying so", () => {
    expect(analysis().points.find((p) => p.size === "64,64")).toMatchObject({
      verdict: "missing",
      baselineN: 0,
      candidateN: 2,
      reason: "measured with its legacy reference in the same repetition in the candidate only",
    });
    expect(analysis().points.find((p) => p.size === "128,128")).toMatchObject({
      verdict: "inconclusive",
      reason: "a value is zero or negative: no ratio can be formed",
    });
  });
});
