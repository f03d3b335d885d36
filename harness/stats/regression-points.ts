/**
 * The gate's per-point tests: for every point of the judged modes, a one-sided Welch test of
 * the change against the threshold, Holm across the run's points, and the verdict; then the
 * modes pooled, as one Analysis. Pure.
 */
import { median } from "simple-statistics";
import { lowerIsBetter } from "../vocabulary/vocabulary.js";
import { holmAdjust } from "./holm.js";
import {
  detectable,
  distanceToDecide,
  formatP,
  good,
  hintText,
  pct,
  signedPct,
  type Tested,
} from "./regression-evidence.js";
import type { Series } from "./regression-match.js";
import { poolModes } from "./regression-modes.js";
import { side } from "./regression-normalise.js";
import {
  ALPHA_POINTS,
  type Analysis,
  type Basis,
  type ModeComparison,
  type PointComparison,
  type RegressionVerdict,
} from "./regression-types.js";
import { type SeriesKey, SeriesMap, seriesName } from "./series.js";
import { bounds, pBelow, repetitionsToClear, welchDifference } from "./welch.js";

/** A point with no test: what it measured, and nulls for what could not be computed. */
function emptyPoint(key: SeriesKey, name: string, lower: boolean, baseN: number, candN: number) {
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
export function analyse(
  baseIndex: SeriesMap<Series>,
  candIndex: SeriesMap<Series>,
  basis: Basis,
  threshold: number,
): Analysis {
  const lowerLog = Math.log(1 - threshold);
  const upperLog = Math.log(1 + threshold);
  const referenceOf = (index: SeriesMap<Series>, key: SeriesKey) =>
    basis.kind === "normalised" ? index.get({ ...key, mode: basis.reference }) : undefined;
  // every series of either run once, in the baseline's order then the candidate's
  const judged = new SeriesMap<SeriesKey>();
  for (const series of [...baseIndex.values(), ...candIndex.values()]) {
    if (basis.kind === "normalised" && series.key.mode === basis.reference) continue;
    judged.set(series.key, series.key);
  }
  const points: PointComparison[] = [];
  const tested: Tested[] = [];
  for (const key of judged.values()) {
    const name = seriesName(key);
    const lower = lowerIsBetter(key.metric);
    const sides = ([baseIndex, candIndex] as const).map((index) => {
      const series = index.get(key);
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
    // a trial kept on a noisy machine never decides a comparison: the point is not tested
    const noisy = ([baseIndex, candIndex] as const).map((index) => {
      const series = index.get(key);
      const reference = referenceOf(index, key);
      const blocks = new Set(series?.noisy);
      for (const block of reference?.noisy ?? []) if (series?.byBlock.has(block)) blocks.add(block);
      return blocks.size;
    });
    const noisyTrials = (noisy[0] ?? 0) + (noisy[1] ?? 0);
    if (noisyTrials > 0) {
      points.push({
        ...emptyPoint(key, name, lower, baseN, candN),
        baselineMedian: b.median,
        candidateMedian: c.median,
        verdict: "inconclusive",
        noisyTrials,
        reason: `not tested: ${noisy[0]} baseline and ${noisy[1]} candidate repetition(s) were kept although the machine stayed noisy after every allowed repeat, and a noisy trial never decides a comparison; re-run on a quieter machine`,
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
