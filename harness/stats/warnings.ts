/**
 * Warnings as data: what looks wrong, why it matters, and what to try given the options in use.
 * One small rule per warning kind (`RULES`, in the order they are listed). A subject is a trial
 * id, a mode, or a point as `pointId` (sweep/point.ts) with the mode or metric after a slash.
 * Over 300 lines: one short rule per warning kind, kept side by side so that their wording
 * and thresholds read as one set. Pure.
 */
import type { Results, TrialRecord } from "../results/schema.js";
import type { Comparison, PointSummary, Warning } from "../results/summary-schema.js";
import type { Point } from "../sweep/plan.js";
import { distinctPoints, type PointKey, PointMap, pointId } from "../sweep/point.js";
import type { Sweep } from "../sweep/schema.js";
import { datapathByMode } from "./datapath.js";
import { precisionPair } from "./point-comparison.js";
import { precisionShortfall, restsOnNoisyPairs } from "./precision-shortfall.js";
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

/**
 * What to try for a mode whose trials spread widely. Longer trials are not offered: at one cost
 * in time they widened the eBPF/legacy interval on a noisy host (README, "Trial length: 2 s",
 * `bench:trial-length`). Under a precision target neither are fixed repetitions: `repetitions:`
 * in the sweep file turns the profile's adaptive rule off (sweep/schema.ts), and the adaptive
 * phase already adds pairs where the precision pair's interval is wide; the pairs' spread, not
 * a mode's, sets the interval, and the wide-interval warning names what it could not narrow.
 */
function moreRepetitionsHint(sweep: Sweep): string {
  const parts: string[] = [];
  const pair = precisionPair(sweep.modes);
  // the adaptive rule runs only with a target and a pair to reach it on (run/adaptive.ts)
  const target = pair ? sweep.targetCiPct : undefined;
  // a quick look's next step is the standard profile: its pairs are added where they are needed
  if (sweep.profile === "quick" && pair)
    parts.push("--profile standard (2 s trials, pairs added where an interval is wide)");
  else if (!target) {
    parts.push(
      `repetitions: ${Math.max(sweep.repetitions * 2, 10)} in the sweep file (without --profile on the command line)`,
    );
    if (pair) parts.push("--target-ci 5 (adds repetitions where needed)");
  }
  // explicit CPUs win over placement (machine/cpu-placement.ts): advise what would change it
  const { client, server } = sweep.cpu;
  const cpu = client ?? server;
  if (cpu === undefined && sweep.cpu.placement === "unpinned")
    parts.push("both ends on one CPU (cpu: {placement: one-cpu})");
  else if (client !== server) parts.push(`both ends on one CPU (cpu: {client: ${cpu}, server: ${cpu}})`);
  const tried = parts.length > 0 ? `try ${parts.join(", or ")}` : "";
  if (!target || !pair) return tried;
  const bounds = `up to ${sweep.maxRepetitions} pairs${sweep.timeBudgetMin ? ` within its ${sweep.timeBudgetMin}-minute budget` : ""}`;
  const adaptive = `the comparisons read pairs, which cancel what a block's trials share; the adaptive phase adds pairs where the ${pair.candidate}/${pair.baseline} interval is wider than ±${target}%, ${bounds}, and the wide-interval warning names those it could not narrow`;
  return tried ? `${adaptive}; ${tried}` : adaptive;
}

/** What every rule reads: the sweep, its points, the trials and the summary built from them. */
interface RunFacts {
  sweep: Sweep;
  points: readonly Point[];
  trials: readonly TrialRecord[];
  summaries: readonly PointSummary[];
  comparisons: readonly Comparison[];
  /** How the run ended, when known: a completed run's adaptive phase stopped on its own rules. */
  ended?: Results["state"];
}

/** One rule per warning kind: the warning, or null when the run gives no cause for it. */
type Rule = (run: RunFacts) => Warning | null;

/** A warning's subject for a point: its `pointId`, then the mode or metric concerned. */
function about(key: PointKey, ...what: string[]): string {
  return [pointId(key), ...what].join("/");
}

/** The points of some rows, each named once, in first-seen order. */
const pointSubjects = (rows: readonly PointKey[]) => distinctPoints(rows).map((key) => about(key));

