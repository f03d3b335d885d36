/**
 * The report model's table cells as typed values (numbers with units, intervals, verdicts),
 * and the two ways exporters show them: as text for people (HTML, Markdown) and as a plain
 * value for machines (CSV). Pure.
 */
import type { RatioEstimate } from "../stats/ratio.js";
import type { Comparison, PointSummary } from "../stats/summary.js";
import { formatNumber, formatRatio, formatWithInterval, ratioRange, shownUnit } from "./format.js";

/** One table cell. Exporters format it; the model never stores a figure as pre-formatted text. */
export type Cell =
  /** A label, an id or free text. */
  | { kind: "text"; text: string }
  /** Nothing to show, and why in one word or a dash ("missing", "–", "n/a"). */
  | { kind: "empty"; text: string }
  /** A raw figure for machines, `null` when not computed. */
  | { kind: "number"; value: number | null; unit?: string }
  /** A yes/no fact for machines. */
  | { kind: "flag"; value: boolean }
  /** A count of things (trials, packets). */
  | { kind: "count"; value: number }
  /** A figure shown with a fixed number of decimals. */
  | { kind: "fixed"; value: number; digits: number; unit?: string }
  /** `part/whole`, e.g. counted trials on the expected path. */
  | { kind: "fraction"; part: number; whole: number }
  /** A median with its 95% interval over `n` repetitions, in `unit`. */
  | { kind: "estimate"; median: number; low: number | null; high: number | null; n: number; unit: string }
  /** A figure from elsewhere (a published source), shown for orientation. */
  | { kind: "reference"; value: number; unit: string }
  /** A candidate/baseline ratio with its interval and, when it is a judged comparison, its verdict. */
  | {
      kind: "ratio";
      ratio: number;
      low: number | null;
      high: number | null;
      verdict?: Comparison["verdict"];
    }
  /** The widest relative interval half-width a point reached (0.012 = ±1.2%), `null` when none. */
  | { kind: "halfWidth"; value: number | null }
  /** Whether a precision target was reached, `null` when there was none. */
  | { kind: "reached"; value: boolean | null };

export const text = (value: string): Cell => ({ kind: "text", text: value });
export const empty = (value: string): Cell => ({ kind: "empty", text: value });
export const count = (value: number): Cell => ({ kind: "count", value });

/** A point's median and interval in the unit the report shows its metric in, or "missing". */
export function estimateCell(point: PointSummary | undefined): Cell {
  if (!point) return empty("missing");
  const { unit, scale } = shownUnit(point.metric);
  const scaled = (x: number | null) => (x === null ? null : x * scale);
  return {
    kind: "estimate",
    median: point.median * scale,
    low: scaled(point.ciLow),
    high: scaled(point.ciHigh),
    n: point.n,
    unit,
  };
}

/** A comparison's ratio cell, or "–" when the modes were not compared. */
export function ratioCell(c: Comparison | undefined): Cell {
  if (!c) return empty("–");
  return { kind: "ratio", ratio: c.ratio, low: c.ciLow, high: c.ciHigh, verdict: c.verdict };
}

/** An estimated ratio and its interval, without a verdict (a witness's), or "n/a" when there is none. */
export function estimateRatioCell(e: RatioEstimate | null): Cell {
  if (!e) return empty("n/a");
  return { kind: "ratio", ratio: e.ratio, low: e.ciLow, high: e.ciHigh };
}

/** The cell as people read it in HTML and Markdown (units are in the column header). */
export function cellText(cell: Cell): string {
  switch (cell.kind) {
    case "text":
    case "empty":
      return cell.text;
    case "number":
      return formatNumber(cell.value);
    case "flag":
      return cell.value ? "yes" : "no";
    case "count":
      return String(cell.value);
    case "fixed":
      return cell.value.toFixed(cell.digits);
    case "fraction":
      return `${cell.part}/${cell.whole}`;
    case "estimate":
      return `${formatWithInterval(cell.median, cell.low, cell.high)} (n=${cell.n})`;
    case "reference":
      return formatNumber(cell.value);
    case "ratio": {
      const ci = ratioRange(cell.low, cell.high) ?? "no CI";
      const verdict = cell.verdict === "no significant difference" ? "n.s." : cell.verdict;
      return `${formatRatio(cell.ratio)}× [${ci}]${verdict ? ` ${verdict}` : ""}`;
    }
    case "halfWidth":
      return cell.value === null ? "no interval" : `±${(cell.value * 100).toFixed(1)}%`;
    case "reached":
      return cell.value === null ? "no target" : cell.value ? "yes" : "NO";
  }
}

/**
 * The cell as one machine-readable value: numbers unformatted (rounded to 6 decimals), absent
 * values empty. A figure with an interval gives its median; the interval has columns of its own
 * in the machine datasets.
 */
export function cellValue(cell: Cell): string | number | boolean | null {
  switch (cell.kind) {
    case "text":
      return cell.text;
    case "empty":
      return null;
    case "number":
    case "count":
    case "fixed":
    case "reference":
    case "halfWidth":
      return cell.value === null ? null : Math.round(cell.value * 1e6) / 1e6;
    case "flag":
    case "reached":
      return cell.value;
    case "fraction":
      return `${cell.part}/${cell.whole}`;
    case "estimate":
      return Math.round(cell.median * 1e6) / 1e6;
    case "ratio":
      return Math.round(cell.ratio * 1e6) / 1e6;
  }
}

/** A titled grid of cells; `columns` name each column with its unit. */
export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: Cell[][];
  note?: string;
}

/** A table's rows as the text people read, cell by cell. */
export function tableText(table: Table): string[][] {
  return table.rows.map((row) => row.map(cellText));
}
