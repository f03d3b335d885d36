/**
 * Step detection over runs: reference values, the decisions of `history check`, and the
 * false-alarm rate and detection delay by seeded simulation (tagged slow).
 */
import { describe, expect, it } from "vitest";
import { detectionRates, type SeriesScenario } from "../../../harness/bench/history-simulation.js";
import {
  detectSteps,
  energyStatistic,
  newestSuspect,
  type Observation,
} from "../../../harness/history/changes.js";
import { checkHistory } from "../../../harness/history/check.js";
import { run } from "./history-runs.js";

const observations = (values: number[], halfWidth = 0.01): Observation[] =>
  values.map((value) => ({ value, low: value * (1 - halfWidth), high: value * (1 + halfWidth) }));

describe("step detection in one series", () => {
  it("computes Matteson & James's statistic", () => {
    // [0, 0 | 1, 1]: between-sample mean distance 1, within 0: (2·2/4) · (2·1 − 0 − 0) = 2
    expect(energyStatistic([0, 0, 1, 1], 2)).toBeCloseTo(2, 12);
    // [0, 1 | 0, 1]: between 0.5, within 1 each: 1 · (1 − 1 − 1) = −1
    expect(energyStatistic([0, 1, 0, 1], 2)).toBeCloseTo(-1, 12);
  });

  it("finds a clean 10% step where it starts and nothing in a flat series", () => {
    const flat = [1000, 1012, 995, 1004, 990, 1008, 1001, 997, 1010, 993, 1003, 999];
    expect(detectSteps(observations(flat), { alpha: 0.05 })).toEqual([]);
    const stepped = flat.map((v, i) => (i >= 7 ? v * 0.9 : v));
    const steps = detectSteps(observations(stepped), { alpha: 0.001 });
    expect(steps.map((s) => s.index)).toEqual([7]);
    expect(steps[0]?.ratio).toBeCloseTo(0.9, 2);
  });

  it("floors the variance by the runs' own intervals: a shift inside them is no step", () => {
    const values = [100, 100, 100, 100, 100, 100, 103, 103, 103, 103, 103, 103];
    expect(detectSteps(observations(values, 0.001), { alpha: 0.05 }).map((s) => s.index)).toEqual([6]);
    expect(detectSteps(observations(values, 0.1), { alpha: 0.05 })).toEqual([]);
  });

  it("calls a lone newest run off the line a suspect, not a step", () => {
    const values = [1000, 1012, 995, 1004, 990, 1008, 1001, 997, 1010, 993, 1003, 800];
    const series = observations(values);
    const steps = detectSteps(series, { alpha: 0.001 });
    expect(steps).toEqual([]);
    expect(newestSuspect(series, steps, { alpha: 0.001 })).toMatchObject({ index: 11 });
    expect(newestSuspect(observations(values.slice(0, 11)), [], { alpha: 0.001 })).toBeNull();
  });
});

describe("history check decisions", () => {
  it("passes a flat history, fails a step for the worse, and tolerates a small one", () => {
    const flat = Array.from({ length: 10 }, (_, i) => run(i, 1));
    expect(checkHistory(flat, { maxRegressionPct: 5 }).decision.exitCode).toBe(0);
    const worse = checkHistory(
      Array.from({ length: 10 }, (_, i) => run(i, i >= 6 ? 0.85 : 1)),
      { maxRegressionPct: 5 },
    );
    expect(worse.decision).toMatchObject({ decision: "regression", exitCode: 1 });
    expect(worse.decision.reason).toContain("from run 7 (build 7, commit abc07)");
    const small = checkHistory(
      Array.from({ length: 10 }, (_, i) => run(i, i >= 6 ? 0.97 : 1)),
      { maxRegressionPct: 5 },
    );
    expect(small.series.flatMap((s) => s.steps.map((step) => step.kind))).toContain("within tolerance");
    expect(small.decision.exitCode).toBe(0);
  });

  it("is undecided with too few runs or when only the newest run is worse", () => {
    expect(checkHistory([run(0, 1), run(1, 1), run(2, 1)], { maxRegressionPct: 5 }).decision.exitCode).toBe(
      5,
    );
    const newest = checkHistory(
      Array.from({ length: 10 }, (_, i) => run(i, i === 9 ? 0.8 : 1)),
      { maxRegressionPct: 5 },
    );
    expect(newest.decision).toMatchObject({ decision: "undecided", exitCode: 5 });
  });

  it("checks only the newest sweep's runs when the sweeps differ, and says so", () => {
    const runs = Array.from({ length: 10 }, (_, i) => ({
      ...run(i, i < 3 ? 0.5 : 1),
      sweepDesign: i < 3 ? "d0" : "d1",
    }));
    const check = checkHistory(runs, { maxRegressionPct: 5 });
    expect(check.mixedSweeps).toMatch(/design d0\): 3 runs; sweep blog \(design d1\): 7 runs/);
    expect(check.runs).toHaveLength(7);
    expect(check.decision.exitCode).toBe(0);
  });
});

describe("false alarms and detection delay (Monte Carlo, seeded)", { tags: ["slow"] }, () => {
  // a run's median: 1.5% run-to-run drift and 1.2% of its own (its interval ±2.4%), 12 runs
  const scenario: SeriesScenario = { runs: 12, drift: 0.015, ownSe: 0.012, step: 0, stepAt: 7 };
  const SERIES = 4000;
  // three binomial standard errors of a 5% rate over 4000 series
  const TOLERANCE = 3 * Math.sqrt((0.05 * 0.95) / SERIES);

  it.each([false, true])(
    "a series with no step reports one at most α = 5% of the time (heavy tails: %s)",
    (heavyTails) => {
      const rates = detectionRates({ ...scenario, heavyTails }, "e-divisive", {
        series: SERIES,
        seed: 11,
        alpha: 0.05,
      });
      expect(rates.anyStep).toBeLessThanOrEqual(0.05 + TOLERANCE);
    },
  );

  it("PELT with the BIC penalty does not hold that rate (why history check does not use it)", () => {
    const rates = detectionRates(scenario, "pelt", { series: SERIES, seed: 11, alpha: 0.05 });
    expect(rates.anyStep).toBeGreaterThan(0.15);
  });

  it("finds a 10% step at the eighth run within ±1 run at the share of α of one of 44 series", () => {
    const rates = detectionRates({ ...scenario, step: -0.1 }, "e-divisive", {
      series: SERIES,
      seed: 12,
      alpha: 0.05 / 44,
    });
    expect(rates.detected).toBeGreaterThanOrEqual(0.9);
    expect(rates.exact).toBeGreaterThanOrEqual(0.9);
    expect(rates.meanDelay).toBeLessThanOrEqual(0.05);
  });
});
