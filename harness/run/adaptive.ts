/**
 * The adaptive stopping rule (--target-ci and the standard profile): which points need another
 * interleaved block, and the loop that adds blocks until every point is precise enough, has its
 * maximum, or the time budget would be passed.
 */

import type { TrialRecord } from "../results/schema.js";
import { comparedMetrics } from "../stats/metrics.js";
import { comparePoint, PointTrials, pointPrecision, precisionPair } from "../stats/point-comparison.js";
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
  const target = sweep.targetCiPct;
  if (!target) return [];
  const pair = precisionPair(sweep.modes);
  if (!pair) return [];
  return points.filter((point) => {
    const mine = new PointTrials(point.key, records, sweep.order);
    const blocks = new Set(mine.completed.map((r) => r.block));
    if (blocks.size >= sweep.maxRepetitions) return false;
    if (blocks.size < sweep.repetitions) return true;
    const metrics = comparedMetrics(sweep, point.test);
    const compared = metrics.flatMap(
      (metric) => comparePoint(sweep, point, mine, metric, pair.baseline, pair.candidate) ?? [],
    );
    return pointPrecision(compared, metrics.length, target).reached === false;
  });
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
    const needing = pointsNeedingRepetitions(sweep, points, context.records);
    // Bounded by block count too, so points whose trials keep failing cannot loop forever.
    if (needing.length === 0 || block >= sweep.maxRepetitions) return true;
    if (sweep.timeBudgetMin !== undefined) {
      const spent = trialSeconds(context.records);
      const perTrial = spent / Math.max(1, context.records.length);
      const next = needing.length * sweep.modes.length * perTrial;
      if (spent + next > sweep.timeBudgetMin * 60) return true;
    }
    block++;
    const finished = await executeTrials(context, planBlock(sweep, needing, block), currentMode);
    if (!finished) return false;
  }
}
