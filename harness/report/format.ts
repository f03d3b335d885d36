/** Number and sentence formatting shared by the terminal, Markdown, HTML and CSV outputs. Pure. */
import type { Comparison } from "../stats/summary.js";
import { dimensions } from "../sweep/point.js";
import { METRICS, type MetricName } from "../vocabulary/vocabulary.js";

/**
 * Metrics a report shows in another unit than the one stored, with the factor from the stored
 * unit; every other metric shows in its stored unit (METRICS).
 */
const SHOWN_UNITS: Partial<Record<MetricName, { unit: string; scale: number }>> = {
  throughputMbps: { unit: "Gbit/s", scale: 1e-3 },
  sentMbps: { unit: "Gbit/s", scale: 1e-3 },
};

/** The unit a report shows `metric` in, and the factor that turns a stored value into it. */
export function shownUnit(metric: MetricName): { unit: string; scale: number } {
  return SHOWN_UNITS[metric] ?? { unit: METRICS[metric].unit, scale: 1 };
}

/** A figure with as many digits as a reader needs: 3 significant digits, no exponent. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toString();
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function decimalsOf(formatted: string): number {
  const dot = formatted.indexOf(".");
  return dot < 0 ? 0 : formatted.length - dot - 1;
}

/** `1.27 ± 0.06` style: the median and half the CI width, at the median's precision (asymmetric CIs get [low, high]). */
export function formatWithInterval(value: number, low: number | null, high: number | null): string {
  const shown = formatNumber(value);
  if (low === null || high === null) return `${shown} (no interval: too few repetitions)`;
  const digits = decimalsOf(shown);
  const at = (x: number) => x.toFixed(digits);
  const up = high - value;
  const down = value - low;
  if (Math.abs(up - down) <= 0.25 * Math.max(up, down)) return `${shown} ± ${at((high - low) / 2)}`;
  return `${shown} [${at(low)}, ${at(high)}]`;
}

export function formatRatio(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

/** A ratio interval as `1.21–1.33`, or null when there is none (n < 2): callers say so in their own words. */
export function ratioRange(low: number | null, high: number | null, digits = 2): string | null {
  return low === null || high === null ? null : `${formatRatio(low, digits)}–${formatRatio(high, digits)}`;
}

export function formatPValue(p: number | null): string {
  if (p === null) return "p n/a";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

export function formatPercentChange(ratio: number): string {
  const change = (ratio - 1) * 100;
  return `${change >= 0 ? "+" : ""}${change.toFixed(0)}%`;
}

/**
 * The comparison as a sentence, e.g. "same-node TCP_RR 1,1: ebpf ran 1.27 × the legacy
 * transaction rate (95% CI 1.21–1.33, p = 0.004): better".
 */
export function comparisonSentence(c: Comparison): string {
  const what = METRICS[c.metric].name;
  const range = ratioRange(c.ciLow, c.ciHigh);
  const size = c.test === "TCP_STREAM" ? `${c.size} B messages` : `${c.size} B request,response`;
  // the dimensions not at their default: "same-node TCP_CRR service ipv6 (1,1 B request,response)"
  const point = [c.placement, c.test, ...dimensions(c)].join(" ");
  if (!range)
    return `${point} (${size}): ${c.candidate} had ${formatRatio(c.ratio)} × the ${c.baseline} ${what}: undecided: ${c.caveat ?? "no interval: too few repetitions"}`;
  const adjusted =
    c.pAdjusted === null || c.pAdjusted === undefined ? "" : `, Holm-adjusted ${formatPValue(c.pAdjusted)}`;
  return `${point} (${size}): ${c.candidate} had ${formatRatio(c.ratio)} × the ${c.baseline} ${what} (${formatPercentChange(c.ratio)}; 95% CI ${range}, ${formatPValue(c.pValue)}${adjusted}): ${c.verdict}${c.caveat ? ` (${c.caveat})` : ""}`;
}

/**
 * The evidence behind a comparison, as a headline shows it: "95% CI 1.21–1.33, Holm-adjusted
 * p < 0.001", or why there is none ("too few pairs to decide …").
 */
export function comparisonEvidence(c: Comparison, label = "95% CI"): string {
  const range = ratioRange(c.ciLow, c.ciHigh);
  if (!range) return c.caveat ?? "no interval: too few repetitions";
  const p = c.pAdjusted ?? c.pValue;
  const evidence = `${label} ${range}, ${c.pAdjusted !== null && c.pAdjusted !== undefined ? "Holm-adjusted " : ""}${formatPValue(p)}`;
  return c.caveat ? `${evidence}; ${c.caveat}` : evidence;
}
