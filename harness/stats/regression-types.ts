/**
 * The release gate's vocabulary: its verdicts, decisions and exit codes, its α, and the shapes
 * of what it reports (per point, per mode, per run pair). Types and constants only (a series'
 * key and name are stats/series.ts's).
 */

import type { Results } from "../results/schema.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import type { SeriesKey } from "./series.js";

export type { SeriesKey } from "./series.js";

export type RegressionVerdict = "regression" | "improvement" | "unchanged" | "inconclusive" | "missing";
export type ModeVerdict = "regression" | "improvement" | "not worse" | "inconclusive";
export type GateDecision = "pass" | "regression" | "undecided";

/** The gate's exit codes; 2 (bad input) comes from the CLI's error handling. */
export const GATE_EXIT_CODES: Record<GateDecision, number> = { pass: 0, regression: 1, undecided: 5 };

/** The run's α (a false regression anywhere), split between the two levels of evidence. */
export const ALPHA = 0.05;
export const ALPHA_POINTS = ALPHA / 2;
export const ALPHA_MODES = ALPHA / 2;
/**
 * The chance of passing a mode that is in truth worse than the threshold. Passing needs every
 * mode's bound above it (an intersection–union test), so each bound is one-sided at this level
 * with no multiplicity correction.
 */
export const ALPHA_PASS = 0.05;

/** What a run's data is read as: measured values, or each mode's ratio to a reference mode of the same run. */
export type Basis = { kind: "raw" } | { kind: "normalised"; reference: Mode };

/** The parts of a results file the gate reads (the summary is not needed). */
export type CompareInput = Pick<Results, "runId" | "label" | "sweep" | "trials" | "environment">;

export interface PointComparison extends SeriesKey {
  /** The series' name (stats/series.ts `seriesName`). */
  name: string;
  /** Median of the values (normalised: of the mode/reference ratios). */
  baselineMedian: number | null;
  candidateMedian: number | null;
  baselineN: number;
  candidateN: number;
  /** candidate / baseline, ratio of geometric means. */
  ratio: number | null;
  /** Simultaneous 95% interval of the ratio over the run's points (Bonferroni): what `unchanged` uses. */
  ciLow: number | null;
  ciHigh: number | null;
  /** One-sided Welch p of "worse than the threshold", unadjusted. */
  pWorse: number | null;
  /** Holm-adjusted over the run's points: a regression needs ≤ ALPHA_POINTS. */
  pWorseAdjusted: number | null;
  /** The true worsening this test calls a regression half the time, at this n and spread (Holm's first step). */
  detectableWorsening: number | null;
  lowerIsBetter: boolean;
  /** Signed change in the metric's good direction: −0.1 is 10% worse. */
  goodChange: number | null;
  verdict: RegressionVerdict;
  /** For inconclusive points: repetitions per run that would likely decide it at this spread. */
  repetitionsToDecide?: number;
  /**
   * Trials of the point (either run, its reference mode's included) kept although the machine
   * stayed noisy after every allowed repeat: the point is not tested (inconclusive), and the
   * gate cannot pass on the rest. Absent when there are none.
   */
  noisyTrials?: number;
  reason: string;
}

export interface ModeComparison {
  mode: Mode;
  /** Points pooled. */
  points: number;
  /** Repetitions per run (the smaller run). */
  n: number;
  /** Pooled change in the good direction: −0.1 is 10% worse on (weighted geometric) average. */
  goodChange: number | null;
  /** One-sided 95% bound of the good change (ALPHA_PASS): above −T, the mode is not worse. */
  goodLow: number | null;
  /** The true worsening this test calls a regression half the time, at this n and spread (Holm's first step). */
  detectableWorsening: number | null;
  pWorse: number | null;
  pWorseAdjusted: number | null;
  verdict: ModeVerdict;
  repetitionsToDecide?: number;
  reason: string;
}

export interface Analysis {
  basis: Basis;
  points: PointComparison[];
  modes: ModeComparison[];
  counts: Record<RegressionVerdict, number>;
  /** The smallest worsening each level could call a regression at these repetitions and this spread. */
  sensitivity: string;
}

export interface CompareReport {
  baseline: { runId: string; label: string };
  candidate: { runId: string; label: string };
  maxRegressionPct: number;
  /** The tests and their α: printed with every output. */
  method: string[];
  /** What normalisation did, printed before the table; null when the gate judged raw values. */
  normalisation: string | null;
  gate: { decision: GateDecision; exitCode: number; reason: string };
  /** "n ≥ K repetitions per run are needed for a decision": printed before any table when undecided. */
  requirement: string | null;
  /** What the gate judged. */
  analysis: Analysis;
  /** The raw comparison, beside a normalised `analysis`; null when `analysis` is raw. */
  raw: Analysis | null;
  /** What else differs between the runs: design, environment, noise, shifts shared by every mode. */
  notes: string[];
}