/** The metrics a headline quotes: high variation there is worth a warning. */
const HEADLINE_METRICS: ReadonlySet<string> = new Set(["throughputMbps", "transactionsPerSec"]);

const highCv: Rule = ({ sweep, summaries }) => {
  const noisy = summaries.filter(
    (s) => HEADLINE_METRICS.has(s.metric) && s.cv !== null && s.cv > THRESHOLDS.cv,
  );
  if (noisy.length === 0) return null;
  const worst = noisy.reduce((a, b) => ((a.cv ?? 0) >= (b.cv ?? 0) ? a : b));
  return {
    kind: "high-cv",
    reason: `${noisy.length} point/mode series vary by more than ${pct(THRESHOLDS.cv)} between repetitions; worst: CV ${pct(worst.cv ?? 0)} at ${worst.placement} ${worst.test} ${worst.size} ${worst.mode}`,
    hint: moreRepetitionsHint(sweep),
    subjects: noisy.map((s) => about(s, s.mode)),
  };
};

const cpuSteal: Rule = ({ trials }) => {
  const stolen = trials.filter((t) => (t.noise?.cpuStealPct ?? 0) > THRESHOLDS.stealPct);
  if (stolen.length === 0) return null;
  const worst = Math.max(...stolen.map((t) => t.noise?.cpuStealPct ?? 0));
  return {
    kind: "cpu-steal",
    reason: `CPU steal above ${THRESHOLDS.stealPct}% during ${stolen.length} trial(s) (up to ${worst.toFixed(0)}%): the VM's host took CPU time away`,
    hint: "results are noisier than the repetitions alone show; rerun on a quieter machine or at a quieter time",
    subjects: stolen.map((t) => t.id),
  };
};

const highLoad: Rule = ({ trials }) => {
  const loaded = trials.filter(
    (t) => t.state === "completed" && (t.noise?.loadPerCpu ?? 0) > THRESHOLDS.loadPerCpu,
  );
  if (loaded.length === 0 || loaded.length < trials.length / 4) return null;
  return {
    kind: "high-load",
    reason: `1-minute load above ${THRESHOLDS.loadPerCpu} per CPU during ${loaded.length} trial(s): other work competed with netperf`,
    hint: "stop other jobs on the machine, or pin netperf and netserver to idle CPUs (cpu: {client, server})",
    subjects: loaded.map((t) => t.id),
  };
};

const failedTrials: Rule = ({ trials }) => {
  const failed = trials.filter((t) => t.state === "failed");
  const first = failed[0];
  if (!first) return null;
  return {
    kind: "failed-trials",
    reason: `${failed.length} trial attempt(s) failed; first: ${first.id}: ${first.error ?? `exit ${first.exitCode}`}`,
    hint: "each failed attempt is in trials.jsonl with its argv, exit code and stderr; `retries:` in the sweep sets how often a trial is retried",
    subjects: failed.map((t) => t.id),
  };
};

const pathMismatch: Rule = ({ trials }) => {
  const mismatched = trials.filter(
    (t) => t.rejection && (t.rejection.kind === "path" || t.rejection.kind === "mode"),
  );
  if (mismatched.length === 0) return null;
  return {
    kind: "path-mismatch",
    reason: `${mismatched.length} trial attempt(s) were not counted: their packets took a path that contradicts their mode, or the mode was switched under them (e.g. ${mismatched[0]?.id}: ${mismatched[0]?.rejection?.reason})`,
    hint: "they were retried; run `routebench lab verify` in each mode, and make sure nothing else switches the lab during a run",
    subjects: mismatched.map((t) => t.id),
  };
};

const noiseRepeats: Rule = ({ trials }) => {
  const repeated = trials.filter((t) => t.rejection?.kind === "noise");
  if (repeated.length === 0) return null;
  const rules = [
    ...new Set(repeated.map((t) => `${t.rejection?.rule?.name} > ${t.rejection?.rule?.threshold}`)),
  ];
  return {
    kind: "noise-repeats",
    reason: `${repeated.length} trial attempt(s) ran while the machine was too busy (${rules.join(", ")}) and were repeated; they are kept in trials.jsonl but not counted`,
    hint: "other work competed for the benchmark's CPU or the VM's host took CPU time; run on a quieter machine for fewer repeats",
    subjects: repeated.map((t) => t.id),
  };
};

