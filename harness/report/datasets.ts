/**
 * A run's summary as machine datasets: one row per point and mode, one row per comparison,
 * each cell a typed value with its unit. CSV and other machine exports write these. Pure.
 */
import type { Summary } from "../stats/summary.js";
import { METRICS } from "../vocabulary/vocabulary.js";
import { type Cell, count, empty, text } from "./cells.js";
import { sizeText } from "./points.js";

/** Named columns of typed cells. */
export interface Dataset {
  columns: string[];
  rows: Cell[][];
}

const number = (value: number | null, unit?: string): Cell => ({ kind: "number", value, unit });
const flag = (value: boolean): Cell => ({ kind: "flag", value });

/** One row per point and mode: the median, spread and 95% interval of one metric, in its unit. */
export function pointsDataset(summary: Summary): Dataset {
  return {
    columns: [
      "placement",
      "test",
      "size",
      "mode",
      "metric",
      "n",
      "median",
      "mean",
      "stddev",
      "cv",
      "min",
      "max",
      "ciLow",
      "ciHigh",
    ],
    rows: summary.points.map((p) => {
      const unit = METRICS[p.metric].unit;
      return [
        text(p.placement),
        text(p.test),
        text(sizeText(p)),
        text(p.mode),
        text(p.metric),
        count(p.n),
        number(p.median, unit),
        number(p.mean, unit),
        number(p.stddev, unit),
        number(p.cv),
        number(p.min, unit),
        number(p.max, unit),
        number(p.ciLow, unit),
        number(p.ciHigh, unit),
      ];
    }),
  };
}

/** One row per comparison: the candidate/baseline ratio, its interval, p-value and verdict. */
export function comparisonsDataset(summary: Summary): Dataset {
  return {
    columns: [
      "placement",
      "test",
      "size",
      "metric",
      "baseline",
      "candidate",
      "ratio",
      "ciLow",
      "ciHigh",
      "pValue",
      "paired",
      "n",
      "lowerIsBetter",
      "verdict",
      "undecidedReason",
    ],
    rows: summary.comparisons.map((c) => [
      text(c.placement),
      text(c.test),
      text(sizeText(c)),
      text(c.metric),
      text(c.baseline),
      text(c.candidate),
      number(c.ratio),
      number(c.ciLow),
      number(c.ciHigh),
      number(c.pValue),
      flag(c.paired),
      count(c.n),
      flag(c.lowerIsBetter),
      text(c.verdict),
      c.undecidedReason ? text(c.undecidedReason) : empty("–"),
    ]),
  };
}

/** witness.csv: one row per witnessed point and metric, both ratios and intervals unformatted. */
export function witnessDataset(summary: Summary): Dataset | null {
  const rows = summary.witness ?? [];
  if (rows.length === 0) return null;
  return {
    columns: [
      "point",
      "metric",
      "witness",
      "blocks",
      "netperfRatio",
      "netperfCiLow",
      "netperfCiHigh",
      "witnessRatio",
      "witnessCiLow",
      "witnessCiHigh",
      "agreement",
    ],
    rows: rows.map((row) => [
      text(row.point),
      text(row.metric),
      text(row.witness),
      count(row.blocks.length),
      number(row.netperf?.ratio ?? null),
      number(row.netperf?.ciLow ?? null),
      number(row.netperf?.ciHigh ?? null),
      number(row.witnessRatio?.ratio ?? null),
      number(row.witnessRatio?.ciLow ?? null),
      number(row.witnessRatio?.ciHigh ?? null),
      text(row.agreement),
    ]),
  };
}
