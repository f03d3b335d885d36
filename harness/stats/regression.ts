/**
 * Release qualification: the same points of two runs compared statistically. Pure.
 *
 * Two runs are independent samples; everything is done on log values, so a change is a ratio
 * (candidate/baseline of geometric means). Two levels of evidence share the run's α = 0.05
 * (the chance that a run pair where nothing changed fails the gate), split evenly:
 *   per point   one-sided Welch t-test of "worse than the threshold", Holm across the run's
 *               points at α = 0.025.
 *               Welch has no p-value floor (an exact permutation test over 3 against 3 cannot
 *               go below 1/20), so 3 repetitions can decide a large, clean change.
 *   per mode    each repetition's weighted mean log change across the mode's points (one
 *               weight per netperf test, shared by its metrics, which move together), then a
 *               one-sided Welch t-test of the same between the runs, Holm across modes at α = 0.025: a
 *               consistent regression too small to show at any single point is still caught.
 * With g the change in the metric's good direction (g < 1 is worse) and T the threshold:
 *   regression   g < 1 − T, significant after Holm (the null is g ≥ 1 − T: a tolerated change
 *                is not a regression, so a 3% shift does not fail a 5% gate by chance)
 *   improvement  g > 1 + T, significant after Holm
 *   unchanged    (points) the simultaneous 95% interval (Bonferroni) lies within [1 − T, 1 + T]
 *   not worse    (modes) the one-sided 95% bound lies above 1 − T (ALPHA_PASS)
 *   inconclusive otherwise, with the repetitions per run that would decide it at this spread
 *   missing      the point is in one run only
 * A point with a trial kept although the machine stayed noisy (either run) is not tested:
 * inconclusive, with the count (a noisy trial never decides a comparison).
 * The gate: regression (exit 1) when a point or a mode regressed; pass (exit 0) when none did,
 * every mode is shown not worse than 1 − T, no point was lost and none was left untested as
 * noisy; undecided (exit 5) otherwise.
 * Optionally each run is first normalised by an in-run reference mode (per point and
 * repetition), so drift every mode shares cancels; the raw comparison is kept beside it.
 * Error rates and power are measured by seeded simulation in regression.test.ts and
 * `npm run bench:gate`.
 */

import { sweepPoints } from "../sweep/plan.js";
import { UsageError } from "../util/errors.js";
import type { MetricName, Mode } from "../vocabulary/vocabulary.js";
import { incompatibility, indexRun, modesOf } from "./regression-match.js";
import { normalisationReference } from "./regression-normalise.js";
import { designNotes, environmentNotes, methodText, sharedShiftNotes } from "./regression-notes.js";
import { analyse } from "./regression-points.js";
import {
  type Analysis,
  type Basis,
  type CompareInput,
  type CompareReport,
  GATE_EXIT_CODES,
} from "./regression-types.js";

export type {
  Analysis,
  CompareInput,
  CompareReport,
  GateDecision,
  ModeComparison,
  PointComparison,
} from "./regression-types.js";
export { GATE_EXIT_CODES } from "./regression-types.js";

export interface CompareOptions {
  maxRegressionPct: number;
  metrics?: readonly MetricName[];
  /** Judge each mode against this in-run reference mode ("auto": host, else legacy). */
  normalise?: Mode | "auto";
}

/** Compares two runs and decides the gate. Throws UsageError when they share no point. */
export function compareRuns(
  baseline: CompareInput,
  candidate: CompareInput,
  options: CompareOptions,
): CompareReport {
  const threshold = options.maxRegressionPct / 100;
  const baseIndex = indexRun(baseline, options.metrics);
  const candIndex = indexRun(candidate, options.metrics);
  if (!baseIndex.keys().some((key) => candIndex.has(key))) {
    throw new UsageError(
      `the runs share no point to compare:\n  ${incompatibility(
        [...baseIndex.values()].map((s) => s.key),
        [...candIndex.values()].map((s) => s.key),
      )}`,
      "compare runs of the same sweep",
    );
  }
  const raw = analyse(baseIndex, candIndex, { kind: "raw" }, threshold);
  const basis: Basis = options.normalise
    ? {
        kind: "normalised",
        reference: normalisationReference(options.normalise, modesOf(baseIndex), modesOf(candIndex)),
      }
    : { kind: "raw" };
  const analysis = basis.kind === "raw" ? raw : analyse(baseIndex, candIndex, basis, threshold);
  const decided = decide(analysis, options.maxRegressionPct);
  const { requirement } = decided;
  const differ = sweepDifference(baseline, candidate);
  // two different sweeps: their points in one run only are "missing" and the gate cannot pass;
  // the reason says so first instead of counting missing points
  const gate =
    differ && decided.gate.decision !== "regression"
      ? { ...decided.gate, reason: `the runs are of different sweeps (${differ}): ${decided.gate.reason}` }
      : decided.gate;
  return {
    baseline: { runId: baseline.runId, label: baseline.label },
    candidate: { runId: candidate.runId, label: candidate.label },
    maxRegressionPct: options.maxRegressionPct,
    method: methodText(analysis),
    normalisation:
      basis.kind === "raw"
        ? null
        : `judged on values normalised by ${basis.reference}: each value is divided by the ${basis.reference} value of the same point and repetition in the same run, so a shift every mode shares (a slower machine, more steal) cancels; ${basis.reference} itself is not judged; the raw comparison is shown beside it`,
    gate,
    requirement,
    analysis,
    raw: basis.kind === "raw" ? null : raw,
    notes: [
      ...(differ
        ? [
            `the runs are of different sweeps (${differ}): only the points both measured are compared; compare runs of the same sweep for a gate that can pass`,
          ]
        : []),
      ...designNotes(baseline, candidate, basis),
      ...environmentNotes(baseline, candidate),
      ...sharedShiftNotes(raw, basis),
    ],
  };
}

