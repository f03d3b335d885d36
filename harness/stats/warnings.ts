/** Warnings as data: what looks wrong, why it matters, and what to try given the options in use. Pure. */
import type { TrialRecord } from "../results/schema.js";
import type { Comparison, PointSummary, Warning } from "../results/summary-schema.js";
import type { Point } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { MIN_PAIRS } from "./ratio.js";

export type { Warning, WarningKind } from "../results/summary-schema.js";

export const THRESHOLDS = {
  /** Coefficient of variation above which a point is called noisy. */
  cv: 0.1,
  /** Mean CPU steal share (percent) of a trial above which the VM's host was busy. */
  stealPct: 5,
  /** Pairs below which a comparison has no interval (ratio.ts MIN_PAIRS). */
  minPairs: MIN_PAIRS,
  /** Mean steal of one mode's trials above the other's by more than this (percentage points). */
  stealImbalancePct: 1,
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
  if (sweep.cpu.placement === "unpinned") parts.push("both ends on one CPU (cpu: {placement: one-cpu})");
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

  const mismatched = trials.filter(
    (t) => t.rejection && (t.rejection.kind === "path" || t.rejection.kind === "mode"),
  );
  if (mismatched.length > 0) {
    warnings.push({
      kind: "path-mismatch",
      reason: `${mismatched.length} trial attempt(s) were not counted: their packets took a path that contradicts their mode, or the mode was switched under them (e.g. ${mismatched[0]?.id}: ${mismatched[0]?.rejection?.reason})`,
      hint: "they were retried; run `routebench lab verify` in each mode, and make sure nothing else switches the lab during a run",
      subjects: mismatched.map((t) => t.id),
    });
  }

  const repeated = trials.filter((t) => t.rejection?.kind === "noise");
  if (repeated.length > 0) {
    const rules = [
      ...new Set(repeated.map((t) => `${t.rejection?.rule?.name} > ${t.rejection?.rule?.threshold}`)),
    ];
    warnings.push({
      kind: "noise-repeats",
      reason: `${repeated.length} trial attempt(s) ran while the machine was too busy (${rules.join(", ")}) and were repeated; they are kept in trials.jsonl but not counted`,
      hint: "other work competed for the benchmark's CPU or the VM's host took CPU time; run on a quieter machine for fewer repeats",
      subjects: repeated.map((t) => t.id),
    });
  }
  const kept = trials.filter((t) => t.state === "completed" && t.noisy);
  if (kept.length > 0) {
    const rules = [
      ...new Set(
        kept.flatMap((t) => (t.noisyRule ? [`${t.noisyRule.name} > ${t.noisyRule.threshold}`] : [])),
      ),
    ];
    warnings.push({
      kind: "noisy-kept",
      reason: `${kept.length} trial(s) stayed above the noise thresholds${rules.length ? ` (${rules.join(", ")})` : ""} after every allowed repeat and were kept: the machine stayed too noisy for the requested precision, and their points are not headlined as findings`,
      hint: "stop the competing work (see each trial's noise: competingTasks, benchCpuStealPct) and run again, or resume later",
      subjects: kept.map((t) => t.id),
    });
  }

  const steal = new Map<string, number[]>();
  for (const t of trials)
    if (t.state === "completed" && t.noise)
      steal.set(t.mode, [...(steal.get(t.mode) ?? []), t.noise.benchCpuStealPct ?? t.noise.cpuStealPct]);
  const stealMeans = [...steal].map(([mode, values]) => ({
    mode,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  }));
  if (stealMeans.length >= 2) {
    const most = stealMeans.reduce((a, b) => (a.mean >= b.mean ? a : b));
    const least = stealMeans.reduce((a, b) => (a.mean <= b.mean ? a : b));
    if (most.mean - least.mean > THRESHOLDS.stealImbalancePct) {
      warnings.push({
        kind: "steal-imbalance",
        reason: `CPU steal fell unevenly on the modes: ${most.mode} trials lost ${most.mean.toFixed(1)}% on average, ${least.mode} ${least.mean.toFixed(1)}%; pairing cancels drift both modes share, not this`,
        hint: "rerun at a quieter time; trials with steal above the threshold are repeated, this is what remained below it",
        subjects: stealMeans.map((m) => m.mode),
      });
    }
  }

  const datapath = datapathByMode(trials);
  const suspicious = [...datapath].filter(([, modes]) => {
    const values = [...modes.values()];
    const anyDrops = values.some((v) => v.drops > 0);
    const retrans = values.map((v) => v.retransPerTrial);
    const reorder = values.map((v) => v.reorderPerTrial);
    const differs = (xs: number[]) => Math.max(...xs) > 10 && Math.max(...xs) > 2 * Math.min(...xs);
    return anyDrops || differs(retrans) || differs(reorder);
  });
  if (suspicious.length > 0) {
    const [key, modes] = suspicious[0] as [string, Map<string, DatapathByMode>];
    warnings.push({
      kind: "datapath",
      reason: `the lab's own datapath misbehaved differently between modes at ${suspicious.length} point(s), e.g. ${key}: ${[
        ...modes,
      ]
        .map(
          ([mode, v]) =>
            `${mode} ${v.retransPerTrial.toFixed(0)} retransmissions, ${v.reorderPerTrial.toFixed(0)} reorderings, ${v.drops} drops per trial`,
        )
        .join("; ")}`,
      hint: "the comparison may partly measure the lab (drops, reordering) rather than host routing; keep both ends on one CPU (cpu: {placement: one-cpu}) and check each trial's datapath counters",
      subjects: suspicious.map(([k]) => k),
    });
  }

  const unbalanced = comparisons.filter((c) => c.baseline === "legacy" && c.unbalancedPairs > 0);
  if (unbalanced.length > 0) {
    const most = unbalanced.reduce((a, b) => (a.unbalancedPairs >= b.unbalancedPairs ? a : b));
    warnings.push({
      kind: "unbalanced-pairs",
      reason: `other work on the machine hit one trial of a pair and not the other at ${new Set(unbalanced.map((c) => `${c.placement}/${c.test}/${c.size}`)).size} point(s) (up to ${most.unbalancedPairs} pairs at ${most.placement} ${most.test} ${most.size}); those pairs are not counted`,
      hint: "each trial records the other CPUs' busy share (noise.otherCpusBusyPct); run on a quieter machine to lose fewer pairs",
      subjects: [...new Set(unbalanced.map((c) => `${c.placement}/${c.test}/${c.size}`))],
    });
  }

  const few = comparisons.filter((c) => c.ciLow === null);
  if (few.length > 0) {
    warnings.push({
      kind: "few-repetitions",
      reason: `${few.length} comparison(s) rest on fewer than ${THRESHOLDS.minPairs} pairs (n=${Math.min(...few.map((c) => c.n))}): too few for an interval that keeps its coverage, so each is undecided`,
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
        (c.halfWidth === null || c.halfWidth > target / 100),
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

interface DatapathByMode {
  retransPerTrial: number;
  reorderPerTrial: number;
  drops: number;
}

/** Per point, per mode: mean retransmissions and reorderings per completed trial, and all drops. */
export function datapathByMode(trials: readonly TrialRecord[]): Map<string, Map<string, DatapathByMode>> {
  const sums = new Map<string, Map<string, { n: number; retrans: number; reorder: number; drops: number }>>();
  for (const t of trials) {
    if (t.state !== "completed" || !t.datapath) continue;
    const point = sums.get(t.point.key) ?? new Map();
    const sum = point.get(t.mode) ?? { n: 0, retrans: 0, reorder: 0, drops: 0 };
    sum.n++;
    sum.retrans += t.datapath.tcpRetransSegs;
    sum.reorder += t.datapath.tcpReorder;
    sum.drops += Object.values(t.datapath.drops).reduce((a, b) => a + b, 0);
    point.set(t.mode, sum);
    sums.set(t.point.key, point);
  }
  return new Map(
    [...sums].map(([key, modes]) => [
      key,
      new Map(
        [...modes].map(([mode, s]) => [
          mode,
          { retransPerTrial: s.retrans / s.n, reorderPerTrial: s.reorder / s.n, drops: s.drops },
        ]),
      ),
    ]),
  );
}
