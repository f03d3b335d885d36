/**
 * A stand-in for the lead's change to stats/summary.ts (issue 14): until `summarise` summarises
 * the CPU cost metrics, this adds their points and comparisons to a synthetic run's summary the
 * way `summarise` does for every other metric (median and distribution-free interval per mode;
 * each compared pair by block; the whole family re-judged with Holm). It leaves a summary that
 * already has them alone, so it turns into a no-op once the stats change lands; delete it then.
 */
import type { Results } from "../../../harness/results/schema.js";
import { describe } from "../../../harness/stats/describe.js";
import { medianInterval } from "../../../harness/stats/median-interval.js";
import {
  COMPARED_PAIRS,
  type Comparison,
  compareModes,
  judgeFamily,
  type PointSummary,
  valuesByBlock,
} from "../../../harness/stats/summary.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

export function withCostSummaries(results: Results): Results {
  const metrics = (["cpuUsPerTrans", "cpuSecPerGB"] as const).filter(
    (m) =>
      !results.summary.points.some((p) => p.metric === m) &&
      results.trials.some((t) => t.metrics?.[m] !== undefined),
  );
  if (metrics.length === 0) return results;
  const points: PointSummary[] = [...results.summary.points];
  const comparisons: Comparison[] = results.summary.comparisons.map((c) => ({ ...c, pAdjusted: null }));
  for (const point of sweepPoints(results.sweep)) {
    for (const metric of metrics as MetricName[]) {
      const byMode = new Map<Mode, Map<number, number>>();
      for (const mode of results.sweep.modes) {
        const values = valuesByBlock(results.trials, point.key, mode, metric);
        if (values.size === 0) continue;
        byMode.set(mode, values);
        const data = [...values.values()];
        const ci = medianInterval(data);
        points.push({
          mode,
          placement: point.placement,
          test: point.test,
          size: point.size,
          metric,
          ...describe(data),
          ciLow: ci?.low ?? null,
          ciHigh: ci?.high ?? null,
        });
      }
      for (const { baseline, candidate } of COMPARED_PAIRS) {
        const [b, c] = [byMode.get(baseline), byMode.get(candidate)];
        if (!b || !c) continue;
        const compared = compareModes(b, c, results.sweep.order === "interleaved", true);
        if (!compared) continue;
        comparisons.push({
          placement: point.placement,
          test: point.test,
          size: point.size,
          metric,
          baseline,
          candidate,
          ...compared,
          pAdjusted: null,
          noisyPairs: 0,
          unbalancedPairs: 0,
        });
      }
    }
  }
  return { ...results, summary: { ...results.summary, points, comparisons: judgeFamily(comparisons) } };
}
