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
import { trialFinished } from "./execute.js";

export interface RunEstimate {
  /** Trials still to run from the plan (all of them for a new run). */
  trials: number;
  /** Seconds those take: the minimum. */
  minSec: number;
  /** With a target: the most trials the adaptive phase can add, and the seconds up to which the run can go. */
  adaptive: { maxTrials: number; maxSec: number; bound: "time budget" | "maxRepetitions" } | null;
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
  if (!sweep.targetCiPct || sweep.maxRepetitions <= sweep.repetitions || sweep.order !== "interleaved")
    return { trials: left.length, minSec, adaptive: null };
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
  return {
    trials: left.length,
    minSec,
    adaptive: {
      maxTrials: left.length + Math.max(0, Math.floor((maxSec - minSec) / perTrial + 1e-9)),
      maxSec,
      bound: budgetLeft < byRepetitions ? "time budget" : "maxRepetitions",
    },
  };
}
