/**
 * `history check`: step changes over a series of runs, for each point, mode and metric, and
 * the decision a pipeline acts on, with `compare`'s exit codes. Pure.
 *
 * The run's false-alarm rate α = 0.05 (the chance that a history where nothing changed reports
 * any step) is split evenly among its series (Bonferroni); each series is searched by
 * history/changes.ts at its share. A step is
 *   for the worse   significant, and the metric worse after it by more than the tolerance;
 *   for the better  significant, and better by more than the tolerance;
 *   within tolerance otherwise (reported, never failing).
 * Decision: regression (exit 1) when any series has a step for the worse; undecided (exit 5)
 * when none has but the newest run of a series is outside its prediction interval for the
 * worse by more than the tolerance (one run cannot confirm a step: run again), or there are
 * too few runs to find any step; pass (exit 0) otherwise.
 */

import { GATE_EXIT_CODES, type GateDecision } from "../stats/regression-types.js";
import { type SeriesKey, SeriesMap, seriesName } from "../stats/series.js";
import { keyOf } from "../sweep/point.js";
import { lowerIsBetter, type MetricName } from "../vocabulary/vocabulary.js";
import { detectSteps, MIN_SEGMENT, newestSuspect, type Observation } from "./changes.js";
import { type HistoryRun, newestDesignRuns } from "./runs.js";

export const HISTORY_ALPHA = 0.05;

/** Checked by default: each test's outcome (rates) and latency percentiles, as the gate judges them. */
export const HISTORY_METRICS: readonly MetricName[] = [
  "throughputMbps",
  "transactionsPerSec",
  "connectionsPerSec",
  "p50Us",
  "p90Us",
  "p99Us",
];

export type StepKind = "worse" | "better" | "within tolerance";

/** A run as a check names it. */
export interface RunRef {
  index: number;
  runId: string;
  label: string;
  startedAt: string;
  gitCommit: string | null;
}

export interface DetectedStep {
  /** The first run after the change, and the last run before it. */
  run: RunRef;
  previous: RunRef;
  before: number;
  after: number;
  /** after / before. */
  ratio: number;
  /** Signed change in the metric's good direction: −0.1 is 10% worse. */
  goodChange: number;
  p: number;
  kind: StepKind;
}

export interface SeriesCheck extends SeriesKey {
  name: string;
  /** The runs that measured this series, oldest first (indices into the checked runs). */
  runs: number[];
  steps: DetectedStep[];
  /** The newest run outside its prediction interval for the worse beyond the tolerance, unconfirmed. */
  suspect: { run: RunRef; ratio: number; goodChange: number; p: number } | null;
  verdict: "regression" | "suspect" | "ok";
}

export interface HistoryCheck {
  runs: RunRef[];
  maxRegressionPct: number;
  alphaPerSeries: number;
  series: SeriesCheck[];
  /** Runs of more than one sweep design: described, and the check only pools runs of the newest design. */
  mixedSweeps: string | null;
  method: string;
  decision: { decision: GateDecision; exitCode: number; reason: string };
}

export interface CheckOptions {
  maxRegressionPct: number;
  metrics?: readonly MetricName[];
}

function runRef(run: HistoryRun, index: number): RunRef {
  return { index, runId: run.runId, label: run.label, startedAt: run.startedAt, gitCommit: run.gitCommit };
}

/** Good-direction change of a ratio: latency down is better. */
function goodChangeOf(ratio: number, metric: MetricName): number {
  return lowerIsBetter(metric) ? 1 / ratio - 1 : ratio - 1;
}

/** Every series of the runs: its observations by run, oldest first. */
export function collectSeries(
  runs: readonly HistoryRun[],
  metrics: readonly MetricName[],
): { key: SeriesKey; runs: number[]; observations: Observation[] }[] {
  const series = new SeriesMap<{ key: SeriesKey; runs: number[]; observations: Observation[] }>();
  runs.forEach((run, index) => {
    for (const p of run.points) {
      if (!metrics.includes(p.metric) || !(p.median > 0)) continue;
      const key: SeriesKey = { ...keyOf(p), mode: p.mode, metric: p.metric };
      const entry = series.upsert(key, () => ({ key, runs: [], observations: [] }));
      entry.runs.push(index);
      entry.observations.push({ value: p.median, low: p.ciLow, high: p.ciHigh });
    }
  });
  return series.values();
}

