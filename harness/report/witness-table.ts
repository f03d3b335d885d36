/**
 * The second witness beside netperf: per witnessed point and metric, netperf's eBPF/legacy ratio
 * and the witness's over the same blocks, and whether they agree (stats/witness.ts), as a table
 * whose note opens with a warning line when any disagree (the summary's witness-disagrees warning
 * gives the figures; datasets.ts has the machine dataset, witness.csv). Only for runs that ran a
 * witness. Pure.
 */
import type { Results } from "../results/schema.js";
import { MIN_PAIRS } from "../stats/ratio.js";
import { METRICS } from "../vocabulary/vocabulary.js";
import { count, estimateRatioCell, type Table, text } from "./cells.js";
import { plannedName, runIndex } from "./points.js";

/** Point, metric, both ratios with their intervals, and the verdict. */
export function witnessTable(results: Results): Table | null {
  const rows = results.summary.witness ?? [];
  const name = (planKey: string) => plannedName(runIndex(results), planKey);
  if (rows.length === 0) return null;
  const disagreeing = rows.filter((row) => row.agreement === "disagree");
  const warning = disagreeing.length
    ? `Warning: the tools disagree at ${disagreeing.map((row) => `${name(row.point)} (${METRICS[row.metric].name})`).join(", ")}; do not quote netperf's ratio there without saying so (see Warnings). `
    : "";
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
      text(name(row.point)),
      text(METRICS[row.metric].name),
      text(row.witness),
      count(row.blocks.length),
      estimateRatioCell(row.netperf),
      estimateRatioCell(row.witnessRatio),
      text(row.agreement),
    ]),
    note: `${warning}Both ratios use only the blocks where both tools completed both modes, with the same estimator (geometric mean of per-pair ratios, 95% t interval). The tools disagree when their intervals do not overlap, and the verdict is undecided when either has no interval (fewer than ${MIN_PAIRS} common blocks). Non-overlap is a conservative rule: it flags few disagreements when both tools measure the same ratio, and needs a clear difference to flag one.`,
  };
}
