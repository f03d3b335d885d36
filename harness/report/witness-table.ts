/**
 * The second witness beside netperf: per witnessed point and metric, netperf's eBPF/legacy ratio
 * and the witness's over the same blocks, and whether they agree (stats/witness.ts): a table and,
 * when any disagree, a warning line (datasets.ts has its machine dataset, witness.csv). Only for
 * runs that ran a witness. Pure.
 */
import type { Summary } from "../stats/summary.js";
import { witnessDisagreement } from "../stats/witness.js";
import { METRICS } from "../vocabulary/vocabulary.js";
import { count, estimateRatioCell, type Table, text } from "./cells.js";
import { pointName } from "./points.js";

/** Point, metric, both ratios with their intervals, and the verdict. */
export function witnessTable(summary: Summary): Table | null {
  const rows = summary.witness ?? [];
  if (rows.length === 0) return null;
  return {
    id: "witness",
    title: "Second witness: eBPF / legacy by two tools",
    columns: [
      "Point",
      "Metric",
      "Witness",
      "Blocks",
      "netperf eBPF / legacy [95% CI]",
      "Witness eBPF / legacy [95% CI]",
      "Agreement",
    ],
    rows: rows.map((row) => [
      text(pointName(row.point)),
      text(METRICS[row.metric].name),
      text(row.witness),
      count(row.blocks.length),
      estimateRatioCell(row.netperf),
      estimateRatioCell(row.witnessRatio),
      text(row.agreement),
    ]),
    note: "Both ratios use only the blocks where both tools completed both modes, with the same estimator (geometric mean of per-pair ratios, 95% t interval). The tools disagree when their intervals do not overlap, and the verdict is undecided when either has no interval (fewer than 6 common blocks). Non-overlap is a conservative rule: it flags few disagreements when both tools measure the same ratio, and needs a clear difference to flag one.",
  };
}

/** The warning line of a run whose witness and netperf disagree somewhere, or null. */
export function witnessWarning(summary: Summary): string | null {
  const disagreement = witnessDisagreement(summary.witness ?? []);
  if (!disagreement) return null;
  const { reason, hint } = disagreement;
  return `Witnesses disagree: ${reason}. ${hint.charAt(0).toUpperCase()}${hint.slice(1)}.`;
}