const noisyKept: Rule = ({ trials }) => {
  const kept = trials.filter((t) => t.state === "completed" && t.noisy);
  if (kept.length === 0) return null;
  const rules = [
    ...new Set(kept.flatMap((t) => (t.noisyRule ? [`${t.noisyRule.name} > ${t.noisyRule.threshold}`] : []))),
  ];
  return {
    kind: "noisy-kept",
    reason: `${kept.length} trial(s) stayed above the noise thresholds${rules.length ? ` (${rules.join(", ")})` : ""} after every allowed repeat and were kept: their pairs are left out of the comparisons, and a comparison left with too few pairs is undecided (noisy pairs), not a finding`,
    hint: "stop the competing work (see each trial's noise: competingTasks, benchCpuStealPct) and run again, or resume later",
    subjects: kept.map((t) => t.id),
  };
};

const stealImbalance: Rule = ({ trials }) => {
  const steal = new Map<string, number[]>();
  for (const t of trials)
    if (t.state === "completed" && t.noise)
      steal.set(t.mode, [...(steal.get(t.mode) ?? []), t.noise.benchCpuStealPct ?? t.noise.cpuStealPct]);
  const means = [...steal].map(([mode, values]) => ({
    mode,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  }));
  if (means.length < 2) return null;
  const most = means.reduce((a, b) => (a.mean >= b.mean ? a : b));
  const least = means.reduce((a, b) => (a.mean <= b.mean ? a : b));
  if (most.mean - least.mean <= THRESHOLDS.stealImbalancePct) return null;
  return {
    kind: "steal-imbalance",
    reason: `CPU steal fell unevenly on the modes: ${most.mode} trials lost ${most.mean.toFixed(1)}% on average, ${least.mode} ${least.mean.toFixed(1)}%; pairing cancels drift both modes share, not this`,
    hint: "rerun at a quieter time; trials with steal above the threshold are repeated, this is what remained below it",
    subjects: means.map((m) => m.mode),
  };
};

const datapath: Rule = ({ trials }) => {
  const suspicious = datapathByMode(trials)
    .entries()
    .filter(([, modes]) => {
      const values = [...modes.values()];
      const anyDrops = values.some((v) => v.drops > 0);
      const differs = (xs: number[]) => Math.max(...xs) > 10 && Math.max(...xs) > 2 * Math.min(...xs);
      return (
        anyDrops ||
        differs(values.map((v) => v.retransPerTrial)) ||
        differs(values.map((v) => v.reorderPerTrial))
      );
    });
  const first = suspicious[0];
  if (!first) return null;
  const [key, modes] = first;
  const counts = [...modes].map(
    ([mode, v]) =>
      `${mode} ${v.retransPerTrial.toFixed(0)} retransmissions, ${v.reorderPerTrial.toFixed(0)} reorderings, ${v.drops} drops per trial`,
  );
  return {
    kind: "datapath",
    reason: `the lab's own datapath misbehaved differently between modes at ${suspicious.length} point(s), e.g. ${pointId(key)}: ${counts.join("; ")}`,
    hint: "the comparison may partly measure the lab (drops, reordering) rather than host routing; keep both ends on one CPU (cpu: {placement: one-cpu}) and check each trial's datapath counters",
    subjects: suspicious.map(([k]) => about(k)),
  };
};

const unbalancedPairs: Rule = ({ comparisons }) => {
  // a comparison's `unbalancedPairs` counts its point's blocks left out (stats/point-comparison.ts)
  const unbalanced = comparisons.filter((c) => c.baseline === "legacy" && c.unbalancedPairs > 0);
  if (unbalanced.length === 0) return null;
  const most = unbalanced.reduce((a, b) => (a.unbalancedPairs >= b.unbalancedPairs ? a : b));
  const subjects = pointSubjects(unbalanced);
  return {
    kind: "unbalanced-pairs",
    reason: `other work on the machine hit one trial of a pair and not the other at ${subjects.length} point(s) (up to ${most.unbalancedPairs} pairs at ${most.placement} ${most.test} ${most.size}); those pairs are not counted`,
    hint: "each trial records the other CPUs' busy share (noise.otherCpusBusyPct); run on a quieter machine to lose fewer pairs",
    subjects,
  };
};

