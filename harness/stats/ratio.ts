/**
 * The within-run comparison of two modes at one point: one quantity, the mean log ratio
 * candidate/baseline, with its estimate (the geometric mean ratio), its 95% interval and its
 * two-sided test all from Student's t.
 *
 * paired (interleaved blocks): d_i = ln(candidate_i / baseline_i) per block, a one-sample t
 *   on d with n − 1 degrees of freedom; drift that hit both modes of a block cancels in d_i.
 * unpaired (blocked order): Welch's t on the two samples' log values.
 *
 * netperf prints latency percentiles in whole microseconds: when every value is a whole
 * number the variance never falls below what rounding adds (1/(12·x²) per value on the log
 * scale), so tied percentiles do not make a zero-width interval.
 *
 * Coverage of the 95% interval is ≥ 93% from MIN_PAIRS pairs on for normal, heavy-tailed
 * (t with 3 df), descheduled (either trial of a pair slowed now and then) and outlier-
 * contaminated log ratios, and under the adaptive stopping rule from 8 pairs
 * (test/unit/stats/ratio.test.ts, seeded simulation). Pure.
 *
 * Kept against robust estimators (test/unit/stats/estimators.test.ts, `bench:estimators`):
 * with bursts (one trial of a quarter of the pairs 15–30% slow, either mode) it still covers
 * ≥ 93% at 6–39 pairs, unbiased (±6.2% wide at 20 pairs); Hodges–Lehmann's exact interval is
 * as honest and narrower from 20 pairs on (±4.8%), a 20% trimmed mean narrower still (±3.2%)
 * but only 93.6–94.5% when quiet (4,000 runs a cell); ties (whole-µs latency percentiles give zero log ratios) make its
 * exact interval and test a change of its own; and a burst that favours one mode biases
 * every estimator (−3 to −6%), so such trials are found and repeated instead.
 */
import {
  bounds,
  type Contrast,
  logSample,
  pBelow,
  sampleOf,
  welchContrast,
  welchDifference,
} from "./welch.js";

export const CONFIDENCE = 0.95;

/**
 * Fewer pairs than this and no interval is printed: the comparison says it cannot decide.
 * With descheduled trials (heavy-tailed log ratios) the t interval covers 84% at 4 pairs,
 * 90% at 5 and 94% at 6 (seeded simulation in ratio.test.ts); normal noise is fine from 3.
 */
export const MIN_PAIRS = 6;

export interface RatioEstimate {
  /** exp(mean log ratio): the geometric mean of candidate/baseline. */
  ratio: number;
  /** 95% interval of the ratio; null when there are too few pairs (see `decidable`). */
  ciLow: number | null;
  ciHigh: number | null;
  /** Two-sided p of "the modes do not differ" (t test on the log ratios). */
  pValue: number | null;
  n: number;
  paired: boolean;
  /** Standard deviation of the per-pair log ratios (paired), null otherwise or when n < 2. */
  sdLogRatio: number | null;
  /** Enough pairs for an interval and a test. */
  decidable: boolean;
}

function twoSided(contrast: Contrast): number | null {
  const below = pBelow(contrast, 0);
  return below === null ? null : Math.min(1, 2 * Math.min(below, 1 - below));
}

function estimate(contrast: Contrast, n: number, paired: boolean, sdLogRatio: number | null): RatioEstimate {
  const decidable = n >= MIN_PAIRS && contrast.df !== null && contrast.se > 0;
  const interval = decidable ? bounds(contrast, (1 - CONFIDENCE) / 2) : null;
  return {
    ratio: Math.exp(contrast.estimate),
    ciLow: interval ? Math.exp(interval.low) : null,
    ciHigh: interval ? Math.exp(interval.high) : null,
    pValue: decidable ? twoSided(contrast) : null,
    n,
    paired,
    sdLogRatio,
    decidable,
  };
}

/** Paired comparison; null when a value is not positive (no log ratio) or there are no pairs. */
export function pairedRatio(baseline: readonly number[], candidate: readonly number[]): RatioEstimate | null {
  if (baseline.length !== candidate.length) throw new Error("pairedRatio: samples differ in length");
  if (baseline.length === 0 || [...baseline, ...candidate].some((v) => !(v > 0))) return null;
  const logRatios = baseline.map((b, i) => Math.log((candidate[i] as number) / b));
  const whole = [...baseline, ...candidate].every((v) => Number.isInteger(v));
  const rounding = whole
    ? baseline.reduce((sum, b, i) => sum + 1 / (12 * b * b) + 1 / (12 * (candidate[i] as number) ** 2), 0) /
      baseline.length
    : 0;
  const sample = sampleOf(logRatios, rounding);
  return estimate(
    welchContrast([{ sample, weight: 1 }]),
    logRatios.length,
    true,
    logRatios.length >= 2 ? Math.sqrt(sample.variance) : null,
  );
}

/** Unpaired comparison (Welch on log values); null when a value is not positive or a sample is empty. */
export function unpairedRatio(
  baseline: readonly number[],
  candidate: readonly number[],
): RatioEstimate | null {
  if (baseline.length === 0 || candidate.length === 0) return null;
  if ([...baseline, ...candidate].some((v) => !(v > 0))) return null;
  return estimate(
    welchDifference(logSample(baseline), logSample(candidate)),
    Math.min(baseline.length, candidate.length),
    false,
    null,
  );
}

/** Half the interval's width relative to the ratio (0.03 = ±3%), or null without an interval. */
export function relativeHalfWidth(
  estimate: Pick<RatioEstimate, "ratio" | "ciLow" | "ciHigh">,
): number | null {
  if (estimate.ciLow === null || estimate.ciHigh === null) return null;
  return (estimate.ciHigh - estimate.ciLow) / 2 / estimate.ratio;
}
