/**
 * Seeded synthetic trial records for benchmarks and statistical tests: a known effect per
 * mode, drift shared by all modes of a block, and per-trial noise. Not measurements.
 */

import { type Metrics, serviceDemandMetrics } from "../netperf/parse.js";
import { RESULTS_SCHEMA_VERSION, type Results, type TrialRecord } from "../results/schema.js";
import { PointTrials } from "../stats/point-comparison.js";
import { summarise } from "../stats/summary.js";
import { compareWitness, type WitnessRow } from "../stats/witness.js";
import { planSweep, sweepPoints } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { seededRandom } from "../util/random.js";
import type { MetricName, Mode } from "../vocabulary/vocabulary.js";
import { isStreamTest, rateMetric } from "../vocabulary/vocabulary.js";
import { WITNESSED_TEST, type WitnessName } from "../witness/witness.js";

export interface SyntheticOptions {
  /** Multiplier on throughput and transaction rate per mode (latency gets the inverse). */
  effect: Partial<Record<Mode, number>>;
  /** Relative spread of the shared per-block drift (uniform ±). */
  drift: number;
  /** Coefficient of variation of per-trial noise, shared by every metric of the trial. */
  cv: number;
  seed: number;
  /**
   * Shape of the noise: `normal` (1 + cv·z, the default) or `lognormal` (median 1, the given
   * CV), which stays positive at a CV of 30%.
   */
  noise?: "normal" | "lognormal";
  /**
   * CV of further lognormal noise drawn per metric, so a trial's metrics move together without
   * moving identically (latency percentiles of one TCP_RR trial do). 0 (the default) draws none.
   */
  metricCv?: number;
  /** Round latency percentiles to whole microseconds, as netperf prints them. */
  wholeMicroseconds?: boolean;
  /**
   * Record the bench CPU's cost per unit of work (cpuUsPerTrans for request/response,
   * cpuSecPerGB for streams), inversely proportional to the trial's speed: a faster mode
   * spends less CPU per transaction.
   */
  cpuCost?: boolean;
}

/** Bench CPU µs per transaction and s per GB of a trial at speed factor 1. */
export const SYNTHETIC_CPU_COST = { cpuUsPerTrans: 25, cpuSecPerGB: 2 } as const;

/** A standard normal draw (Box–Muller) from a seeded uniform source: two draws of `random`. */
function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A lognormal draw with median 1 and coefficient of variation `cv`. */
function lognormalDraw(random: () => number, cv: number): number {
  return Math.exp(Math.sqrt(Math.log(1 + cv ** 2)) * standardNormal(random));
}

export function syntheticTrials(sweep: Sweep, options: SyntheticOptions): TrialRecord[] {
  const random = seededRandom(options.seed);
  const normal = () => standardNormal(random);
  const lognormal = (cv: number) => lognormalDraw(random, cv);
  const trialNoise = () =>
    options.noise === "lognormal" ? lognormal(options.cv) : 1 + options.cv * normal();
  const metricCv = options.metricCv ?? 0;
  // no draw at all when there is no per-metric noise: existing seeds keep their streams
  const own = () => (metricCv > 0 ? lognormal(metricCv) : 1);
  const percentile = (value: number) => (options.wholeMicroseconds ? Math.round(value) : value);
  const drift = new Map<number, number>();
  const start = Date.UTC(2026, 0, 1);
  return planSweep(sweep).map((trial, index): TrialRecord => {
    if (!drift.has(trial.block)) drift.set(trial.block, 1 + options.drift * (2 * random() - 1));
    const factor = (options.effect[trial.mode] ?? 1) * (drift.get(trial.block) ?? 1) * trialNoise();
    const size = trial.point.messageSize ?? 1;
    const { test } = trial.point;
    const metrics: Metrics = isStreamTest(test)
      ? { throughputMbps: 20 * Math.sqrt(size) * 10 * factor * own(), localCpuPct: 50, remoteCpuPct: 50 }
      : {
          [rateMetric(test)]: 20000 * factor * own(),
          meanLatencyUs: 50 / (factor * own()),
          p50Us: percentile(45 / (factor * own())),
          p90Us: percentile(60 / (factor * own())),
          p99Us: percentile(110 / (factor * own())),
          localCpuPct: 40,
          remoteCpuPct: 40,
        };
    // derived without further draws, so the seeds of TCP-only sweeps keep their streams
    if (test === "UDP_STREAM") {
      metrics.sentMbps = (metrics.throughputMbps ?? 0) * 1.25;
      metrics.lossPct = 20;
    }
    // a faster mode spends less CPU per unit of work
    if (sweep.cpu.serviceDemand) for (const m of serviceDemandMetrics(test)) metrics[m] = 30 / factor;
    if (options.cpuCost) {
      const cost = isStreamTest(test) ? "cpuSecPerGB" : "cpuUsPerTrans";
      metrics[cost] = SYNTHETIC_CPU_COST[cost] / factor;
    }
    const at = new Date(start + index * 1000 * (trial.durationSec + 0.1)).toISOString();
    return {
      id: trial.id,
      block: trial.block,
      mode: trial.mode,
      point: trial.point,
      durationSec: trial.durationSec,
      state: "completed",
      attempt: 1,
      startedAt: at,
      finishedAt: at,
      argv: ["netperf"],
      exitCode: 0,
      signal: null,
      timedOut: false,
      stdout: "",
      stderrTail: "",
      metrics,
      noise: { cpuBusyPct: 50, cpuStealPct: 0, loadAvg1: 1, loadPerCpu: 0.5 },
    };
  });
}

