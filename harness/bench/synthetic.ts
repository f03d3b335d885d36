/**
 * Seeded synthetic trial records for benchmarks and statistical tests: a known effect per
 * mode, drift shared by all modes of a block, and per-trial noise. Not measurements.
 */
import { isStreamTest } from "../netperf/argv.js";
import { type Metrics, rateMetric, serviceDemandMetrics } from "../netperf/parse.js";
import { RESULTS_SCHEMA_VERSION, type Results, type TrialRecord } from "../results/schema.js";
import { summarise } from "../stats/summary.js";
import { planSweep, sweepPoints } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { seededRandom } from "../util/random.js";
import type { Mode } from "../vocabulary/vocabulary.js";

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
}

export function syntheticTrials(sweep: Sweep, options: SyntheticOptions): TrialRecord[] {
  const random = seededRandom(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lognormal = (cv: number) => Math.exp(Math.sqrt(Math.log(1 + cv ** 2)) * normal());
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

/** A complete results object around synthetic trials (summary computed), for tests and benchmarks. */
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
