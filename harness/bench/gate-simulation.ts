/**
 * Seeded simulation of the release gate on the blog sweep (sweeps/blog.yaml: 2 modes ×
 * 2 placements × 6 TCP_STREAM sizes and TCP_RR 1,1, 44 compared points): run pairs with a
 * known true change, judged by `compareRuns`. Shared by the gate's unit tests and
 * `npm run bench:gate`. Not measurements.
 *
 * What it assumes, and so what its figures are worth:
 * - per-trial noise is lognormal with the stated CV; 80% of its log variance is shared by
 *   the metrics of one trial (transaction rate and latencies of one TCP_RR trial move
 *   together), 20% is each metric's own;
 * - each repetition (block) of a run shares a drift, uniform within ±5%, across all its modes
 *   and points: the slow drift interleaving is there to absorb;
 * - latency percentiles are rounded to whole microseconds, as netperf prints them;
 * - repetitions are independent within a run, and the two runs are independent;
 * - a true change multiplies every metric of the changed modes in its good direction
 *   (throughput × (1 + change), latency ÷ (1 + change)); a shared offset does the same to
 *   every mode of the candidate.
 */
import { readFileSync } from "node:fs";
import type { TrialRecord } from "../results/schema.js";
import { type CompareInput, type CompareReport, compareRuns } from "../stats/regression.js";
import { parseSweep } from "../sweep/load.js";
import type { Sweep } from "../sweep/schema.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import { SYNTHETIC_ENVIRONMENT, syntheticTrials } from "./synthetic.js";

const BLOG = readFileSync(new URL("../../sweeps/blog.yaml", import.meta.url), "utf8");
/** Share of a trial's log variance common to all its metrics. */
const SHARED_VARIANCE = 0.8;
/** Per-repetition drift shared by every mode and point of the repetition (uniform ±). */
const BLOCK_DRIFT = 0.05;

export interface GateScenario {
  repetitions: number;
  /** Total CV of one metric of one trial. */
  cv: number;
  /** True change of the changed modes in the good direction: −0.3 is 30% worse. */
  change: number;
  changedModes: readonly Mode[];
  /** Candidate machine offset shared by every mode, in the good direction: −0.03 is 3% slower. */
  sharedOffset?: number;
  normalise?: boolean;
  maxRegressionPct?: number;
}

const sweeps = new Map<number, Sweep>();
/** sweeps/blog.yaml at the given repetitions per mode and point. */
export function blogSweep(repetitions: number): Sweep {
  const cached = sweeps.get(repetitions);
  if (cached) return cached;
  const sweep = { ...parseSweep(BLOG, "sweeps/blog.yaml"), repetitions, durationSec: 1 };
  sweeps.set(repetitions, sweep);
  return sweep;
}

/** The CVs of the shared and per-metric lognormal factors whose product has total CV `cv`. */
function splitCv(cv: number): { shared: number; own: number } {
  const variance = Math.log(1 + cv ** 2);
  const toCv = (v: number) => Math.sqrt(Math.exp(v) - 1);
  return { shared: toCv(SHARED_VARIANCE * variance), own: toCv((1 - SHARED_VARIANCE) * variance) };
}

/** One simulated run's trials, under the assumptions above. */
export function simulatedTrials(
  sweep: Sweep,
  effect: Partial<Record<Mode, number>>,
  cv: number,
  seed: number,
): TrialRecord[] {
  const { shared, own } = splitCv(cv);
  return syntheticTrials(sweep, {
    effect,
    drift: BLOCK_DRIFT,
    cv: shared,
    metricCv: own,
    noise: "lognormal",
    wholeMicroseconds: true,
    seed,
  });
}

/** What `compareRuns` reads of a run, around simulated trials (no summary: the gate does not read it). */
export function simulatedRun(sweep: Sweep, trials: TrialRecord[], runId: string): CompareInput {
  const environment = SYNTHETIC_ENVIRONMENT;
  return { runId, label: runId, sweep, trials, environment };
}

/** One seeded run pair of the scenario, compared. */
export function simulatePair(scenario: GateScenario, seed: number): CompareReport {
  const sweep = blogSweep(scenario.repetitions);
  const offset = 1 + (scenario.sharedOffset ?? 0);
  const effect: Partial<Record<Mode, number>> = {};
  for (const mode of sweep.modes) {
    effect[mode] = offset * (scenario.changedModes.includes(mode) ? 1 + scenario.change : 1);
  }
  const baseline = simulatedRun(
    sweep,
    simulatedTrials(sweep, {}, scenario.cv, 2 * seed + 1),
    `baseline-${seed}`,
  );
  const candidate = simulatedRun(
    sweep,
    simulatedTrials(sweep, effect, scenario.cv, 2 * seed + 2),
    `candidate-${seed}`,
  );
  return compareRuns(baseline, candidate, {
    maxRegressionPct: scenario.maxRegressionPct ?? 5,
    ...(scenario.normalise ? { normalise: "auto" as const } : {}),
  });
}

export interface GateRates {
  pairs: number;
  regression: number;
  pass: number;
  undecided: number;
}

/** The share of `pairs` seeded run pairs ending in each gate decision. */
export function gateRates(scenario: GateScenario, pairs: number, firstSeed = 1): GateRates {
  const counts = { regression: 0, pass: 0, undecided: 0 };
  for (let i = 0; i < pairs; i++) counts[simulatePair(scenario, firstSeed + i).gate.decision]++;
  return {
    pairs,
    regression: counts.regression / pairs,
    pass: counts.pass / pairs,
    undecided: counts.undecided / pairs,
  };
}
