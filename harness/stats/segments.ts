/**
 * The estimator of the segmented design (sweep/plan.ts): the two routing modes ran in few
 * segments between switches, mirrored in time (A BB A, or A BB AA BB A), each segment many
 * blocks. The unit of replication is the segment, not the trial: a switch can bring changes
 * that last for its whole segment (on AKS, reimaged nodes), and a cluster drifts over the
 * hours the run takes. So:
 *
 * - each segment gives one value, the mean log value of its blocks;
 * - the estimate is the difference of the two modes' mean segment values (a ratio of
 *   geometric means): with the mirrored order, the modes' segments have the same mean time,
 *   so a drift linear in time cancels exactly;
 * - its interval is Student's t with the segments' pooled spread, K − 2 degrees of freedom
 *   for K segments (A BB A: 1). It assumes that what changes from segment to segment apart
 *   from the mode is independent between segments, with one variance; a linear drift only
 *   widens it (conservative).
 *
 * It cannot separate from the mode: a drift that is not linear in time (its curvature lands
 * on the middle segments), or a change that one switch brought and kept for its segment,
 * beyond what the replicated segments show. Coverage with and without drift, and what the
 * trial-level estimator would claim on the same data: test/unit/stats/segments.test.ts
 * (seeded simulation). Pure.
 */
import { CONFIDENCE, type RatioEstimate } from "./ratio.js";
import { bounds, type Contrast, pBelow } from "./welch.js";

/** One segment's completed values of a mode at one point and metric (any order). */
export interface SegmentValues {
  /** The candidate mode's segment (true) or the baseline's (false). */
  candidate: boolean;
  values: readonly number[];
}

export interface SegmentEstimate extends RatioEstimate {
  /** Segments the interval rests on (with at least one value). */
  segments: number;
  /** Degrees of freedom of the interval: segments − 2; null below 3 segments. */
  df: number | null;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The candidate/baseline ratio from segment means; null when a value is not positive or a mode has no segment. */
export function segmentRatio(segments: readonly SegmentValues[]): SegmentEstimate | null {
  const used = segments.filter((s) => s.values.length > 0);
  if (used.some((s) => s.values.some((v) => !(v > 0)))) return null;
  const logMeans = (candidate: boolean) =>
    used.filter((s) => s.candidate === candidate).map((s) => mean(s.values.map(Math.log)));
  const baseline = logMeans(false);
  const candidate = logMeans(true);
  if (baseline.length === 0 || candidate.length === 0) return null;
  const k = baseline.length + candidate.length;
  const df = k - 2 >= 1 ? k - 2 : null;
  const squares = (ys: number[]) => {
    const m = mean(ys);
    return ys.reduce((sum, y) => sum + (y - m) ** 2, 0);
  };
  // whole-number values (latencies in µs): rounding alone leaves this much variance per segment mean
  const whole = used.every((s) => s.values.every((v) => Number.isInteger(v)));
  const rounding = whole
    ? Math.max(...used.map((s) => 1 / (12 * Math.exp(mean(s.values.map(Math.log))) ** 2) / s.values.length))
    : 0;
  const variance = df === null ? 0 : Math.max((squares(baseline) + squares(candidate)) / df, rounding);
  const contrast: Contrast = {
    estimate: mean(candidate) - mean(baseline),
    se: Math.sqrt(variance * (1 / baseline.length + 1 / candidate.length)),
    df,
  };
  const decidable = df !== null && contrast.se > 0;
  const interval = decidable ? bounds(contrast, (1 - CONFIDENCE) / 2) : null;
  const below = decidable ? pBelow(contrast, 0) : null;
  return {
    ratio: Math.exp(contrast.estimate),
    ciLow: interval ? Math.exp(interval.low) : null,
    ciHigh: interval ? Math.exp(interval.high) : null,
    pValue: below === null ? null : Math.min(1, 2 * Math.min(below, 1 - below)),
    n: k,
    paired: false,
    sdLogRatio: null,
    decidable,
    segments: k,
    df,
  };
}
