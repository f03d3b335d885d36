/** Warnings as data: what looks wrong, why it matters, and what to try given the options in use. Pure. */
import type { TrialRecord } from "../results/schema.js";
import type { Point } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import type { Comparison, PointSummary } from "./summary.js";

export type WarningKind =
  | "high-cv"
  | "cpu-steal"
  | "high-load"
  | "failed-trials"
  | "few-repetitions"
  | "missing-points"
  | "path-mismatch"
  | "wide-interval";

export interface Warning {
  kind: WarningKind;
  reason: string;
  hint: string;
  /** Trial ids or point keys concerned. */
  subjects: string[];
}

export const THRESHOLDS = {
  /** Coefficient of variation above which a point is called noisy. */
  cv: 0.1,
  /** Mean CPU steal share (percent) of a trial above which the VM's host was busy. */
  stealPct: 5,
  /** Minimum paired repetitions for the exact sign-flip test to reach p < 0.05: its smallest p is 2/2^n (0.0625 at n=5, 0.031 at 6). */
  minPairs: 6,
  /** 1-minute load average per CPU above which other work competed (netperf itself keeps ~1 per side busy). */
  loadPerCpu: 1.5,
} as const;

function pct(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

function moreRepetitionsHint(sweep: Sweep): string {
  const next = Math.max(sweep.repetitions * 2, 10);
  const parts = [`repetitions: ${next} in the sweep file`];
  if (sweep.profile !== "full") parts.push("--profile full (20 s tests)");
  if (!sweep.targetCiPct) parts.push("--target-ci 5 (adds repetitions where needed)");
  if (sweep.cpu.client === undefined && sweep.cpu.server === undefined)
    parts.push("pinning CPUs (cpu: {client: 0, server: 1})");
  return `try ${parts.join(", or ")}`;
}

export function collectWarnings(
  sweep: Sweep,
  points: readonly Point[],
  trials: readonly TrialRecord[],
  summaries: readonly PointSummary[],
  comparisons: readonly Comparison[],
): Warning[] {
  const warnings: Warning[] = [];
  const headline = new Set(["throughputMbps", "transactionsPerSec"]);

  const noisy = summaries.filter((s) => headline.has(s.metric) && s.cv !== null && s.cv > THRESHOLDS.cv);
  if (noisy.length > 0) {
    const worst = noisy.reduce((a, b) => ((a.cv ?? 0) >= (b.cv ?? 0) ? a : b));
    warnings.push({
      kind: "high-cv",
      reason: `${noisy.length} point(s) vary by more than ${pct(THRESHOLDS.cv)} between repetitions; worst: CV ${pct(worst.cv ?? 0)} at ${worst.placement} ${worst.test} ${worst.size} ${worst.mode}`,
      hint: moreRepetitionsHint(sweep),
      subjects: noisy.map((s) => `${s.placement}/${s.test}/${s.size}/${s.mode}`),
    });
  }

  const stolen = trials.filter((t) => (t.noise?.cpuStealPct ?? 0) > THRESHOLDS.stealPct);
  if (stolen.length > 0) {
    const worst = Math.max(...stolen.map((t) => t.noise?.cpuStealPct ?? 0));
    warnings.push({
      kind: "cpu-steal",
      reason: `CPU steal above ${THRESHOLDS.stealPct}% during ${stolen.length} trial(s) (up to ${worst.toFixed(0)}%): the VM's host took CPU time away`,
      hint: "results are noisier than the repetitions alone show; rerun on a quieter machine or at a quieter time",
      subjects: stolen.map((t) => t.id),
    });
  }

  const loaded = trials.filter(
    (t) => t.state === "completed" && (t.noise?.loadPerCpu ?? 0) > THRESHOLDS.loadPerCpu,
  );
  if (loaded.length > 0 && loaded.length >= trials.length / 4) {
    warnings.push({
      kind: "high-load",
      reason: `1-minute load above ${THRESHOLDS.loadPerCpu} per CPU during ${loaded.length} trial(s): other work competed with netperf`,
      hint: "stop other jobs on the machine, or pin netperf and netserver to idle CPUs (cpu: {client, server})",
      subjects: loaded.map((t) => t.id),
    });
  }

  const failed = trials.filter((t) => t.state === "failed");
  if (failed.length > 0) {
    const first = failed[0];
    warnings.push({
      kind: "failed-trials",
      reason: `${failed.length} trial attempt(s) failed${first ? `; first: ${first.id}: ${first.error ?? `exit ${first.exitCode}`}` : ""}`,
      hint: "each failed attempt is in trials.jsonl with its argv, exit code and stderr; `retries:` in the sweep sets how often a trial is retried",
      subjects: failed.map((t) => t.id),
    });
  }

  const mismatched = trials.filter((t) => t.path && !t.path.ok);
  if (mismatched.length > 0) {
    warnings.push({
      kind: "path-mismatch",
      reason: `${mismatched.length} trial(s) took a path that contradicts their mode (e.g. ${mismatched[0]?.id}: ${mismatched[0]?.path?.reason})`,
      hint: "run `routebench lab verify` in each mode; these trials' figures do not measure the mode they are labelled with",
      subjects: mismatched.map((t) => t.id),
    });
  }

  const few = comparisons.filter((c) => c.n < THRESHOLDS.minPairs);
  if (few.length > 0) {
    warnings.push({
      kind: "few-repetitions",
      reason: `${few.length} comparison(s) rest on fewer than ${THRESHOLDS.minPairs} repetitions per mode (n=${Math.min(...few.map((c) => c.n))}): a permutation test cannot reach p < 0.05 there, so no difference can be called significant`,
      hint: `use --profile standard or full, or repetitions: ${THRESHOLDS.minPairs} or more`,
      subjects: [...new Set(few.map((c) => `${c.placement}/${c.test}/${c.size}`))],
    });
  }

  const target = sweep.targetCiPct;
  if (target) {
    const wide = comparisons.filter(
      (c) =>
        c.baseline === "legacy" &&
        headline.has(c.metric) &&
        (c.ciLow === null || c.ciHigh === null || (c.ciHigh - c.ciLow) / 2 / c.ratio > target / 100),
    );
    if (wide.length > 0) {
      warnings.push({
        kind: "wide-interval",
        reason: `${wide.length} comparison(s) never got their CI within ±${sweep.targetCiPct}% (up to ${sweep.maxRepetitions} repetitions)`,
        hint: "raise maxRepetitions in the sweep, or accept a wider --target-ci for these points",
        subjects: wide.map((c) => `${c.placement}/${c.test}/${c.size}/${c.metric}`),
      });
    }
  }

  const measured = new Set(
    trials.filter((t) => t.state === "completed").map((t) => `${t.point.key}|${t.mode}`),
  );
  const missing = points.flatMap((p) =>
    sweep.modes.filter((m) => !measured.has(`${p.key}|${m}`)).map((m) => `${p.key}/${m}`),
  );
  if (missing.length > 0) {
    warnings.push({
      kind: "missing-points",
      reason: `${missing.length} point(s) have no completed trial (e.g. ${missing[0]})`,
      hint: "the run was interrupted or those trials failed; `routebench run --resume DIR` finishes an interrupted run",
      subjects: missing,
    });
  }
  return warnings;
}
