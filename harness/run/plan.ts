/**
 * A run, planned once: the sweep (a resumed run's own), its points and ordered trials, the run's
 * id and folder, and what a resumed run already recorded. `cli/run.ts` builds it (the dry-run,
 * the disk-room check and the run all read the same plan) and hands it to `runSweep`. Pure,
 * apart from the clock behind a default run id.
 */
import { join } from "node:path";
import type { RunMeta } from "../results/log.js";
import type { TrialRecord } from "../results/schema.js";
import { type Point, planSweep, sweepPoints, type Trial } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { RESULTS_DIR } from "../vocabulary/vocabulary.js";
import { NOISE_REPEATS } from "./execute.js";

export interface RunPlan {
  sweep: Sweep;
  points: Point[];
  trials: Trial[];
  runId: string;
  /** The run folder. */
  dir: string;
  /** A resumed run's start (a new run starts when runSweep starts it). */
  startedAt?: string;
  command: string[];
  label?: string;
  /** Attempts a resumed run already recorded (none for a new run). */
  records: TrialRecord[];
  resumed: boolean;
  /**
   * The most attempts the run can record, for the disk-room check: every point in every mode for
   * every block it may run (maxRepetitions with --target-ci), each with all its retries and all
   * its noise repeats.
   */
  maxAttempts: number;
}

export interface PlanRequest {
  /** The sweep of a new run (a resumed run keeps its own, from run.json). */
  sweep: Sweep;
  /** Continue the run in this folder, as read by readRunFolder. */
  resume?: { dir: string; meta: RunMeta; trials: TrialRecord[] };
  /** The run folder; default results/<runId>. */
  outDir?: string;
  /** The run's id; default from the sweep's name and the time. */
  runId?: string;
  label?: string;
  command: string[];
  now?: Date;
}

export function makeRunId(name: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${name.replace(/[^\w.-]+/g, "_")}`;
}

/** Attempts one trial can take at most: its retries, and the noise repeats beside them. */
export function attemptsPerTrial(sweep: Pick<Sweep, "retries">): number {
  return sweep.retries + 1 + NOISE_REPEATS;
}

export function planRun(request: PlanRequest): RunPlan {
  const now = request.now ?? new Date();
  const resume = request.resume;
  const sweep = resume ? resume.meta.sweep : request.sweep;
  const runId = resume ? resume.meta.runId : (request.runId ?? makeRunId(sweep.name, now));
  const points = sweepPoints(sweep);
  const blocks = sweep.targetCiPct ? sweep.maxRepetitions : sweep.repetitions;
  const label = resume ? resume.meta.label : request.label;
  return {
    sweep,
    points,
    trials: planSweep(sweep),
    runId,
    dir: resume ? resume.dir : (request.outDir ?? join(RESULTS_DIR, runId)),
    ...(resume ? { startedAt: resume.meta.startedAt } : {}),
    command: resume ? resume.meta.command : request.command,
    ...(label !== undefined ? { label } : {}),
    records: resume ? [...resume.trials] : [],
    resumed: resume !== undefined,
    maxAttempts: points.length * sweep.modes.length * blocks * attemptsPerTrial(sweep),
  };
}
