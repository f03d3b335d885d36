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
 * The gate: regression (exit 1) when a point or a mode regressed; pass (exit 0) when none did,
 * every mode is shown not worse than 1 − T and no point was lost; undecided (exit 5) otherwise.
 * Optionally each run is first normalised by an in-run reference mode (per point and
 * repetition), so drift every mode shares cancels; the raw comparison is kept beside it.
 * Error rates and power are measured by seeded simulation in regression.test.ts and
 * `npm run bench:gate`.
 */

import { median } from "simple-statistics";
import type { Results } from "../results/schema.js";
import { UsageError } from "../util/errors.js";
import { lowerIsBetter, type MetricName, type Mode } from "../vocabulary/vocabulary.js";
import { holmAdjust } from "./holm.js";
import { studentTQuantile } from "./student-t.js";
import { comparedMetrics } from "./summary.js";
import {
  bounds,
  type Contrast,
  type LogSample,
  logSample,
  pBelow,
  repetitionsToClear,
  sampleOf,
  welchDifference,
} from "./welch.js";

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

export interface PointKey {
  mode: Mode;
  placement: string;
  test: string;
  size: string;
  metric: MetricName;
}

/** The parts of a results file the gate reads (the summary is not needed). */
export type CompareInput = Pick<Results, "runId" | "label" | "sweep" | "trials" | "environment">;

