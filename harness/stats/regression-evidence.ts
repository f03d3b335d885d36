/**
 * One tested contrast between two runs and how the gate words it: the change in the metric's
 * good direction, the worsening a test can detect, the distance to a decision, percentages
 * and p-values. Shared by the per-point and per-mode tests. Pure.
 */
import type { Side } from "./regression-normalise.js";
import type { SeriesKey } from "./regression-types.js";
import { studentTQuantile } from "./student-t.js";
import type { Contrast } from "./welch.js";

/** A point both runs measured, with its contrast and one-sided p-values. */
export interface Tested {
  key: SeriesKey;
  name: string;
  lower: boolean;
  base: Side;
  cand: Side;
  /** candidate − baseline on the log scale, in the good direction. */
  contrast: Contrast;
  /** One-sided p of "worse than −T". */
  pWorse: number | null;
  /** One-sided p of "better than +T". */
  pBetter: number | null;
}

/** A contrast turned to the metric's good direction (negative is worse). */
export function good(contrast: Contrast, lower: boolean): Contrast {
  return lower ? { ...contrast, estimate: -contrast.estimate } : contrast;
}

/** A log change as an unsigned percentage: "10.0%". */
export const pct = (logChange: number) => `${(Math.abs(Math.exp(logChange) - 1) * 100).toFixed(1)}%`;
/** A log change as a signed percentage: "+3.1%", "−10.0%". */
export const signedPct = (logChange: number) => {
  const change = (Math.exp(logChange) - 1) * 100;
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(1)}%`;
};

/** Distance from an estimate to the boundary it must clear to be decided; 0 when it sits on one. */
export function distanceToDecide(estimate: number, lowerLog: number, upperLog: number): number {
  return Math.min(Math.abs(estimate - lowerLog), Math.abs(estimate - upperLog));
}

/** What it would take to decide an undecided test. */
export function hintText(needed: number | null): string {
  return needed === null
    ? "no practical number of repetitions (over 10,000) decides it at this spread: the estimate is too close to a boundary"
    : `about ${needed} repetitions per run would decide it at this spread`;
}

/** A p-value with three decimals, or in exponent form below 0.001. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** The true worsening a test at one-sided level `alpha` calls a regression half the time: the threshold plus t·se. */
export function detectable(contrast: Contrast, alpha: number, lowerLog: number): number | null {
  if (contrast.df === null) return null;
  return 1 - Math.exp(lowerLog - studentTQuantile(1 - alpha, contrast.df) * contrast.se);
}
