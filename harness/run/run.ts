/** One run of a sweep: open the backend, execute its plan (run/plan.ts), summarise, write results. */
import type { Backend } from "../backends/backend.js";
import { explainRun } from "../profile/explain.js";
import { RunLog } from "../results/log.js";
import { type ModeEvidence, RESULTS_SCHEMA_VERSION, type Results } from "../results/schema.js";
import { summarise } from "../stats/summary.js";
import { processRunner, type Runner } from "../util/runner.js";
import { extendToTargetCi } from "./adaptive.js";
import { captureEnvironment } from "./environment.js";
import {
  type CurrentMode,
  type ExecuteContext,
  executeTrials,
  type ProgressEvent,
  type RunControl,
} from "./execute.js";
import { type PlanRequest, planRun, type RunPlan } from "./plan.js";
import { folderProfileWriter } from "./profile-twin.js";

export interface RunRequest extends PlanRequest {
  /** The run as the CLI planned it (run/plan.ts); planned here from the rest when absent. */
  plan?: RunPlan;
  backend: Backend;
  control: RunControl;
  log: (message: string) => void;
  onProgress: (event: ProgressEvent) => void;
  /** Runs git and netperf -V for the environment; default the real one. */
  runner?: Runner;
  sampleNoise?: ExecuteContext["sampleNoise"];
}

export interface RunOutcome {
  dir: string;
  results: Results;
  /** Set when the run ended on an error (results.json is still written). */
  error?: unknown;
}

export { makeRunId } from "./plan.js";

export async function runSweep(request: RunRequest): Promise<RunOutcome> {
  const plan = request.plan ?? planRun(request);
  const { sweep, runId, command, dir, trials, points } = plan;
  const startedAt = plan.startedAt ?? new Date().toISOString();
  const records = plan.records;
  let label = plan.label;
  if (plan.resumed) request.log(`resuming ${runId}: ${records.length} trial attempts already recorded`);
  const runLog = new RunLog(dir);
  const modeEvidence: ModeEvidence[] = [];

  const runner = request.runner ?? processRunner;
  const session = await request.backend.open(sweep, request.log);
  let state: Results["state"] = "completed";
  let failure: unknown;
  let environment: Results["environment"] | undefined;
  try {
    environment = await captureEnvironment(
      runner,
      session.name,
      session.topology(),
      await session.systemUnderTest?.(),
    );
    label ??= `${environment.gitCommit ?? "unversioned"} ${startedAt.slice(0, 10)}`;
    if (!plan.resumed) await runLog.start({ runId, label, startedAt, command, sweep, environment });
    const context: ExecuteContext = {
      sweep,
      session,
      control: request.control,
      record: (record) => runLog.append(record),
      onProgress: request.onProgress,
      modeEvidence,
      records,
      sampleNoise: request.sampleNoise,
      ...(sweep.explain ? { writeFolded: folderProfileWriter(dir) } : {}),
    };
    const currentMode: CurrentMode = {};
    let finished = await executeTrials(context, trials, currentMode);
    if (finished && sweep.targetCiPct) finished = await extendToTargetCi(context, points, currentMode);
    if (!finished) state = "aborted";
  } catch (error) {
    // an error raised once a stop was asked for (a second Ctrl-C, SIGTERM, SIGHUP kills what
    // runs) ends an interrupted run: it is what stopping broke, not why the run ended
    const stopping = request.control.stopRequested || request.control.kill.signal.aborted;
    state = stopping ? "aborted" : "failed";
    failure = error;
  } finally {
    await session.close();
  }
  const results: Results = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    runId,
    label: label ?? runId,
    state,
    ...(failure !== undefined ? { failure: (failure as Error)?.message ?? String(failure) } : {}),
    startedAt,
    finishedAt: new Date().toISOString(),
    command,
    environment: environment ?? (await captureEnvironment(runner, session.name, session.topology())),
    sweep,
    plannedTrials: trials.length,
    modeEvidence: uniqueEvidence([
      ...records.flatMap((r) => (r.modeEvidence ? [r.modeEvidence] : [])),
      ...modeEvidence,
    ]),
    trials: records,
    summary: summarise(sweep, points, records, state),
  };
  const explain = sweep.explain ? explainRun(records) : null;
  if (explain) results.explain = explain;
  try {
    await runLog.finish(results);
  } catch (error) {
    // the first failure explains most (e.g. a full disk stopped the run); it is what the user sees
    throw failure ?? error;
  }
  return { dir, results, error: failure };
}

/** Each mode switch's evidence once, in time order (trials carry a copy of theirs). */
function uniqueEvidence(evidence: ModeEvidence[]): ModeEvidence[] {
  // by time, then mode: the last copy of each switch's evidence
  const seen = new Map<string, Map<ModeEvidence["mode"], ModeEvidence>>();
  for (const item of evidence) {
    const modes = seen.get(item.at) ?? new Map<ModeEvidence["mode"], ModeEvidence>();
    seen.set(item.at, modes.set(item.mode, item));
  }
  return [...seen.values()].flatMap((modes) => [...modes.values()]).sort((a, b) => a.at.localeCompare(b.at));
}
