/** CSV exports of the summary: one row per point and mode, one row per comparison. Pure. */
import type { Results } from "../results/schema.js";
import { cellValue } from "./cells.js";
import { comparisonsDataset, type Dataset, pointsDataset } from "./datasets.js";

function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A dataset as CSV: a header line of column names, then one line per row of machine values. */
export function datasetCsv(dataset: Dataset): string {
  const lines = [
    dataset.columns.join(","),
    ...dataset.rows.map((row) => row.map((c) => csvField(cellValue(c))).join(",")),
  ];
  return `${lines.join("\n")}\n`;
}

/** points.csv: one row per point and mode. */
export function pointsCsv(results: Results): string {
  return datasetCsv(pointsDataset(results.summary));
}

/** comparisons.csv: one row per comparison. */
export function comparisonsCsv(results: Results): string {
  return datasetCsv(comparisonsDataset(results.summary));
}
