/**
 * Seeded simulation of change detection over a series of runs: how often a series where nothing
 * changed reports a step (false alarms), and how often and where a true step is found
 * (detection delay). It compares the detector `history check` uses (E-divisive location with a
 * floored, selection-adjusted t-test: history/changes.ts) with PELT's penalised Gaussian cost,
 * the other usual choice. Shared by test/unit/history/changes.test.ts and
 * `npm run bench:history`. Not measurements.
 *
 * What it assumes, and so what its figures are worth:
 * - a run's median of a point is the true level × a run-to-run drift × its own sampling error,
 *   both lognormal (`drift`, `ownSe`, log standard deviations); the run's 95% interval is its
 *   median × exp(±1.96 · ownSe), as a run's interval of its median would be;
 * - `heavyTails`: the drift is Student-t with 3 degrees of freedom (scaled to the same SD),
 *   a machine that now and then has a bad day;
 * - runs are independent; a step multiplies every run from `stepAt` on.
 */
import { detectSteps, type Observation } from "../history/changes.js";
import { type Random, seededRandom } from "../util/random.js";

export interface SeriesScenario {
  runs: number;
  /** Log SD of the run-to-run drift. */
  drift: number;
  /** Log SD of a run's own median (its interval's half-width / 1.96). */
  ownSe: number;
  /** The true step (0.1: ×1.1 from `stepAt` on), 0 for none. */
  step: number;
  /** Index of the first run after the step (7: the eighth run). */
  stepAt: number;
  heavyTails?: boolean;
}

function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Student-t with 3 df, scaled to unit SD (its variance is 3). */
function heavy(random: Random): number {
  const z = normal(random);
  const chi = normal(random) ** 2 + normal(random) ** 2 + normal(random) ** 2;
  return z / Math.sqrt(chi / 3) / Math.sqrt(3);
}

/** One simulated series of run medians with their intervals. */
export function simulateSeries(scenario: SeriesScenario, random: Random): Observation[] {
  return Array.from({ length: scenario.runs }, (_, i) => {
    const drift = scenario.drift * (scenario.heavyTails ? heavy(random) : normal(random));
    const own = scenario.ownSe * normal(random);
    const level = 1000 * (i >= scenario.stepAt ? 1 + scenario.step : 1);
    const value = level * Math.exp(drift + own);
    return {
      value,
      low: value * Math.exp(-1.959964 * scenario.ownSe),
      high: value * Math.exp(1.959964 * scenario.ownSe),
    };
  });
}

/**
 * PELT's answer (optimal partitioning with a Gaussian mean-change cost, which PELT computes
 * faster with the same result): the variance from the MAD of successive differences, the
 * penalty 2·σ²·ln n (the BIC's), at least `minSegment` runs per segment. Returns the steps'
 * indices.
 */
export function peltSteps(series: readonly Observation[], minSegment = 2): number[] {
  const y = series.map((o) => Math.log(o.value));
  const n = y.length;
  const diffs = y.slice(1).map((v, i) => Math.abs(v - (y[i] as number)));
  const sorted = [...diffs].sort((a, b) => a - b);
  const mad = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const sigma2 = Math.max(((1.4826 * mad) / Math.SQRT2) ** 2, 1e-12);
  const penalty = 2 * sigma2 * Math.log(n);
  const cost = (s: number, e: number) => {
    const part = y.slice(s, e);
    const m = part.reduce((a, v) => a + v, 0) / part.length;
    return part.reduce((a, v) => a + (v - m) ** 2, 0);
  };
  const best = [-penalty];
  const previous = [0];
  for (let t = 1; t <= n; t++) {
    best[t] = Number.POSITIVE_INFINITY;
    for (let s = 0; s <= t - minSegment; s++) {
      if (s !== 0 && s < minSegment) continue;
      const value = (best[s] as number) + cost(s, t) + penalty;
      if (value < (best[t] as number)) {
        best[t] = value;
        previous[t] = s;
      }
    }
  }
  const steps: number[] = [];
  for (let t = n; t > 0; t = previous[t] as number)
    if ((previous[t] as number) > 0) steps.push(previous[t] as number);
  return steps.reverse();
}

export type Detector = "e-divisive" | "pelt";

export interface DetectionRates {
  series: number;
  /** Share of series with at least one step reported. */
  anyStep: number;
  /** With a true step: share where a step was reported within ±1 run of it. */
  detected: number;
  /** …exactly at it. */
  exact: number;
  /** Mean |reported − true| over the detected series (runs). */
  meanDelay: number;
}

/** Runs `series` simulated series through a detector. */
export function detectionRates(
  scenario: SeriesScenario,
  detector: Detector,
  options: { series: number; seed: number; alpha: number },
): DetectionRates {
  const random = seededRandom(options.seed);
  let any = 0;
  let detected = 0;
  let exact = 0;
  let delay = 0;
  for (let i = 0; i < options.series; i++) {
    const series = simulateSeries(scenario, random);
    const steps =
      detector === "pelt"
        ? peltSteps(series)
        : detectSteps(series, { alpha: options.alpha }).map((s) => s.index);
    if (steps.length) any++;
    if (scenario.step === 0 || steps.length === 0) continue;
    const nearest = steps.reduce((a, b) =>
      Math.abs(b - scenario.stepAt) < Math.abs(a - scenario.stepAt) ? b : a,
    );
    const distance = Math.abs(nearest - scenario.stepAt);
    if (distance <= 1) {
      detected++;
      delay += distance;
      if (distance === 0) exact++;
    }
  }
  return {
    series: options.series,
    anyStep: any / options.series,
    detected: detected / options.series,
    exact: exact / options.series,
    meanDelay: detected ? delay / detected : Number.NaN,
  };
}