/** How two runs' sweeps differ in what they plan (modes × points), or null when they plan the same. */
export function sweepDifference(baseline: CompareInput, candidate: CompareInput): string | null {
  const planned = (run: CompareInput) =>
    new Set(run.sweep.modes.flatMap((mode) => sweepPoints(run.sweep).map((p) => `${mode} ${p.key}`)));
  const [b, c] = [planned(baseline), planned(candidate)];
  const onlyB = [...b].filter((k) => !c.has(k)).length;
  const onlyC = [...c].filter((k) => !b.has(k)).length;
  if (onlyB === 0 && onlyC === 0) return null;
  const name = (run: CompareInput) => `"${run.sweep.name}", ${planned(run).size} mode × point combinations`;
  return `baseline ${name(baseline)}, candidate ${name(candidate)}; ${onlyB} in the baseline's sweep only, ${onlyC} in the candidate's only`;
}

/** The gate's decision from one analysis, and the repetitions a decision needs when there is none. */
export function decide(
  analysis: Analysis,
  maxRegressionPct: number,
): { gate: CompareReport["gate"]; requirement: string | null } {
  const regressedPoints = analysis.counts.regression;
  const regressedModes = analysis.modes.filter((m) => m.verdict === "regression");
  if (regressedPoints > 0 || regressedModes.length > 0) {
    const parts = [
      ...(regressedPoints > 0 ? [`${regressedPoints} point(s)`] : []),
      ...(regressedModes.length > 0
        ? [`the average of mode(s) ${regressedModes.map((m) => m.mode).join(", ")}`]
        : []),
    ];
    return {
      gate: {
        decision: "regression",
        exitCode: GATE_EXIT_CODES.regression,
        reason: `${parts.join(" and ")} regressed beyond −${maxRegressionPct}%`,
      },
      requirement: null,
    };
  }
  const lost = analysis.points.filter((p) => p.verdict === "missing" && p.candidateN === 0);
  const open = analysis.modes.filter((m) => m.verdict === "inconclusive");
  const noisy = analysis.points.filter((p) => p.noisyTrials !== undefined);
  if (lost.length === 0 && open.length === 0 && noisy.length === 0 && analysis.modes.length > 0) {
    return {
      gate: {
        decision: "pass",
        exitCode: GATE_EXIT_CODES.pass,
        reason: `no regression, and every mode is shown no worse than −${maxRegressionPct}% on average`,
      },
      requirement: null,
    };
  }
  const reasons = [
    ...(open.length > 0
      ? [`${open.map((m) => m.mode).join(", ")} could not be shown no worse than −${maxRegressionPct}%`]
      : []),
    ...(lost.length > 0
      ? [`${lost.length} point(s) of the baseline were not measured in the candidate`]
      : []),
    ...(noisy.length > 0
      ? [`${noisy.length} point(s) were not tested: trials kept on a machine that stayed noisy`]
      : []),
    ...(analysis.modes.length === 0 ? ["no mode could be tested"] : []),
  ];
  const needs = open.map((m) => m.repetitionsToDecide ?? null);
  const n = Math.max(...analysis.modes.map((m) => m.n), 0);
  let requirement: string | null = null;
  if (open.length > 0) {
    const each = open.map((m) => `${m.mode} ${m.repetitionsToDecide ?? "over 10,000"}`).join(", ");
    requirement = needs.some((k) => k === null)
      ? `No decision at n = ${n} per run, and no practical number of repetitions decides it at the spread measured here (per mode: ${each}): an average change is too close to −${maxRegressionPct}%; reduce the noise, or re-run both.`
      : `No decision at n = ${n} per run: n ≥ ${Math.max(...(needs as number[]))} repetitions per run are needed for a decision at the spread measured here (per mode: ${each}).`;
  }
  return {
    gate: {
      decision: "undecided",
      exitCode: GATE_EXIT_CODES.undecided,
      reason: `no regression shown, but ${reasons.join("; ")}`,
    },
    requirement,
  };
}
