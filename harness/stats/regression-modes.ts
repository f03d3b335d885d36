/**
 * The gate's pooled verdict per mode: each repetition's weighted mean change over the mode's
 * points, a one-sided Welch test between the runs, Holm across modes. Pure.
 */
import { pointId } from "../sweep/point.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import { holmAdjust } from "./holm.js";
import { detectable, formatP, hintText, pct, signedPct, type Tested } from "./regression-evidence.js";
import type { Side } from "./regression-normalise.js";
import { ALPHA_MODES, ALPHA_PASS, type ModeComparison } from "./regression-types.js";
import { bounds, type LogSample, pBelow, repetitionsToClear, sampleOf, welchDifference } from "./welch.js";

/** The per-mode test: each repetition's weighted mean change over the mode's points, Welch between runs. */
export function poolModes(
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
      const test = pointId(t.key);
      perTest.set(test, (perTest.get(test) ?? 0) + 1);
    }
    const weight = (t: Tested) => 1 / (perTest.get(pointId(t.key)) ?? 1);
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
