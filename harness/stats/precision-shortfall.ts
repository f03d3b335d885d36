/**
 * Why comparisons stopped short of the precision target, and what they would still take: the
 * wide-interval warning's reason and hint (stats/warnings.ts). Pure.
 */
import type { Results, TrialRecord } from "../results/schema.js";
import type { Comparison } from "../results/summary-schema.js";
import { pointId } from "../sweep/point.js";
import type { Sweep } from "../sweep/schema.js";
import { MIN_PAIRS } from "./ratio.js";
import { trialSeconds } from "./trial-seconds.js";

/**
 * Pairs a comparison at ±halfWidth (a fraction) after `pairs` pairs still needs for
 * ±targetPct %: an interval narrows as 1/√n, so n·(w/target)² in all, less the n it has. At
 * least 1. The adaptive phase plans its blocks with it (run/adaptive.ts `pairsStillNeeded`).
 */
export function pairsToTarget(pairs: number, halfWidth: number, targetPct: number): number {
  return Math.max(1, Math.ceil(pairs * ((halfWidth * 100) / targetPct) ** 2 - pairs));
}

/**
 * Whether a comparison's estimate rests on pairs kept noisy (`noisyIncluded` while estimated,
 * "noisy-pairs" once judged, stats/judge.ts): it decides nothing, however narrow its interval.
 */
export const restsOnNoisyPairs = (
  c: Pick<Comparison, "undecidedReason"> & { noisyIncluded?: boolean },
): boolean => c.noisyIncluded === true || c.undecidedReason === "noisy-pairs";

/**
 * Clean pairs a comparison whose interval rests on pairs kept noisy (fewer than MIN_PAIRS clean
 * ones were left: `noisyIncluded`, judged undecided for "noisy-pairs") still lacks for one of
 * its own: MIN_PAIRS less its clean pairs, at least 1. 0 for any other comparison: its pairs all
 * count. However narrow its interval, such a comparison reaches nothing (`pointPrecision`).
 */
export function cleanPairsShort(
  c: Pick<Comparison, "n" | "noisyPairs" | "undecidedReason"> & { noisyIncluded?: boolean },
): number {
  return restsOnNoisyPairs(c) ? Math.max(1, MIN_PAIRS - (c.n - c.noisyPairs)) : 0;
}

/**
 * The pairs in all a comparison with an interval needs for ±targetPct: n·(w/target)², as
 * `pairsToTarget` has it; one resting on pairs kept noisy, at least its n and the clean pairs it
 * lacks (`cleanPairsShort`). What the shortfall warning and `timeToTarget` both price.
 */
function pairsInAll(c: Comparison & { halfWidth: number }, targetPct: number): number {
  const short = cleanPairsShort(c);
  return Math.max(Math.ceil(c.n * ((c.halfWidth * 100) / targetPct) ** 2), short > 0 ? c.n + short : 0);
}

/** Seconds the attempts at each point took (`trialSeconds`), by `pointId`: one pass over the trials. */
function secondsByPoint(trials: readonly TrialRecord[]): Map<string, number> {
  const byPoint = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const id = pointId(t.point);
    byPoint.set(id, [...(byPoint.get(id) ?? []), t]);
  }
  return new Map([...byPoint].map(([id, list]) => [id, trialSeconds(list)]));
}

/**
 * What the points still short of the target would take: the pairs each one's widest such
 * comparison still needs (`pairsInAll` less its n, at least 1) at the seconds one of its pairs
 * took in this run; and the seconds of one block of all of them, one pair each.
 */
function stillNeeded(
  short: readonly Comparison[],
  trials: readonly TrialRecord[],
  targetPct: number,
): { pairs: number; seconds: number; blockSeconds: number } {
  const seconds = secondsByPoint(trials);
  const pairsAt = new Map<string, { pairs: number; secondsPerPair: number }>();
  for (const c of short) {
    if (c.halfWidth === null || c.n === 0) continue;
    const id = pointId(c);
    const pairs = Math.max(1, pairsInAll({ ...c, halfWidth: c.halfWidth }, targetPct) - c.n);
    if ((pairsAt.get(id)?.pairs ?? 0) >= pairs) continue;
    pairsAt.set(id, { pairs, secondsPerPair: (seconds.get(id) ?? 0) / c.n });
  }
  let pairs = 0;
  let total = 0;
  let blockSeconds = 0;
  for (const need of pairsAt.values()) {
    pairs += need.pairs;
    total += need.pairs * need.secondsPerPair;
    blockSeconds += need.secondsPerPair;
  }
  return { pairs, seconds: total, blockSeconds };
}

/**
 * What stopped the `wide` comparisons (each wider than ±targetPct %): the pair cap
 * (maxRepetitions), the time budget (the adaptive phase stops where the next block would pass
 * it), or the run's end before either (it was stopped); with the pairs and minutes those below
 * the cap would still take at the spread this run saw. `ended`, how the run ended, decides
 * between the last two: a completed run's adaptive phase stops below the cap only on its time
 * budget. Without it (a summary made apart from its run), the budget counts as the cause when
 * one more pair of these points would have passed it.
 */
