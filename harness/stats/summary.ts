/**
 * From trial records to the summary a report shows: per point and mode, the median with its
 * distribution-free 95% interval; per point, each candidate mode against its baseline as one
 * quantity, the mean log ratio (paired by block when interleaved), with its estimate, 95%
 * interval and t test (ratio.ts). The run's comparisons are one family: a verdict needs the
 * Holm-adjusted p below 5%, so a run where nothing differs headlines nothing in ≥ 95% of runs
 * (summary.test.ts, seeded simulation). Only completed trials count: failed and rejected
 * (wrong path, mode switched, machine too busy) attempts never do. Pure.
 *
 * The shapes it fills (PointSummary, Comparison, Summary) are declared once, as zod schemas, in
 * results/summary-schema.ts.
 */

import type { Results, TrialRecord } from "../results/schema.js";
import type { DesignSummary, PointPrecision, PointSummary, Summary } from "../results/summary-schema.js";
import { designLine } from "../sweep/design.js";
import {
  type Point,
  plannedSwitches,
  planSweep,
  type Segment,
  sweepSegments,
  switchCostOf,
} from "../sweep/plan.js";
import { groupByPoint, keyOf } from "../sweep/point.js";
import type { Sweep } from "../sweep/schema.js";
import { describe } from "./describe.js";
import { judgeFamily, SIGNIFICANCE } from "./judge.js";
import { medianInterval } from "./median-interval.js";
import { comparedMetrics, comparedPairs, summaryMetrics } from "./metrics.js";
import {
  comparePoint,
  type Estimated,
  PointTrials,
  pointPrecision,
  precisionPair,
} from "./point-comparison.js";
import { trialSeconds } from "./trial-seconds.js";
import { collectWarnings } from "./warnings.js";
import { witnessDisagreement, witnessRows } from "./witness.js";

export type {
  Comparison,
  DesignSummary,
  PointPrecision,
  PointSummary,
  Summary,
  UndecidedReason,
  Verdict,
} from "../results/summary-schema.js";
export { UNDECIDED_REASONS } from "../results/summary-schema.js";
export { trialSeconds } from "./trial-seconds.js";

export const MULTIPLICITY_METHOD = "Holm (family-wise α = 5% over the run's comparisons)";
export const ESTIMATOR =
  "geometric mean of per-block candidate/baseline ratios, 95% Student-t interval and paired t test on their logs (Welch on log values when modes ran in separate blocks)";
/** The estimator of the segmented design's eBPF/legacy contrast (stats/segments.ts). */
export const SEGMENT_ESTIMATOR =
  "eBPF/legacy: ratio of the modes' mean segment geometric means, 95% Student-t interval on the segments' pooled spread (segments − 2 degrees of freedom); baselines: per-block ratios as above";

/** Summarises a run's trials. `points` are the sweep's points (missing ones are reported as warnings). */
export function summarise(
  sweep: Sweep,
  points: readonly Point[],
  trials: readonly TrialRecord[],
  /** How the run ended, when the summary is made at its end (the wide-interval warning reads it). */
  ended?: Results["state"],
): Summary {
  const segments = sweepSegments(sweep);
  const pointSummaries: PointSummary[] = [];
  const estimated: Estimated[] = [];
  for (const point of points) {
    // this point's trials, sliced once: every step below reads them per metric and mode
    const mine = new PointTrials(point.key, trials, sweep.order);
    const compared = comparedMetrics(sweep, point.test);
    for (const metric of summaryMetrics(sweep, point.test)) {
      for (const mode of sweep.modes) {
        const data = [...mine.values(mode, metric).values()];
        if (data.length === 0) continue;
        const ci = medianInterval(data);
        pointSummaries.push({
          mode,
          ...keyOf(point),
          metric,
          ...describe(data),
          ciLow: ci?.low ?? null,
          ciHigh: ci?.high ?? null,
        });
      }
      if (!compared.includes(metric)) continue;
      for (const { baseline, candidate } of comparedPairs(sweep.modes)) {
        const comparison = comparePoint(sweep, point, mine, metric, baseline, candidate, segments);
        if (comparison) estimated.push(comparison);
      }
    }
  }
  const judged = judgeFamily(estimated);
  // no compared pair (one mode, or host and direct only): no precision to reach, as the adaptive
  // rule adds no block for it
  const pair = precisionPair(sweep.modes);
  const byPoint = groupByPoint(
    judged.filter((c) => c.baseline === pair?.baseline && c.candidate === pair?.candidate),
  );
  const precision = points.map((point): PointPrecision => {
    const reached = pointPrecision(
      byPoint.get(point) ?? [],
      comparedMetrics(sweep, point.test).length,
      pair ? sweep.targetCiPct : undefined,
    );
    return {
      key: point.key,
      ...keyOf(point),
      pairs: reached.pairs,
      seconds: Math.round(trialSeconds(trials.filter((t) => t.point.key === point.key)) * 10) / 10,
      worstHalfWidth: reached.worstHalfWidth,
      reached: reached.reached,
    };
  });
  const witness = witnessRows(sweep.witness ?? [], points, trials, sweep.order);
  const disagreement = witnessDisagreement(witness);
  const warnings = collectWarnings(sweep, points, trials, pointSummaries, judged, ended);
  if (disagreement) warnings.push(disagreement);
  return {
    completedTrials: trials.filter((t) => t.state === "completed").length,
    failedTrials: trials.filter((t) => t.state === "failed").length,
    rejectedTrials: trials.filter((t) => t.state === "rejected").length,
    method: {
      estimator: sweep.order === "segmented" ? SEGMENT_ESTIMATOR : ESTIMATOR,
      multiplicity: MULTIPLICITY_METHOD,
      significance: SIGNIFICANCE,
    },
    points: pointSummaries,
    comparisons: judged,
    precision,
    warnings,
    ...(witness.length > 0 ? { witness } : {}),
    design: designSummary(sweep, segments),
  };
}

/** The design as the summary records it. */
export function designSummary(sweep: Sweep, segments: Segment[] = sweepSegments(sweep)): DesignSummary {
  const cost = switchCostOf(sweep);
  return {
    order: sweep.order,
    description: designLine(sweep),
    plannedSwitches: plannedSwitches(sweep, planSweep(sweep)),
    expectedSwitchSec: cost.typicalSec,
    replacesNodes: cost.replacesNodes,
    segments,
  };
}