/** What a synthetic second witness measures beside netperf's trials. */
export interface SyntheticWitnessOptions {
  witness: WitnessName;
  metric: MetricName;
  seed: number;
  /** CV of the witness's own lognormal noise per value. */
  cv: number;
  /** Per point key: the witness's eBPF/legacy ratio over netperf's (1, or absent, when they agree). */
  bias?: Record<string, number>;
}

/**
 * Witness rows beside synthetic trials: at every point of the witnessed test, netperf's
 * legacy/eBPF pairs read from the trials, and a witness that measured each of those values
 * again with its own noise (and its eBPF values times `bias`), compared by stats/witness.ts.
 */
export function syntheticWitness(
  trials: readonly TrialRecord[],
  options: SyntheticWitnessOptions,
): WitnessRow[] {
  const random = seededRandom(options.seed);
  const noise = () => lognormalDraw(random, options.cv);
  const witnessed = trials.filter(
    (t) => t.state === "completed" && t.point.test === WITNESSED_TEST[options.witness],
  );
  return [...new Set(witnessed.map((t) => t.point.key))].map((point) => {
    // the pairing summarise and the witness table use (stats/point-comparison.ts)
    const netperf = new PointTrials(point, witnessed, "interleaved").pairs("legacy", "ebpf", options.metric);
    const bias = options.bias?.[point] ?? 1;
    return compareWitness({
      point,
      metric: options.metric,
      witness: options.witness,
      netperf,
      witnessPairs: netperf.map((pair) => ({
        block: pair.block,
        baseline: pair.baseline * noise(),
        candidate: pair.candidate * bias * noise(),
      })),
    });
  });
}

/** The environment of a generated run: every field says it is synthetic. */
export const SYNTHETIC_ENVIRONMENT = {
  kernel: "synthetic",
  os: "synthetic",
  cpuModel: "synthetic",
  cpuCount: 1,
  memoryGiB: 1,
  netperfVersion: "2.7.0",
  nodeVersion: "v20",
  routebenchVersion: "synthetic",
  gitCommit: null,
  hostname: "synthetic",
  backend: "synthetic",
  topology: {},
};

/** A complete results object around synthetic trials (summary computed), for tests and benchmarks. */
export function syntheticResults(
  sweep: Sweep,
  trials: TrialRecord[],
  runId: string,
  label = runId,
  startedAt = trials[0]?.startedAt ?? "",
): Results {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    runId,
    label,
    state: "completed",
    startedAt,
    finishedAt: trials.at(-1)?.finishedAt ?? startedAt,
    command: ["routebench", "synthetic"],
    environment: SYNTHETIC_ENVIRONMENT,
    sweep,
    plannedTrials: trials.length,
    modeEvidence: [],
    trials,
    summary: summarise(sweep, sweepPoints(sweep), trials),
  };
}