export function precisionShortfall(
  sweep: Pick<Sweep, "maxRepetitions" | "timeBudgetMin">,
  targetPct: number,
  wide: readonly Comparison[],
  trials: readonly TrialRecord[],
  ended?: Results["state"],
): { reason: string; hint: string } {
  // the cap counts a point's completed blocks (run/adaptive.ts `repetitionNeeds`), not its
  // comparisons' pairs: unbalanced or noisy pairs are left out of n but not of the blocks run
  const blocks = new Map<string, Set<number>>();
  for (const t of trials)
    if (t.state === "completed") {
      const id = pointId(t.point);
      blocks.set(id, (blocks.get(id) ?? new Set()).add(t.block));
    }
  const capped = (c: Comparison) => Math.max(c.n, blocks.get(pointId(c))?.size ?? 0) >= sweep.maxRepetitions;
  const atCap = wide.filter(capped);
  const short = wide.filter((c) => !capped(c));
  const noisy = wide.filter((c) => cleanPairsShort(c) > 0).length;
  const never = `${wide.length} comparison(s) never got their CI within ±${targetPct}%${noisy > 0 ? `, ${noisy} of them only on pairs kept noisy` : ""}`;
  if (short.length === 0)
    return {
      reason: `${never} (up to ${sweep.maxRepetitions} repetitions)`,
      hint: "raise maxRepetitions in the sweep, or accept a wider --target-ci",
    };
  const need = stillNeeded(short, trials, targetPct);
  const spentSec = trialSeconds(trials);
  // the adaptive phase stops when the next block would pass the budget: within one block of
  // these points (one pair each) of it
  const budgetEnded =
    sweep.timeBudgetMin !== undefined &&
    (ended === undefined ? spentSec + need.blockSeconds > sweep.timeBudgetMin * 60 : ended === "completed");
  const pairs = short.map((c) => c.n);
  const low = Math.min(...pairs);
  const high = Math.max(...pairs);
  const span = low === high ? `${low}` : `${low}–${high}`;
  const why = budgetEnded
    ? `the ${sweep.timeBudgetMin}-minute time budget ended them at ${span} pairs`
    : `the run ended with them at ${span} pairs`;
  const still =
    need.pairs > 0
      ? `; at the spread this run saw they need about ${need.pairs} more pairs, ~${Math.ceil(need.seconds / 60)} more minute(s) of trials`
      : "";
  const cap =
    atCap.length > 0 ? `; ${atCap.length} stopped at the ${sweep.maxRepetitions}-repetition cap` : "";
  return {
    reason: `${never}: ${why}${still}${cap}`,
    hint: budgetEnded
      ? `the pairs' spread sets the time: allow it (timeBudgetMin: ${Math.ceil((spentSec + need.seconds) / 60)} in the sweep), accept a wider --target-ci, or run on a quieter machine`
      : "`routebench run --resume DIR` goes on where the run stopped, or accept a wider --target-ci",
  };
}

/** What one point of a run needs for ±targetPct: the pairs in all, and their seconds. */
export interface PointTimeToTarget {
  pointId: string;
  /** The metric of the point's comparison that needs the most pairs: the one that sets them. */
  metric: string;
  pairs: number;
  seconds: number;
}

/**
 * The time a sweep needs for every comparison of its precision pair (`pair`) to reach
 * ±targetPct % at the spread this run saw, with perfect allocation: per point, the pairs in all
 * of the comparison that needs the most (n·(w/target)², as `pairsToTarget`; one resting on pairs
 * kept noisy, at least its n and the clean pairs it lacks, `cleanPairsShort`), at least the
 * sweep's repetitions (the adaptive rule's minimum), times the seconds one of the point's pairs
 * took here (`trialSeconds`). A budget well below the sum leaves some comparison short at that
 * spread, however the blocks are allocated (`bench:time-to-target`). Comparisons without an
 * interval are left out. Pure.
 */
export function timeToTarget(
  sweep: Pick<Sweep, "repetitions">,
  pair: { baseline: string; candidate: string },
  comparisons: readonly Comparison[],
  trials: readonly TrialRecord[],
  targetPct: number,
): { seconds: number; points: PointTimeToTarget[] } {
  // per point, the comparison that needs the most pairs (the first of equals), and its n
  const most = new Map<string, { c: Comparison; needed: number }>();
  for (const c of comparisons) {
    if (c.baseline !== pair.baseline || c.candidate !== pair.candidate || c.halfWidth === null || c.n === 0)
      continue;
    const needed = pairsInAll({ ...c, halfWidth: c.halfWidth }, targetPct);
    const id = pointId(c);
    if ((most.get(id)?.needed ?? -1) < needed) most.set(id, { c, needed });
  }
  const seconds = secondsByPoint(trials);
  const points = [...most].map(([id, { c, needed }]): PointTimeToTarget => {
    const pairs = Math.max(sweep.repetitions, needed);
    return { pointId: id, metric: c.metric, pairs, seconds: pairs * ((seconds.get(id) ?? 0) / c.n) };
  });
  return { seconds: points.reduce((sum, p) => sum + p.seconds, 0), points };
}
