/**
 * How far each host routing mode is from the direct path: the same two pods over one veth pair
 * of their own, no host routing (lab only), the floor any host routing can reach on this
 * machine. Per point, the test's main figure (transaction rate, or throughput for streams) of
 * legacy and eBPF as a ratio of the direct path's (headlines.ts words it per placement and
 * test). Only for runs that measured `direct`. Pure.
 */
import type { Results } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import { groupByPoint } from "../sweep/point.js";
import { METRICS, mainMetric } from "../vocabulary/vocabulary.js";
import { type Cell, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { shownUnit } from "./format.js";
import { placementName, runIndex, sizeText } from "./points.js";

/** The run's comparisons against the direct path, on each test's main figure. */
export function directComparisons(results: Results): Comparison[] {
  return results.summary.comparisons.filter(
    (c) => c.baseline === "direct" && c.metric === mainMetric(c.test),
  );
}

/** Per point: the direct path's figure, and legacy and eBPF as a ratio of it. */
export function directTable(results: Results): Table | null {
  const direct = directComparisons(results);
  if (direct.length === 0) return null;
  const index = runIndex(results);
  const rows = groupByPoint(direct)
    .entries()
    .map(([key, [c]]): Cell[] => {
      const metric = (c as Comparison).metric;
      return [
        text(placementName(key.placement)),
        text(key.test),
        text(sizeText(key)),
        text(`${METRICS[metric].name} (${shownUnit(metric).unit})`),
        estimateCell(index.summary(key, "direct", metric)),
        ratioCell(index.comparison(key, metric, "direct", "legacy")),
        ratioCell(index.comparison(key, metric, "direct", "ebpf")),
      ];
    });
  return {
    id: "direct",
    title: "Host routing against the direct path",
    columns: ["Placement", "Test", "Size", "Figure", "Direct path", "Legacy / direct", "eBPF / direct"],
    rows,
    note: "The direct path joins the same two pods by one veth pair of their own, with no host routing at all: the floor any host routing can reach on this machine. Each ratio is the mode's figure over the direct path's (0.93× = the mode reaches 93% of it): geometric mean of per-pair ratios [95% t interval], verdict after Holm (worse = significantly below the direct path).",
  };
}