/** Checks the runs (any order; they are sorted oldest first). */
export function checkHistory(allRuns: readonly HistoryRun[], options: CheckOptions): HistoryCheck {
  const { runs, mixed } = newestDesignRuns(allRuns);
  const refs = runs.map(runRef);
  const tolerance = options.maxRegressionPct / 100;
  const metrics = options.metrics ?? HISTORY_METRICS;
  const collected = collectSeries(runs, metrics);
  const alpha = HISTORY_ALPHA / Math.max(1, collected.length);
  const series = collected.map(({ key, runs: indices, observations }): SeriesCheck => {
    const rounded = observations.every((o) => Number.isInteger(o.value)) && !key.metric.endsWith("Mbps");
    const found = detectSteps(observations, { alpha, rounded });
    const steps = found.map((s): DetectedStep => {
      const goodChange = goodChangeOf(s.ratio, key.metric);
      return {
        run: refs[indices[s.index] as number] as RunRef,
        previous: refs[indices[s.index - 1] as number] as RunRef,
        before: s.before,
        after: s.after,
        ratio: s.ratio,
        goodChange,
        p: s.p,
        kind: goodChange < -tolerance ? "worse" : goodChange > tolerance ? "better" : "within tolerance",
      };
    });
    const outlier = newestSuspect(observations, found, { alpha, rounded });
    const suspectChange = outlier ? goodChangeOf(outlier.ratio, key.metric) : 0;
    const suspect =
      outlier && suspectChange < -tolerance
        ? {
            run: refs[indices[outlier.index] as number] as RunRef,
            ratio: outlier.ratio,
            goodChange: suspectChange,
            p: outlier.p,
          }
        : null;
    return {
      ...key,
      name: seriesName(key),
      runs: indices,
      steps,
      suspect,
      verdict: steps.some((s) => s.kind === "worse") ? "regression" : suspect ? "suspect" : "ok",
    };
  });
  return {
    runs: refs,
    maxRegressionPct: options.maxRegressionPct,
    alphaPerSeries: alpha,
    series,
    mixedSweeps: mixed,
    method: `E-divisive means locates each step (binary segmentation, ≥ ${MIN_SEGMENT} runs a side); a t-test of the log medians on either side, its variance floored by the runs' own intervals, Bonferroni over candidate splits, at α = ${HISTORY_ALPHA} shared by ${collected.length} series (${alpha.toPrecision(2)} each)`,
    decision: decide(series, runs.length, options.maxRegressionPct),
  };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

function decide(series: readonly SeriesCheck[], runCount: number, pct: number): HistoryCheck["decision"] {
  const result = (decision: GateDecision, reason: string) => ({
    decision,
    exitCode: GATE_EXIT_CODES[decision],
    reason,
  });
  const worse = series.filter((s) => s.verdict === "regression");
  if (worse.length) {
    const first = worse
      .flatMap((s) => s.steps.filter((step) => step.kind === "worse"))
      .sort((a, b) => a.run.index - b.run.index)[0] as DetectedStep;
    return result(
      "regression",
      `${worse.length} series changed for the worse by more than ${pct}%, the first from run ${first.run.index + 1} (${first.run.label}${first.run.gitCommit ? `, commit ${first.run.gitCommit}` : ""})`,
    );
  }
  if (runCount < 2 * MIN_SEGMENT)
    return result(
      "undecided",
      `${plural(runCount, "run")}: a step needs ${MIN_SEGMENT} runs on each side (${2 * MIN_SEGMENT} runs)`,
    );
  const suspects = series.filter((s) => s.verdict === "suspect");
  if (suspects.length)
    return result(
      "undecided",
      `the newest run is worse by more than ${pct}% in ${suspects.length} series, beyond their prediction intervals; one run cannot confirm a step: run again`,
    );
  return result(
    "pass",
    `no step for the worse beyond ${pct}% in ${series.length} series over ${plural(runCount, "run")}`,
  );
}
