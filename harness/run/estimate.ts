/**
 * How long a run will take, as the dry-run and the run's first line say it: the planned
 * trials are a minimum; with a precision target (the standard profile) the stopping rule
 * (adaptive.ts) adds blocks until every point is precise enough, has maxRepetitions blocks, or
 * the trials have used the time budget, so the estimate is a range up to that. For a resumed
 * run, only what is left: planned trials not finished, and the budget not yet spent. Pure.
 */
import type { TrialRecord } from "../results/schema.js";
import { trialSeconds } from "../stats/summary.js";
import { estimateSeconds, type Point, type Trial } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import {
  estimateServiceSeconds,
  serviceCountChanges,
  serviceSecondsPerBlock,
} from "../sweep/services-cost.js";
import { type WitnessName, witnessFor } from "../witness/witness.js";
import { trialFinished } from "./execute.js";

export interface RunEstimate {
  /** Trials still to run from the plan (all of them for a new run). */
  trials: number;
  /** Seconds those take: the minimum. */
  minSec: number;
  /** With a target: the most trials the adaptive phase can add, and the seconds up to which the run can go. */
  adaptive: { maxTrials: number; maxSec: number; bound: "time budget" | "maxRepetitions" } | null;
  /**
   * The lab's Service-count changes (`lab.services`, sweep/services-cost.ts), beside the trials'
   * time: how many the plan makes, their seconds, and the most with the adaptive phase's blocks
   * (each passes every count once). Zeros without the axis.
   */
  services: { changes: number; sec: number; maxSec: number };
}

/** ", plus 8 Service-count changes ~1m20s (up to 2m40s with the adaptive phase)", or "" without any. */
export function servicesText(estimate: RunEstimate, format: (seconds: number) => string): string {
  const { changes, sec, maxSec } = estimate.services;
  if (changes === 0 && maxSec === 0) return "";
  return `, plus ${changes} Service-count change${changes === 1 ? "" : "s"} ~${format(sec)}${maxSec > sec ? ` (up to ${format(maxSec)} with the adaptive phase)` : ""}`;
}

/** "7m50s", or "7m50s, up to 14m00s (up to 400 trials) with the adaptive phase, bound by its time budget". */
export function estimateText(estimate: RunEstimate, format: (seconds: number) => string): string {
  const { adaptive } = estimate;
  if (!adaptive) return format(estimate.minSec);
  return `${format(estimate.minSec)} for these trials (a minimum), up to ${format(adaptive.maxSec)} (up to ${adaptive.maxTrials} trials) with the adaptive phase, bound by its ${adaptive.bound}`;
}

/**
 * Wall seconds a witness run takes beside its trial (sweep `witness`): sockperf measures for
 * the trial's length after waiting ≈2.25 s (witness/sockperf.ts: 4.24–4.30 s at -t 2);
 * iperf3 for the trial's length after its control connection, WITNESS_EXTRA_SEC.iperf3.
 */
const WITNESS_EXTRA_SEC: Record<WitnessName, number> = { sockperf: 2.25, iperf3: 0.3 };

/** Seconds the sweep's witnesses add to these trials (one run per witnessed one-flow trial). */
export function witnessSeconds(sweep: Pick<Sweep, "witness">, trials: readonly Trial[]): number {
  return trials.reduce((sum, trial) => {
    const tool = witnessFor(sweep.witness, trial.point);
    return tool ? sum + trial.durationSec + WITNESS_EXTRA_SEC[tool] : sum;
  }, 0);
}

/**
 * Seconds between one attempt's finish and the next one's start (a mode switch on the lab, the
 * CPU probe's reading, bookkeeping), which the time budget does not count: 13.5 ms per attempt
 * measured by `npm run bench:overhead` on the 2-vCPU EPYC VM of issue 21; rounded up.
 */
export const BETWEEN_ATTEMPTS_SEC = 0.015;

export function estimateRun(
  sweep: Sweep,
  points: readonly Point[],
  planned: readonly Trial[],
  records: readonly TrialRecord[] = [],
): RunEstimate {
  const left = planned.filter((t) => !trialFinished(records, t.id, sweep.retries));
  const seconds = (trials: readonly Trial[]) => estimateSeconds(trials) + witnessSeconds(sweep, trials);
  const minSec = seconds(left);
  const changes = serviceCountChanges(left).length;
  const servicesSec = estimateServiceSeconds(sweep, left);
  if (!sweep.targetCiPct || sweep.maxRepetitions <= sweep.repetitions || sweep.order !== "interleaved")
    return {
      trials: left.length,
      minSec,
      adaptive: null,
      services: { changes, sec: servicesSec, maxSec: servicesSec },
    };
  // every point to maxRepetitions: one more block of each, that many times
  const perBlock = seconds(
    points.flatMap((point) =>
      sweep.modes.map((mode) => ({ id: "", block: 0, mode, point, durationSec: sweep.durationSec })),
    ),
  );
  const blocksLeft = sweep.maxRepetitions - Math.max(sweep.repetitions, ...records.map((r) => r.block));
  const perTrial = planned.length > 0 ? seconds(planned) / planned.length : sweep.durationSec;
  const byRepetitions = minSec + Math.max(0, blocksLeft) * perBlock;
  const budgetLeft =
    sweep.timeBudgetMin === undefined
      ? Number.POSITIVE_INFINITY
      : sweep.timeBudgetMin * 60 - trialSeconds(records);
  const attemptsSec = Math.max(minSec, Math.min(byRepetitions, budgetLeft));
  const maxTrials = left.length + Math.max(0, Math.floor((attemptsSec - minSec) / perTrial + 1e-9));
  // the budget counts the attempts' own time; the time between them comes on top
  const maxSec = attemptsSec + maxTrials * BETWEEN_ATTEMPTS_SEC;
  // the blocks the adaptive phase can add, each passing every Service count once
  const addedBlocks = perBlock > 0 ? Math.ceil((attemptsSec - minSec) / perBlock - 1e-9) : 0;
  return {
    trials: left.length,
    minSec,
    services: {
      changes,
      sec: servicesSec,
      maxSec: servicesSec + Math.max(0, addedBlocks) * serviceSecondsPerBlock(sweep),
    },
    adaptive: {
      maxTrials,
      maxSec,
      bound: budgetLeft < byRepetitions ? "time budget" : "maxRepetitions",
    },
  };
}
