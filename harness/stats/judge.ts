/**
 * The verdict, given once: the run's comparisons are one family, Holm-adjusted together, and
 * each gets its verdict from its adjusted p (`judge`), unless the design or its pairs cannot
 * decide (`undecided`). Nothing else words a verdict. Pure.
 */
import type { Comparison, UndecidedReason, Verdict } from "../results/summary-schema.js";
import { keyOf } from "../sweep/point.js";
import { holmAdjust } from "./holm.js";
import type { Estimated } from "./point-comparison.js";
import { MIN_PAIRS } from "./ratio.js";

/** Family-wise error rate of a run's verdicts (Holm across all its comparisons). */
export const SIGNIFICANCE = 0.05;

/** The caveat of a before/after (blocked) comparison of the two routing modes: it is not a test of the mode. */
export const BLOCKED_CAVEAT =
  "before/after design (one switch): drift over the run and the mode are confounded, not a finding";

/**
 * better/worse only when the adjusted p is below SIGNIFICANCE (lower is better for latency);
 * no p (no test) is `undecided`, never "no significant difference".
 */
export function judge(ratio: number, pAdjusted: number | null, lower: boolean): Verdict {
  if (pAdjusted === null) return "undecided";
  if (pAdjusted >= SIGNIFICANCE) return "no significant difference";
  const higher = ratio > 1;
  return higher !== lower ? "better" : "worse";
}

/** Why a comparison cannot decide, in a word and in words; null when it can. */
export function undecided(
  c: Pick<Estimated, "n" | "ciLow" | "noisyPairs" | "segments" | "confounded" | "noisyIncluded">,
): { reason: UndecidedReason; caveat: string } | null {
  // the design's own limit: a before/after run tests nothing
  if (c.confounded) return { reason: "confounded-design", caveat: BLOCKED_CAVEAT };
  if (c.segments !== undefined) {
    // segmented: n counts segments, and 3 of them (A BB A) give an interval
    if (c.ciLow === null)
      return { reason: "too-few-segments", caveat: `${c.segments} segments: an interval needs 3 (A BB A)` };
  } else if (c.n < MIN_PAIRS)
    return {
      reason: "too-few-pairs",
      caveat: `too few pairs to decide (n = ${c.n}; an interval needs ${MIN_PAIRS})`,
    };
  // enough pairs, but a noisy trial never decides: without the noisy pairs too few were left
  if (c.noisyIncluded)
    return {
      reason: "noisy-pairs",
      caveat: `a trial stayed noisy (the machine too busy, or its rate unsteady within the trial) in ${c.noisyPairs} of ${c.n} ${c.segments !== undefined ? "blocks" : "pairs"} (kept after every allowed repeat), and the others are too few to decide: not a finding`,
    };
  if (c.ciLow === null)
    return {
      reason: "no-interval",
      caveat: `no interval: the ${c.n} pairs' ratios do not vary, so nothing can be tested`,
    };
  return null;
}

/** Judges the run's comparisons as one family: Holm-adjusted p, verdict, and why one cannot decide (in order). */
export function judgeFamily(comparisons: readonly Estimated[]): Comparison[] {
  const adjusted = holmAdjust(comparisons.map((c) => c.pValue));
  return comparisons.map((c, i): Comparison => {
    const pAdjusted = adjusted[i] ?? null;
    const open = undecided(c);
    // the stored field order: the point, the pair, the estimate, the verdict, then what qualifies it
    return {
      ...keyOf(c),
      metric: c.metric,
      baseline: c.baseline,
      candidate: c.candidate,
      ...(c.segments !== undefined ? { segments: c.segments } : {}),
      ratio: c.ratio,
      ciLow: c.ciLow,
      ciHigh: c.ciHigh,
      pValue: c.pValue,
      paired: c.paired,
      n: c.n,
      halfWidth: c.halfWidth,
      lowerIsBetter: c.lowerIsBetter,
      verdict: open ? "undecided" : judge(c.ratio, pAdjusted, c.lowerIsBetter),
      pAdjusted,
      noisyPairs: c.noisyPairs,
      unbalancedPairs: c.unbalancedPairs,
      ...(open ? { undecidedReason: open.reason, caveat: open.caveat } : {}),
    };
  });
}
