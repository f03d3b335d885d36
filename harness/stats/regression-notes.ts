/**
 * What the gate prints beside its verdict: the method and its α, the design of a two-run
 * comparison, environment and noise differences, and shifts every mode shares. Pure.
 */

import { median } from "simple-statistics";
import { dimensions } from "../sweep/point.js";
import { BASELINE_MODES } from "../vocabulary/vocabulary.js";
import {
  ALPHA,
  ALPHA_MODES,
  ALPHA_POINTS,
  type Analysis,
  type Basis,
  type CompareInput,
  GATE_EXIT_CODES,
  type PointComparison,
} from "./regression-types.js";

/** The tests and their α, as printed with every output. */
export function methodText(analysis: Analysis): string[] {
  const points = analysis.points.filter((p) => p.pWorse !== null).length;
  return [
    `per point: one-sided Welch t-test on log values (ratio of geometric means) of "worse than the threshold", Holm over the run's ${points} points at α = ${ALPHA_POINTS}; intervals are simultaneous 95% (Bonferroni)`,
    `per mode: each repetition's mean log change over the mode's points (one weight per netperf test, shared by its metrics), one-sided Welch t-test of "worse than the threshold", Holm over ${analysis.modes.length} mode(s) at α = ${ALPHA_MODES}; a mode is "not worse" when its one-sided 95% bound is above the threshold, and the gate passes only when every mode is`,
    `α = ${ALPHA} in all: the chance that a run pair where nothing changed fails the gate`,
    `exit ${GATE_EXIT_CODES.pass} pass, ${GATE_EXIT_CODES.regression} regression, 2 bad input, ${GATE_EXIT_CODES.undecided} undecided (no regression shown, but not enough evidence that there is none)`,
  ];
}

/**
 * Two runs are never interleaved with each other: say so, and name the stronger design. A
 * blocked run (modes one after another) also weakens normalisation, which pairs by repetition.
 */
export function designNotes(baseline: CompareInput, candidate: CompareInput, basis: Basis): string[] {
  const notes = [
    "baseline and candidate are separate runs, not interleaved: whatever changed between them (load, CPU steal, frequency, neighbours) is confounded with the change under test. The strongest design measures both in one interleaved sweep, as two modes, and reads that run's paired within-run comparison (routebench report); --normalise cancels drift that every mode shares",
  ];
  if (basis.kind === "normalised") {
    for (const [name, run] of [
      ["baseline", baseline],
      ["candidate", candidate],
    ] as const) {
      if (run.sweep.order !== "interleaved") {
        notes.push(
          `the ${name} ran its modes in blocks, not interleaved: normalising by ${basis.reference} of the same repetition cancels a shift of the whole run, not drift between its blocks`,
        );
      }
    }
  }
  return notes;
}

const ENVIRONMENT_FIELDS = ["kernel", "os", "cpuModel", "cpuCount", "netperfVersion", "backend"] as const;

/** Environment differences and each run's noise: a verdict is only as good as the sameness of the machines. */
export function environmentNotes(baseline: CompareInput, candidate: CompareInput): string[] {
  const notes: string[] = [];
  for (const field of ENVIRONMENT_FIELDS) {
    const a = baseline.environment[field];
    const b = candidate.environment[field];
    if (a !== b) notes.push(`${field} differs: baseline ${a}, candidate ${b}`);
  }
  const noise = (results: CompareInput) => {
    const samples = results.trials.flatMap((t) => (t.noise ? [t.noise] : []));
    if (samples.length === 0) return null;
    return {
      stealMedian: median(samples.map((n) => n.cpuStealPct)),
      stealMax: Math.max(...samples.map((n) => n.cpuStealPct)),
      load: median(samples.map((n) => n.loadPerCpu)),
    };
  };
  const a = noise(baseline);
  const b = noise(candidate);
  if (a && b) {
    notes.push(
      `noise: CPU steal median ${a.stealMedian.toFixed(1)}% (max ${a.stealMax.toFixed(0)}%) in the baseline, ${b.stealMedian.toFixed(1)}% (max ${b.stealMax.toFixed(0)}%) in the candidate; load per CPU ${a.load.toFixed(2)} vs ${b.load.toFixed(2)}`,
    );
  }
  return notes;
}

/**
 * Points, and whole modes, where every mode moved the same way (raw values): a change of the
 * machine, kernel or load, which both datapaths share, is a likelier cause than host routing.
 */
export function sharedShiftNotes(raw: Analysis, basis: Basis): string[] {
  const byPoint = new Map<string, PointComparison[]>();
  for (const p of raw.points) {
    if (BASELINE_MODES.includes(p.mode) || p.goodChange === null) continue;
    const key = [p.placement, p.test, p.size, ...dimensions(p), p.metric].join(" ");
    byPoint.set(key, [...(byPoint.get(key) ?? []), p]);
  }
  const shared: string[] = [];
  for (const [key, group] of byPoint) {
    if (group.length < 2) continue;
    for (const verdict of ["regression", "improvement"] as const) {
      if (group.every((p) => p.verdict === verdict)) {
        shared.push(
          `${key} (${group.map((p) => `${p.mode} ${((p.goodChange ?? 0) * 100).toFixed(0)}%`).join(", ")})`,
        );
      }
    }
  }
  const pods = raw.modes.filter((m) => !BASELINE_MODES.includes(m.mode));
  const sharedModes =
    pods.length >= 2 &&
    (["regression", "improvement"] as const).some((v) => pods.every((m) => m.verdict === v));
  if (shared.length === 0 && !sharedModes) return [];
  const fix =
    basis.kind === "raw"
      ? "; --normalise judges each mode against an in-run reference, which cancels such a shift"
      : "";
  const notes: string[] = [];
  if (sharedModes) {
    notes.push(
      `every mode moved the same way on average (${pods.map((m) => `${m.mode} ${((m.goodChange ?? 0) * 100).toFixed(0)}%`).join(", ")}); a change both datapaths share (machine, kernel, load) is a likelier cause than host routing${fix}`,
    );
  }
  if (shared.length > 0) {
    notes.push(
      `${shared.length} point(s) moved the same way in every mode; a change both datapaths share (machine, kernel, load) is a likelier cause than host routing: ${shared.slice(0, 4).join("; ")}${shared.length > 4 ? "; …" : ""}${fix}`,
    );
  }
  return notes;
}