export interface PointComparison extends PointKey {
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

export function pointName(key: PointKey): string {
  return `${key.placement}/${key.test}/${key.size}/${key.mode}/${key.metric}`;
}

interface Series {
  key: PointKey;
  /** Completed values by repetition (block). */
  byBlock: Map<number, number>;
}

/** Every compared point of a run with its values by repetition. */
function indexRun(run: CompareInput, metrics?: readonly MetricName[]): Map<string, Series> {
  const index = new Map<string, Series>();
  for (const t of run.trials) {
    if (t.state !== "completed") continue;
    for (const metric of comparedMetrics(run.sweep, t.point.test)) {
      if (metrics && !metrics.includes(metric)) continue;
      const value = t.metrics?.[metric];
      if (value === undefined) continue;
      const key: PointKey = {
        mode: t.mode,
        placement: t.point.placement,
        test: t.point.test,
        size: t.point.size,
        metric,
      };
      const name = pointName(key);
      const series = index.get(name) ?? { key, byBlock: new Map() };
      series.byBlock.set(t.block, value);
      index.set(name, series);
    }
  }
  return index;
}

function describeSet(keys: PointKey[], pick: (k: PointKey) => string): string {
  return [...new Set(keys.map(pick))].sort().join(", ") || "none";
}

/** Explains why two runs share no point: which dimension differs. */
export function incompatibility(baseline: PointKey[], candidate: PointKey[]): string {
  const dims: [string, (k: PointKey) => string][] = [
    ["modes", (k) => k.mode],
    ["placements", (k) => k.placement],
    ["tests", (k) => k.test],
    ["sizes", (k) => `${k.test} ${k.size}`],
    ["metrics", (k) => k.metric],
  ];
  const differences = dims
    .map(([name, pick]) => [name, describeSet(baseline, pick), describeSet(candidate, pick)] as const)
    .filter(([, a, b]) => a !== b)
    .map(([name, a, b]) => `${name}: baseline has ${a}; candidate has ${b}`);
  return differences.length ? differences.join("\n  ") : "the runs have no completed trials in common";
}

/** One run's side of a point on the tested scale: log values, or log ratios to the reference by repetition. */
interface Side {
  /** Tested values (log scale) by repetition. */
  logs: Map<number, number>;
  sample: LogSample;
  median: number;
}

function side(series: Series, reference: Series | undefined): Side | "non-positive" | "empty" {
  const logs = new Map<number, number>();
  let resolution: number;
  if (reference) {
    for (const [block, value] of series.byBlock) {
      const ref = reference.byBlock.get(block);
      if (ref === undefined) continue;
      if (!(value > 0 && ref > 0)) return "non-positive";
      logs.set(block, Math.log(value / ref));
    }
    if (logs.size === 0) return "empty";
    const blocks = [...logs.keys()];
    resolution =
      logSample(blocks.map((b) => series.byBlock.get(b) as number)).resolutionVariance +
      logSample(blocks.map((b) => reference.byBlock.get(b) as number)).resolutionVariance;
  } else {
    if (series.byBlock.size === 0) return "empty";
    for (const [block, value] of series.byBlock) {
      if (!(value > 0)) return "non-positive";
      logs.set(block, Math.log(value));
    }
    resolution = logSample([...series.byBlock.values()]).resolutionVariance;
  }
  const values = [...logs.values()];
  return { logs, sample: sampleOf(values, resolution), median: Math.exp(median(values)) };
}

/** A contrast turned to the metric's good direction (negative is worse). */
function good(contrast: Contrast, lower: boolean): Contrast {
  return lower ? { ...contrast, estimate: -contrast.estimate } : contrast;
}

const pct = (logChange: number) => `${(Math.abs(Math.exp(logChange) - 1) * 100).toFixed(1)}%`;
const signedPct = (logChange: number) => {
  const change = (Math.exp(logChange) - 1) * 100;
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(1)}%`;
};

/** Distance from an estimate to the boundary it must clear to be decided; 0 when it sits on one. */
function distanceToDecide(estimate: number, lowerLog: number, upperLog: number): number {
  return Math.min(Math.abs(estimate - lowerLog), Math.abs(estimate - upperLog));
}

function hintText(needed: number | null): string {
  return needed === null
    ? "no practical number of repetitions (over 10,000) decides it at this spread: the estimate is too close to a boundary"
    : `about ${needed} repetitions per run would decide it at this spread`;
}

interface Tested {
  key: PointKey;
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

function emptyPoint(key: PointKey, name: string, lower: boolean, baseN: number, candN: number) {
  return {
    ...key,
    name,
    lowerIsBetter: lower,
    baselineN: baseN,
    candidateN: candN,
    baselineMedian: null,
    candidateMedian: null,
    ratio: null,
    ciLow: null,
    ciHigh: null,
    pWorse: null,
    pWorseAdjusted: null,
    detectableWorsening: null,
    goodChange: null,
  };
}

/** Judges every point of the judged modes, then pools each mode. */
function analyse(
  baseIndex: Map<string, Series>,
  candIndex: Map<string, Series>,
  basis: Basis,
  threshold: number,
): Analysis {
  const lowerLog = Math.log(1 - threshold);
  const upperLog = Math.log(1 + threshold);
  const referenceOf = (index: Map<string, Series>, key: PointKey) =>
    basis.kind === "normalised" ? index.get(pointName({ ...key, mode: basis.reference })) : undefined;
  const names = new Map<string, PointKey>();
  for (const series of [...baseIndex.values(), ...candIndex.values()]) {
    if (basis.kind === "normalised" && series.key.mode === basis.reference) continue;
    names.set(pointName(series.key), series.key);
  }
  const points: PointComparison[] = [];
  const tested: Tested[] = [];
  for (const [name, key] of names) {
    const lower = lowerIsBetter(key.metric);
    const sides = ([baseIndex, candIndex] as const).map((index) => {
      const series = index.get(name);
      if (!series) return "empty" as const;
      if (basis.kind === "normalised" && !referenceOf(index, key)) return "empty" as const;
      return side(series, referenceOf(index, key));
    });
    const [b, c] = sides;
    const baseN = typeof b === "object" ? b.sample.n : 0;
    const candN = typeof c === "object" ? c.sample.n : 0;
    if (b === "empty" || c === "empty" || b === undefined || c === undefined) {
      const where = b === "empty" ? "candidate" : "baseline";
      const what =
        basis.kind === "normalised" ? `with its ${basis.reference} reference in the same repetition` : "";
      points.push({
        ...emptyPoint(key, name, lower, baseN, candN),
        baselineMedian: typeof b === "object" ? b.median : null,
        candidateMedian: typeof c === "object" ? c.median : null,
        verdict: "missing",
        reason: `measured ${what}${what ? " " : ""}in the ${where} only`,
      });
      continue;
    }
    if (b === "non-positive" || c === "non-positive") {
      points.push({
        ...emptyPoint(key, name, lower, baseN, candN),
        verdict: "inconclusive",
        reason: "a value is zero or negative: no ratio can be formed",
      });
      continue;
    }
    const contrast = good(welchDifference(b.sample, c.sample), lower);
    const above = pBelow(contrast, upperLog);
    tested.push({
      key,
      name,
      lower,
      base: b,
      cand: c,
      contrast,
      pWorse: pBelow(contrast, lowerLog),
      pBetter: above === null ? null : 1 - above,
    });
  }

  const adjustedWorse = holmAdjust(tested.map((t) => t.pWorse));
  const adjustedBetter = holmAdjust(tested.map((t) => t.pBetter));
  const perPointAlpha = ALPHA_POINTS / Math.max(tested.length, 1);
  tested.forEach((t, i) => {
    const d = t.contrast.estimate;
    const ratio = Math.exp(t.lower ? -d : d);
    const interval = t.pWorse === null ? null : bounds(t.contrast, perPointAlpha);
    const adjWorse = adjustedWorse[i] ?? null;
    const adjBetter = adjustedBetter[i] ?? null;
    const n = Math.min(t.base.sample.n, t.cand.sample.n);
    // the interval of the ratio (not of the good change): latency's is the inverse
    const [ciLow, ciHigh] = interval
      ? t.lower
        ? [Math.exp(-interval.high), Math.exp(-interval.low)]
        : [Math.exp(interval.low), Math.exp(interval.high)]
      : [null, null];
    const point: PointComparison = {
      ...emptyPoint(t.key, t.name, t.lower, t.base.sample.n, t.cand.sample.n),
      baselineMedian: t.base.median,
      candidateMedian: t.cand.median,
      ratio,
      ciLow,
      ciHigh,
      pWorse: t.pWorse,
      pWorseAdjusted: adjWorse,
      detectableWorsening: detectable(t.contrast, perPointAlpha, lowerLog),
      goodChange: Math.exp(d) - 1,
      verdict: "inconclusive",
      reason: "",
    };
    const holm = `Holm over ${tested.length} points`;
    if (!interval || adjWorse === null || adjBetter === null) {
      point.reason = "fewer than 2 repetitions in both runs: no spread to test against";
    } else if (adjWorse <= ALPHA_POINTS && d < lowerLog) {
      point.verdict = "regression";
      point.reason = `worse by ${pct(d)}, shown worse than −${threshold * 100}%: one-sided Welch p = ${formatP(adjWorse)} (${holm})`;
    } else if (adjBetter <= ALPHA_POINTS && d > upperLog) {
      point.verdict = "improvement";
      point.reason = `better by ${pct(d)}, shown better than +${threshold * 100}%: one-sided Welch p = ${formatP(adjBetter)} (${holm})`;
    } else if (interval.low >= lowerLog && interval.high <= upperLog) {
      point.verdict = "unchanged";
      point.reason = `the simultaneous 95% interval (${signedPct(interval.low)} to ${signedPct(interval.high)}) is within ±${threshold * 100}%`;
    } else {
      const needed = repetitionsToClear(
        t.contrast,
        n,
        distanceToDecide(d, lowerLog, upperLog),
        perPointAlpha,
      );
      if (needed !== null) point.repetitionsToDecide = needed;
      const why =
        d < lowerLog
          ? `worse by ${pct(d)}, but not shown worse than −${threshold * 100}%: one-sided Welch p = ${formatP(adjWorse)} (${holm}; a regression needs ≤ ${ALPHA_POINTS})`
          : d > upperLog
            ? `better by ${pct(d)}, but not shown better than +${threshold * 100}%: p = ${formatP(adjBetter)} (${holm})`
            : `changed by ${signedPct(d)}, but the simultaneous 95% interval (${signedPct(interval.low)} to ${signedPct(interval.high)}) reaches beyond ±${threshold * 100}%`;
      point.reason = `${why}; ${hintText(needed)}`;
    }
    points.push(point);
  });

  const modes = poolModes(tested, lowerLog, upperLog, threshold);
  const order: RegressionVerdict[] = ["regression", "inconclusive", "missing", "improvement", "unchanged"];
  points.sort((a, b) => order.indexOf(a.verdict) - order.indexOf(b.verdict) || a.name.localeCompare(b.name));
  const counts = Object.fromEntries(
    order.map((v) => [v, points.filter((p) => p.verdict === v).length]),
  ) as Record<RegressionVerdict, number>;
  return { basis, points, modes, counts, sensitivity: sensitivity(points, modes) };
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** The per-mode test: each repetition's weighted mean change over the mode's points, Welch between runs. */
function poolModes(
  tested: readonly Tested[],
  lowerLog: number,
  upperLog: number,
  threshold: number,
): ModeComparison[] {
  const byMode = new Map<Mode, Tested[]>();
  for (const t of tested) byMode.set(t.key.mode, [...(byMode.get(t.key.mode) ?? []), t]);
  const pooled = [...byMode].map(([mode, group]) => {
    // one weight per netperf test (placement, test, size), shared by its metrics: they come
    // from the same trial and move together, so five TCP_RR metrics are not five witnesses
    const perTest = new Map<string, number>();
    for (const t of group) {
      const test = `${t.key.placement}/${t.key.test}/${t.key.size}`;
      perTest.set(test, (perTest.get(test) ?? 0) + 1);
    }
    const weight = (t: Tested) => 1 / (perTest.get(`${t.key.placement}/${t.key.test}/${t.key.size}`) ?? 1);
    const scores = (pick: (t: Tested) => Side): LogSample => {
      const sums = new Map<number, { value: number; weight: number }>();
      let resolution = 0;
      let totalWeight = 0;
      for (const t of group) {
        const s = pick(t);
        const w = weight(t);
        const sign = t.lower ? -1 : 1;
        // centred on the baseline's mean, so a repetition missing a point is not pulled by its level
        const centre = t.base.sample.mean;
        for (const [block, y] of s.logs) {
          const sum = sums.get(block) ?? { value: 0, weight: 0 };
          sum.value += w * sign * (y - centre);
          sum.weight += w;
          sums.set(block, sum);
        }
        resolution += w ** 2 * s.sample.resolutionVariance;
        totalWeight += w;
      }
      return sampleOf(
        [...sums.values()].map((s) => s.value / s.weight),
        resolution / totalWeight ** 2,
      );
    };
    const base = scores((t) => t.base);
    const cand = scores((t) => t.cand);
    const contrast = welchDifference(base, cand);
    const above = pBelow(contrast, upperLog);
    return {
      mode,
      group,
      contrast,
      n: Math.min(base.n, cand.n),
      pWorse: pBelow(contrast, lowerLog),
      pBetter: above === null ? null : 1 - above,
    };
  });
  const adjustedWorse = holmAdjust(pooled.map((m) => m.pWorse));
  const adjustedBetter = holmAdjust(pooled.map((m) => m.pBetter));
  const perModeAlpha = ALPHA_MODES / Math.max(pooled.length, 1);
  return pooled.map((m, i): ModeComparison => {
    const d = m.contrast.estimate;
    const interval = m.pWorse === null ? null : bounds(m.contrast, ALPHA_PASS);
    const adjWorse = adjustedWorse[i] ?? null;
    const adjBetter = adjustedBetter[i] ?? null;
    const result: ModeComparison = {
      mode: m.mode,
      points: m.group.length,
      n: m.n,
      goodChange: Math.exp(d) - 1,
      goodLow: interval ? Math.exp(interval.low) - 1 : null,
      detectableWorsening: m.pWorse === null ? null : detectable(m.contrast, perModeAlpha, lowerLog),
      pWorse: m.pWorse,
      pWorseAdjusted: adjWorse,
      verdict: "inconclusive",
      reason: "",
    };
    const over = `over ${m.group.length} points, Holm over ${pooled.length} mode(s)`;
    if (!interval || adjWorse === null || adjBetter === null) {
      result.reason = "fewer than 2 repetitions in both runs: no spread to test against";
    } else if (adjWorse <= ALPHA_MODES && d < lowerLog) {
      result.verdict = "regression";
      result.reason = `worse by ${pct(d)} on average, shown worse than −${threshold * 100}%: one-sided Welch p = ${formatP(adjWorse)} (${over})`;
    } else if (interval.low > lowerLog) {
      const better = adjBetter <= ALPHA_MODES && d > upperLog;
      result.verdict = better ? "improvement" : "not worse";
      result.reason = `${better ? `better by ${pct(d)} on average; ` : ""}no worse than −${threshold * 100}%: its one-sided 95% bound is ${signedPct(interval.low)} (${over})`;
    } else {
      // worse than T: what it takes to call it a regression; otherwise to show it is not worse
      const needed =
        d < lowerLog
          ? repetitionsToClear(m.contrast, m.n, lowerLog - d, perModeAlpha)
          : repetitionsToClear(m.contrast, m.n, d - lowerLog, ALPHA_PASS);
      if (needed !== null) result.repetitionsToDecide = needed;
      const why =
        d < lowerLog
          ? `worse by ${pct(d)} on average, but not shown worse than −${threshold * 100}%: one-sided Welch p = ${formatP(adjWorse)} (${over}; a regression needs ≤ ${ALPHA_MODES})`
          : `changed by ${signedPct(d)} on average, but its one-sided 95% bound (${signedPct(interval.low)}) does not rule out −${threshold * 100}% (${over})`;
      result.reason = `${why}; ${hintText(needed)}`;
    }
    return result;
  });
}

/** The true worsening a test at one-sided level `alpha` calls a regression half the time: the threshold plus t·se. */
function detectable(contrast: Contrast, alpha: number, lowerLog: number): number | null {
  if (contrast.df === null) return null;
  return 1 - Math.exp(lowerLog - studentTQuantile(1 - alpha, contrast.df) * contrast.se);
}

/** The smallest worsening each level can call a regression, at the repetitions and spread measured. */
function sensitivity(points: readonly PointComparison[], modes: readonly ModeComparison[]): string {
  const tested = points.filter((p) => p.detectableWorsening !== null);
  if (tested.length === 0) return "no point has 2 repetitions in a run: nothing can be tested";
  const ns = tested.map((p) => Math.min(p.baselineN, p.candidateN));
  const nText = Math.min(...ns) === Math.max(...ns) ? `${ns[0]}` : `${Math.min(...ns)}–${Math.max(...ns)}`;
  const share = (x: number) => `${(x * 100).toFixed(1)}%`;
  const modeText = modes
    .filter((m) => m.detectableWorsening !== null)
    .map((m) => `${m.mode} ${share(m.detectableWorsening as number)}`);
  return `at n = ${nText} per run and the spread measured here, a point can be called a regression only when worse by about ${share(median(tested.map((p) => p.detectableWorsening as number)))} or more (median over ${tested.length} points), a mode when worse on average by about ${modeText.join(", ") || "–"}`;
}

function modesOf(index: Map<string, Series>): Set<Mode> {
  return new Set([...index.values()].map((s) => s.key.mode));
}

/**
 * The reference mode for normalisation: the one asked for, or (`auto`) `host` where both runs
 * measured it (node-to-node, no pod datapath at all), else `legacy`. It must be in both runs
 * beside at least one other mode.
 */
export function normalisationReference(
  requested: Mode | "auto",
  baseModes: ReadonlySet<Mode>,
  candModes: ReadonlySet<Mode>,
): Mode {
  const inBoth = (mode: Mode) => baseModes.has(mode) && candModes.has(mode);
  const reference = requested !== "auto" ? requested : inBoth("host") ? "host" : "legacy";
  const others = [...baseModes].filter((m) => m !== reference && candModes.has(m));
  if (!inBoth(reference) || others.length === 0) {
    throw new UsageError(
      `--normalise needs a reference mode measured in both runs beside another mode; ${reference} is not usable: the baseline has ${[...baseModes].join(", ")}, the candidate ${[...candModes].join(", ")}`,
      "name a mode both runs measured, e.g. --normalise legacy, or compare without --normalise",
    );
  }
  return reference;
}

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
  if (![...baseIndex.keys()].some((name) => candIndex.has(name))) {
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
  const { gate, requirement } = decide(analysis, options.maxRegressionPct);
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
      ...designNotes(baseline, candidate, basis),
      ...environmentNotes(baseline, candidate),
      ...sharedShiftNotes(raw, basis),
    ],
  };
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
  if (lost.length === 0 && open.length === 0 && analysis.modes.length > 0) {
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

function methodText(analysis: Analysis): string[] {
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
    if (p.mode === "host" || p.goodChange === null) continue;
    const key = `${p.placement} ${p.test} ${p.size} ${p.metric}`;
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
  const pods = raw.modes.filter((m) => m.mode !== "host");
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
