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

export function estimateRun(
  sweep: Sweep,
  points: readonly Point[],
  planned: readonly Trial[],
  records: readonly TrialRecord[] = [],
): RunEstimate {
  const left = planned.filter((t) => !trialFinished(records, t.id, sweep.retries));
  const minSec = estimateSeconds(left);
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
  const perBlock = estimateSeconds(
    points.flatMap((point) =>
      sweep.modes.map((mode) => ({ id: "", block: 0, mode, point, durationSec: sweep.durationSec })),
    ),
  );
  const blocksLeft = sweep.maxRepetitions - Math.max(sweep.repetitions, ...records.map((r) => r.block));
  const perTrial = planned.length > 0 ? estimateSeconds(planned) / planned.length : sweep.durationSec;
  const byRepetitions = minSec + Math.max(0, blocksLeft) * perBlock;
  const budgetLeft =
    sweep.timeBudgetMin === undefined
      ? Number.POSITIVE_INFINITY
      : sweep.timeBudgetMin * 60 - trialSeconds(records);
  const maxSec = Math.max(minSec, Math.min(byRepetitions, budgetLeft));
  // the blocks the adaptive phase can add, each passing every Service count once
  const addedBlocks = perBlock > 0 ? Math.ceil((maxSec - minSec) / perBlock - 1e-9) : 0;
  return {
    trials: left.length,
    minSec,
    services: {
      changes,
      sec: servicesSec,
      maxSec: servicesSec + Math.max(0, addedBlocks) * serviceSecondsPerBlock(sweep),
    },
    adaptive: {
      maxTrials: left.length + Math.max(0, Math.floor((maxSec - minSec) / perTrial + 1e-9)),
      maxSec,
      bound: budgetLeft < byRepetitions ? "time budget" : "maxRepetitions",
    },
  };
}
