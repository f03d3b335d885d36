/**
 * Percentile bootstrap confidence intervals, seeded. Medians, not means: netperf samples on a
 * shared machine have heavy tails (a descheduled run), and the median shrugs them off.
 */
import { median, quantileSorted } from "simple-statistics";
import type { Random } from "../util/random.js";

export const BOOTSTRAP_RESAMPLES = 2000;
export const CONFIDENCE = 0.95;

export interface Interval {
  low: number;
  high: number;
}

function resample(values: readonly number[], random: Random): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[Math.floor(random() * values.length)] as number;
  return out;
}

function percentileInterval(estimates: number[], confidence: number): Interval {
  estimates.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { low: quantileSorted(estimates, tail), high: quantileSorted(estimates, 1 - tail) };
}

/** 95% bootstrap CI of the median; null when there are fewer than 2 values. */
export function medianInterval(
  values: readonly number[],
  random: Random,
  resamples = BOOTSTRAP_RESAMPLES,
  confidence = CONFIDENCE,
): Interval | null {
  if (values.length < 2) return null;
  const estimates = Array.from({ length: resamples }, () => median(resample(values, random)));
  return percentileInterval(estimates, confidence);
}

/**
 * 95% bootstrap CI of median(candidate) / median(baseline).
 * paired: candidate[i] and baseline[i] ran in the same block; blocks are resampled together,
 * so drift that hit both modes of a block cancels.
 */
export function ratioInterval(
  baseline: readonly number[],
  candidate: readonly number[],
  paired: boolean,
  random: Random,
  resamples = BOOTSTRAP_RESAMPLES,
  confidence = CONFIDENCE,
): Interval | null {
  if (baseline.length < 2 || candidate.length < 2) return null;
  if (paired && baseline.length !== candidate.length)
    throw new Error("ratioInterval: paired samples differ in length");
  const estimates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let b: number[];
    let c: number[];
    if (paired) {
      b = new Array<number>(baseline.length);
      c = new Array<number>(candidate.length);
      for (let i = 0; i < baseline.length; i++) {
        const j = Math.floor(random() * baseline.length);
        b[i] = baseline[j] as number;
        c[i] = candidate[j] as number;
      }
    } else {
      b = resample(baseline, random);
      c = resample(candidate, random);
    }
    const denominator = median(b);
    if (denominator !== 0) estimates.push(median(c) / denominator);
  }
  return estimates.length > 0 ? percentileInterval(estimates, confidence) : null;
}

/**
 * Percentile bootstrap of a two-sample estimate (independent samples), at several confidence
 * levels from the same replicates.
 */
export function twoSampleIntervals(
  baseline: readonly number[],
  candidate: readonly number[],
  estimate: (baseline: readonly number[], candidate: readonly number[]) => number,
  random: Random,
  confidences: readonly number[],
  resamples = BOOTSTRAP_RESAMPLES,
): Interval[] | null {
  if (baseline.length < 2 || candidate.length < 2) return null;
  const estimates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const value = estimate(resample(baseline, random), resample(candidate, random));
    if (Number.isFinite(value)) estimates.push(value);
  }
  if (estimates.length === 0) return null;
  estimates.sort((a, b) => a - b);
  return confidences.map((confidence) => {
    const tail = (1 - confidence) / 2;
    return { low: quantileSorted(estimates, tail), high: quantileSorted(estimates, 1 - tail) };
  });
}
