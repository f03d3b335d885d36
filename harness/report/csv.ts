/** CSV exports of the summary: one row per point and mode, one row per comparison. Pure. */
import type { Results } from "../results/schema.js";

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "number" ? String(Math.round(value * 1e6) / 1e6) : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function toCsv<T extends object>(rows: T[], columns: (keyof T)[]): string {
  return (
    [columns.join(","), ...rows.map((row) => columns.map((c) => csvValue(row[c])).join(","))].join("\n") +
    "\n"
  );
}

export function pointsCsv(results: Results): string {
  return toCsv(results.summary.points, [
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
  ]);
}

export function comparisonsCsv(results: Results): string {
  return toCsv(results.summary.comparisons, [
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
  ]);
}
