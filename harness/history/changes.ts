/**
 * Step changes in one series of runs (one point, mode and metric, oldest run first). Pure.
 *
 * Each run contributes its median on the log scale, so a step is a ratio. Binary segmentation:
 *   locate   the split that maximises the E-divisive means statistic of Matteson & James (2014),
 *            the location rule Hunter and Orion use (exponent 1, the segment's end fixed, as
 *            Hunter does), with at least MIN_SEGMENT runs on each side;
 *   test     a two-sample t-test of the log medians on either side, the variance floored by
 *            the runs' own sampling variance (from each run's 95% interval of its median) and
 *            by whole-unit rounding, Bonferroni-adjusted over the splits the locator could
 *            have chosen, so picking the best split does not inflate the false-alarm rate;
 *   recurse  into both sides while the test is significant at the caller's α.
 * Under no change the first test fails with probability ≤ α, and then nothing is reported: the
 * chance of any false step in a series is ≤ α. Why this and not PELT (or a permutation test):
 * harness/bench/history-simulation.ts, figures in README ("Change detection over runs").
 * A lone newest run cannot be a confirmed step (one run on its side); it is a `suspect` when
 * it lies outside the prediction interval of the runs since the last step.
 */
import { studentTCdf } from "../stats/student-t.js";

/** Runs needed on each side of a step. */
export const MIN_SEGMENT = 2;

/** One run's figure of the series: its median and, when it had one, the 95% interval of it. */
export interface Observation {
  value: number;
  low: number | null;
  high: number | null;
}

export interface Step {
  /** Index of the first run after the change (0-based, oldest first). */
  index: number;
  /** Geometric means of the runs on either side (within the segment tested). */
  before: number;
  after: number;
  /** after / before. */
  ratio: number;
  /** Two-sided p of the split, Bonferroni-adjusted over the candidate splits. */
  p: number;
}

export interface Suspect {
  /** The newest run's index. */
  index: number;
  /** newest / geometric mean of the runs since the last step. */
  ratio: number;
  p: number;
}

export interface DetectOptions {
  /** The false-alarm rate allowed for this series (the caller divides the run's α among its series). */
  alpha: number;
  /** Values are whole units (netperf's latency percentiles): rounding adds variance 1/12. */
  rounded?: boolean;
}

const Z95 = 1.959963984540054;

/** The log scale and each run's own sampling variance of it (null without an interval). */
function logScale(series: readonly Observation[], rounded: boolean): { y: number[]; own: (number | null)[] } {
  const y = series.map((o) => Math.log(o.value));
  const own = series.map((o) => {
    const rounding = rounded ? 1 / (12 * o.value ** 2) : 0;
    if (o.low === null || o.high === null || !(o.low > 0) || !(o.high >= o.low))
      return rounded ? rounding : null;
    const se = (Math.log(o.high) - Math.log(o.low)) / (2 * Z95);
    return Math.max(se ** 2, rounding);
  });
  return { y, own };
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

function sumSquares(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((s, v) => s + (v - m) ** 2, 0);
}

/** Mean of the known own variances in [start, end), 0 when none is known. */
function ownFloor(own: readonly (number | null)[], start: number, end: number): number {
  const known = own.slice(start, end).filter((v): v is number => v !== null);
  return known.length ? mean(known) : 0;
}

/** Sum of |a_i − b_j| over all pairs (within one sample when `same`, each pair once). */
function pairDistance(a: readonly number[], b: readonly number[], same: boolean): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = same ? i + 1 : 0; j < b.length; j++) sum += Math.abs((a[i] as number) - (b[j] as number));
  return sum;
}

/** Matteson & James's Q̂ of splitting `segment` before `tau`: between-sample energy, scaled by mn/(m+n). */
export function energyStatistic(segment: readonly number[], tau: number): number {
  const left = segment.slice(0, tau);
  const right = segment.slice(tau);
  const m = left.length;
  const n = right.length;
  const between = (2 / (m * n)) * pairDistance(left, right, false);
  const withinLeft = m > 1 ? pairDistance(left, left, true) / ((m * (m - 1)) / 2) : 0;
  const withinRight = n > 1 ? pairDistance(right, right, true) / ((n * (n - 1)) / 2) : 0;
  return ((m * n) / (m + n)) * (between - withinLeft - withinRight);
}

/** The t-test of a split: pooled variance of both sides, floored by the runs' own variance. */
function splitTest(left: readonly number[], right: readonly number[], floor: number): number {
  const m = left.length;
  const n = right.length;
  const df = m + n - 2;
  const pooled = Math.max((sumSquares(left) + sumSquares(right)) / df, floor);
  const difference = mean(right) - mean(left);
  if (pooled === 0) return difference === 0 ? 1 : 0;
  const t = Math.abs(difference) / Math.sqrt(pooled * (1 / m + 1 / n));
  return 2 * (1 - studentTCdf(t, df));
}

function segmentSteps(
  y: readonly number[],
  own: readonly (number | null)[],
  start: number,
  end: number,
  alpha: number,
): Step[] {
  const length = end - start;
  if (length < 2 * MIN_SEGMENT) return [];
  const segment = y.slice(start, end);
  let best = MIN_SEGMENT;
  let bestQ = Number.NEGATIVE_INFINITY;
  for (let tau = MIN_SEGMENT; tau <= length - MIN_SEGMENT; tau++) {
    const q = energyStatistic(segment, tau);
    if (q > bestQ) {
      bestQ = q;
      best = tau;
    }
  }
  const candidates = length - 2 * MIN_SEGMENT + 1;
  const left = segment.slice(0, best);
  const right = segment.slice(best);
  const p = Math.min(1, candidates * splitTest(left, right, ownFloor(own, start, end)));
  if (p > alpha) return [];
  const index = start + best;
  const before = Math.exp(mean(left));
  const after = Math.exp(mean(right));
  return [
    ...segmentSteps(y, own, start, index, alpha),
    { index, before, after, ratio: after / before, p },
    ...segmentSteps(y, own, index, end, alpha),
  ];
}

/** The steps of a series, oldest first. */
export function detectSteps(series: readonly Observation[], options: DetectOptions): Step[] {
  const { y, own } = logScale(series, options.rounded ?? false);
  return segmentSteps(y, own, 0, y.length, options.alpha);
}

/**
 * The newest run against the runs since the last step (at least two): a t prediction test,
 * two-sided at α, its variance floored like the split test's. Null when it fits or cannot be judged.
 */
export function newestSuspect(
  series: readonly Observation[],
  steps: readonly Step[],
  options: DetectOptions,
): Suspect | null {
  const { y, own } = logScale(series, options.rounded ?? false);
  const last = y.length - 1;
  const start = steps.at(-1)?.index ?? 0;
  const previous = y.slice(start, last);
  if (previous.length < MIN_SEGMENT || start === last) return null;
  const df = previous.length - 1;
  const variance = Math.max(sumSquares(previous) / df, ownFloor(own, start, last + 1));
  const difference = (y[last] as number) - mean(previous);
  if (variance === 0 && difference === 0) return null;
  const p =
    variance === 0
      ? 0
      : 2 * (1 - studentTCdf(Math.abs(difference) / Math.sqrt(variance * (1 + 1 / previous.length)), df));
  return p <= options.alpha ? { index: last, ratio: Math.exp(difference), p } : null;
}
