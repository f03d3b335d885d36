/**
 * The adaptive stopping rule (--target-ci and the standard profile): which points need another
 * interleaved block, and the loop that adds blocks until every point is precise enough, has its
 * maximum, or the time budget would be passed.
 */

import type { TrialRecord } from "../results/schema.js";
import { comparedMetrics } from "../stats/metrics.js";
import { comparePoint, PointTrials, pointPrecision, precisionPair } from "../stats/point-comparison.js";
import { cleanPairsShort, pairsToTarget } from "../stats/precision-shortfall.js";
import { trialSeconds } from "../stats/summary.js";
import { type Point, planBlock } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { type CurrentMode, type ExecuteContext, executeTrials } from "./execute.js";

/**
 * --target-ci (the adaptive stopping rule): a point needs another block while it has not
 * reached the target (stats/point-comparison.ts `pointPrecision`, the rule the summary's
 * precision rows state: every compared metric's interval of the precision pair within
 * ±targetCiPct % of its ratio), until it has maxRepetitions blocks. Points are judged only after
 * the sweep's minimum repetitions: stopping on a lucky small spread at n = 3 would cost
 * coverage (test/unit/stats/ratio.test.ts simulates the rule).
 */
export function pointsNeedingRepetitions(
  sweep: Sweep,
  points: readonly Point[],
  records: readonly TrialRecord[],
): Point[] {
  return repetitionNeeds(sweep, points, records).map((need) => need.point);
}

/**
 * A point that needs another block, with its pairs and its widest interval now (null: none
 * yet), and the clean pairs its comparisons over pairs kept noisy still lack (`cleanPairsShort`).
 */
export interface RepetitionNeed {
  point: Point;
  pairs: number;
  worstHalfWidth: number | null;
  cleanShort?: number;
}

/** The points that need another block (pointsNeedingRepetitions), with where each stands. */
export function repetitionNeeds(
  sweep: Sweep,
  points: readonly Point[],
  records: readonly TrialRecord[],
): RepetitionNeed[] {
  const target = sweep.targetCiPct;
  if (!target) return [];
  const pair = precisionPair(sweep.modes);
  if (!pair) return [];
  return points.flatMap((point): RepetitionNeed[] => {
    const mine = new PointTrials(point.key, records, sweep.order);
    const blocks = new Set(mine.completed.map((r) => r.block));
    if (blocks.size >= sweep.maxRepetitions) return [];
    if (blocks.size < sweep.repetitions) return [{ point, pairs: blocks.size, worstHalfWidth: null }];
    const metrics = comparedMetrics(sweep, point.test);
    const compared = metrics.flatMap(
      (metric) => comparePoint(sweep, point, mine, metric, pair.baseline, pair.candidate) ?? [],
    );
    const precision = pointPrecision(compared, metrics.length, target);
    const cleanShort = Math.max(0, ...compared.map(cleanPairsShort));
    return precision.reached === false
      ? [{ point, pairs: precision.pairs, worstHalfWidth: precision.worstHalfWidth, cleanShort }]
      : [];
  });
}

/**
 * Pairs a point still needs for ±targetPct, from where it stands (stats `pairsToTarget`), and at
 * least the clean pairs it lacks where its interval rests on pairs kept noisy; null without an
 * interval.
 */
export function pairsStillNeeded(need: RepetitionNeed, targetPct: number): number | null {
  if (need.worstHalfWidth === null) return null;
  return Math.max(pairsToTarget(need.pairs, need.worstHalfWidth, targetPct), need.cleanShort ?? 0);
}

/**
 * Which of the needing points the next block runs when the time budget binds: every point
 * without an interval yet (it has not had the sweep's repetitions), then the others by the
 * pairs they still need, fewest first, as long as all of theirs fit in the point-blocks left
 * (one point-block: one trial per mode). Spending the rest on points that would still miss
 * the target when it runs out would leave more points short. When none fits (none can reach
 * it in what is left), every needing point, so the rest of the budget narrows them all
 * rather than leaving them at the sweep's minimum. Without a budget, every needing point. Pure.
 */
export function allocateBlock(
  needs: readonly RepetitionNeed[],
  targetPct: number,
  pointBlocksLeft: number | null,
): Point[] {
  if (pointBlocksLeft === null) return needs.map((need) => need.point);
  const first = needs.filter((need) => need.worstHalfWidth === null);
  const ranked = needs
    .flatMap((need) => {
      const still = pairsStillNeeded(need, targetPct);
      return still === null ? [] : [{ need, still }];
    })
    .sort((a, b) => a.still - b.still);
  let left = pointBlocksLeft - first.length;
  const chosen = [...first];
  for (const { need, still } of ranked) {
    if (still > left) break;
    chosen.push(need);
    left -= still;
  }
  // none can reach it any more: the rest of the budget narrows them all, as without a budget
  if (chosen.length === 0) return needs.map((need) => need.point);
  // in plan order, as the block interleaves them
  return needs.filter((need) => chosen.includes(need)).map((need) => need.point);
}

/**
 * The most blocks a run may number. Without a time budget every needing point is in each
 * block, so no point can pass maxRepetitions blocks. Under a budget a block may hold one point
 * (allocateBlock), so the run may number up to maxRepetitions for each point: the budget and
 * each point's own maxRepetitions (repetitionNeeds) end it sooner. Pure.
 */
export function blockCap(sweep: Pick<Sweep, "maxRepetitions" | "timeBudgetMin">, pointCount: number): number {
  return sweep.timeBudgetMin === undefined
    ? sweep.maxRepetitions
    : sweep.maxRepetitions * Math.max(1, pointCount);
}

/**
 * Plans and runs extra interleaved blocks until every point meets --target-ci, hits
 * maxRepetitions, or the next block would take the trials past the sweep's time budget.
 */
export async function extendToTargetCi(
  context: ExecuteContext,
  points: readonly Point[],
  currentMode: CurrentMode,
): Promise<boolean> {
  const { sweep } = context;
  let block = Math.max(0, ...context.records.map((r) => r.block));
  for (;;) {
    const needs = repetitionNeeds(sweep, points, context.records);
    // Bounded by block count too, so points whose trials keep failing cannot loop forever.
    if (needs.length === 0 || block >= blockCap(sweep, points.length)) return true;
    let needing = needs.map((need) => need.point);
    if (sweep.timeBudgetMin !== undefined) {
      const spent = trialSeconds(context.records);
      const perTrial = spent / Math.max(1, context.records.length);
      const pointBlock = sweep.modes.length * perTrial;
      const left = Math.floor((sweep.timeBudgetMin * 60 - spent) / pointBlock);
      needing = allocateBlock(needs, sweep.targetCiPct ?? 0, left);
      if (spent + needing.length * pointBlock > sweep.timeBudgetMin * 60) return true;
    }
    block++;
    const finished = await executeTrials(context, planBlock(sweep, needing, block), currentMode, "adaptive");
    if (!finished) return false;
  }
}