const fewRepetitions: Rule = ({ sweep, comparisons, ended }) => {
  // too few pairs for an interval; a comparison without one for another reason (no spread, too
  // few segments) says so in its own undecidedReason
  const few = comparisons.filter(
    (c) =>
      c.ciLow === null &&
      c.n < THRESHOLDS.minPairs &&
      (c.undecidedReason ?? "too-few-pairs") === "too-few-pairs",
  );
  if (few.length === 0) return null;
  const resume = "`routebench run --resume DIR` finishes an interrupted run";
  // under a target every point of a finished run ran the sweep's repetitions at least: the
  // pairs it lacks were left out, and resuming adds none
  const leftOut = `each point ran at least the sweep's ${sweep.repetitions} blocks: the pairs missing were left out (failed trials, or pairs unbalanced or kept noisy: see the warnings above); run again on a quieter machine`;
  const hint =
    ended !== undefined && ended !== "completed"
      ? resume
      : sweep.targetCiPct
        ? ended === "completed"
          ? leftOut
          : `${leftOut}, or ${resume}`
        : `use --profile standard (at least 8 pairs, adaptive to ±3%), or repetitions: ${THRESHOLDS.minPairs} or more in the sweep file (without --profile on the command line)`;
  return {
    kind: "few-repetitions",
    reason: `${few.length} comparison(s) rest on fewer than ${THRESHOLDS.minPairs} pairs (n=${Math.min(...few.map((c) => c.n))}): too few for an interval that keeps its coverage, so each is undecided`,
    hint,
    subjects: pointSubjects(few),
  };
};

/**
 * Comparisons wider than the target, with what stopped them and what they would still take
 * (stats/precision-shortfall.ts), so a noisy machine reads as such, not as a setting too low.
 * They are the comparisons the adaptive rule works on (`pointPrecision`): every compared metric
 * of the precision pair, latency percentiles included, so the warning counts what the run chased.
 */
const wideInterval: Rule = ({ sweep, comparisons, trials, ended }) => {
  const target = sweep.targetCiPct;
  const pair = precisionPair(sweep.modes);
  if (!target || !pair) return null;
  const wide = comparisons.filter(
    (c) =>
      c.baseline === pair.baseline &&
      c.candidate === pair.candidate &&
      // an interval over pairs kept noisy reaches nothing (pointPrecision), however narrow
      (c.halfWidth === null || c.halfWidth > target / 100 || restsOnNoisyPairs(c)),
  );
  if (wide.length === 0) return null;
  return {
    kind: "wide-interval",
    ...precisionShortfall(sweep, target, wide, trials, ended),
    subjects: wide.map((c) => about(c, c.metric)),
  };
};

const missingPoints: Rule = ({ sweep, points, trials }) => {
  const measured = new PointMap<Set<string>>();
  for (const t of trials) if (t.state === "completed") measured.upsert(t.point, () => new Set()).add(t.mode);
  const missing = points.flatMap((p) =>
    sweep.modes.filter((m) => !measured.get(p)?.has(m)).map((m) => about(p, m)),
  );
  if (missing.length === 0) return null;
  return {
    kind: "missing-points",
    reason: `${missing.length} point/mode series have no completed trial (e.g. ${missing[0]})`,
    hint: "the run was interrupted or those trials failed; `routebench run --resume DIR` finishes an interrupted run",
    subjects: missing,
  };
};

/** The rules, in the order their warnings are listed. */
const RULES: readonly Rule[] = [
  highCv,
  cpuSteal,
  highLoad,
  failedTrials,
  pathMismatch,
  noiseRepeats,
  noisyKept,
  stealImbalance,
  datapath,
  unbalancedPairs,
  fewRepetitions,
  wideInterval,
  missingPoints,
];

export function collectWarnings(
  sweep: Sweep,
  points: readonly Point[],
  trials: readonly TrialRecord[],
  summaries: readonly PointSummary[],
  comparisons: readonly Comparison[],
  ended?: Results["state"],
): Warning[] {
  const run = { sweep, points, trials, summaries, comparisons, ...(ended ? { ended } : {}) };
  return RULES.flatMap((rule) => rule(run) ?? []);
}
