/**
 * Welch's t on log values: linear contrasts of independent samples' means with
 * Welch–Satterthwaite degrees of freedom. The release gate's per-point and per-mode tests,
 * their intervals and the repetitions they need all come from here, so the estimate, the
 * interval and the test describe one quantity (a difference of mean logs, i.e. a ratio of
 * geometric means). Valid at small n when the log values are roughly normal; it has no
 * p-value floor, unlike an exact permutation test over 3 against 3 labellings. Pure.
 */
import { studentTCdf, studentTQuantile } from "./student-t.js";

/** One sample on the scale tested: its size, mean, variance and the variance rounding alone adds. */
export interface LogSample {
  n: number;
  mean: number;
  /** Sample variance (n − 1 denominator); 0 when n < 2. */
  variance: number;
  /**
   * A floor under `variance`: the variance rounding to the values' resolution adds. Without
   * it, tied whole-number latencies (netperf prints percentiles in whole µs) give a zero
   * variance, an infinite t and a zero-width interval.
   */
  resolutionVariance: number;
}

/** A sample of differences or of scores computed elsewhere, already on the tested scale. */
export function sampleOf(values: readonly number[], resolutionVariance = 0): LogSample {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const variance = n < 2 ? 0 : values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  return { n, mean, variance, resolutionVariance };
}

/**
 * The log values of positive measurements. When every value is a whole number they are
 * taken as rounded to 1 unit: uniform rounding error of variance 1/12, on the log scale
 * 1/(12·x²) at the geometric mean x.
 */
export function logSample(values: readonly number[]): LogSample {
  const logs = values.map((v) => Math.log(v));
  const sample = sampleOf(logs);
  const rounded = values.every((v) => Number.isInteger(v));
  return { ...sample, resolutionVariance: rounded ? 1 / (12 * Math.exp(sample.mean) ** 2) : 0 };
}

export interface Contrast {
  /** Σ weight·mean. */
  estimate: number;
  /** Its standard error. */
  se: number;
  /** Welch–Satterthwaite degrees of freedom; null when no term has n ≥ 2. */
  df: number | null;
}

/** Σ weight·mean over independent samples, with Welch's standard error and degrees of freedom. */
export function welchContrast(terms: readonly { sample: LogSample; weight: number }[]): Contrast {
  let estimate = 0;
  let varianceSum = 0;
  let dfDenominator = 0;
  let informative = false;
  for (const { sample, weight } of terms) {
    estimate += weight * sample.mean;
    const v = (weight ** 2 * Math.max(sample.variance, sample.resolutionVariance)) / sample.n;
    varianceSum += v;
    if (sample.n >= 2) {
      informative = true;
      dfDenominator += v ** 2 / (sample.n - 1);
    }
  }
  const df = !informative || varianceSum === 0 ? null : varianceSum ** 2 / dfDenominator;
  return { estimate, se: Math.sqrt(varianceSum), df };
}

/** The difference candidate − baseline of two samples' means. */
export function welchDifference(baseline: LogSample, candidate: LogSample): Contrast {
  return welchContrast([
    { sample: candidate, weight: 1 },
    { sample: baseline, weight: -1 },
  ]);
}

/** P(estimate this low or lower | true value `under`): the one-sided p of "lower than `under`". */
export function pBelow(contrast: Contrast, under = 0): number | null {
  if (contrast.df === null || contrast.se === 0) return null;
  return studentTCdf((contrast.estimate - under) / contrast.se, contrast.df);
}

/** One-sided bounds at level `alpha` each side: [estimate − t·se, estimate + t·se]. */
export function bounds(contrast: Contrast, alpha: number): { low: number; high: number } | null {
  if (contrast.df === null) return null;
  const half = studentTQuantile(1 - alpha, contrast.df) * contrast.se;
  return { low: contrast.estimate - half, high: contrast.estimate + half };
}

/**
 * The repetitions per run at which an estimate `distance` from the boundary it must clear
 * would clear it at one-sided level `alpha`, assuming the spread stays as measured: the
 * standard error shrinks as √(n₀/n) and the degrees of freedom grow as (n − 1)/(n₀ − 1).
 * Always more than `n` (the repetitions that did not decide); null beyond `limit`.
 */
export function repetitionsToClear(
  contrast: Contrast,
  n: number,
  distance: number,
  alpha: number,
  limit = 10_000,
): number | null {
  if (contrast.df === null || !(distance > 0)) return null;
  const df = contrast.df;
  const clears = (m: number) =>
    studentTQuantile(1 - alpha, Math.max(df * ((m - 1) / Math.max(n - 1, 1)), 1)) *
      contrast.se *
      Math.sqrt(n / m) <
    distance;
  let high = n + 1;
  while (!clears(high)) {
    if (high >= limit) return null;
    high = Math.min(high * 2, limit);
  }
  let low = n;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (clears(middle)) high = middle;
    else low = middle;
  }
  return high;
}
