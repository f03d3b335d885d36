/**
 * The run loop: trials in plan order, a mode switch (with its evidence) whenever the mode
 * changes, retries for failed attempts, one trials.jsonl line per attempt, and a stop
 * between trials when asked (a second request kills the running netperf).
 *
 * Over 300 lines on purpose: the loop and its per-attempt decisions (retry, reject, repeat on
 * noise, keep) read in one place; split, each decision would have to be followed across files.
 */

import { cpus } from "node:os";
import type { BackendSession } from "../backends/backend.js";
import type { CpuProbeReading } from "../machine/cpu-probe.js";
import { NOISE_RULE_REPEATS, NoiseSampler, noiseViolation } from "../machine/noise.js";
import { NetperfParseError } from "../netperf/parse.js";
import type { ModeEvidence, NoiseSample, TrialRecord } from "../results/schema.js";
import { NoTransactionsError } from "../stats/merge-streams.js";
import { trialSeconds } from "../stats/summary.js";
import type { Trial } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { EnvironmentError, tailLines } from "../util/errors.js";
import { type Mode, switchesRouting } from "../vocabulary/vocabulary.js";
import { witnessFor } from "../witness/witness.js";
import { cpuCostMetrics } from "./cpu-cost.js";
import { profileTwin, requireProfiling } from "./profile-twin.js";
import { endedEarly, parseTrialOutput, runWitness, unsteadyViolation } from "./trial-output.js";

export interface RunControl {
  /** Set: finish the running trial, then stop. */
  stopRequested: boolean;
  /** Aborted: kill the running trial now. */
  kill: AbortController;
}

export interface ProgressEvent {
  kind: "trial-start" | "trial-end" | "mode";
  trial?: Trial;
  record?: TrialRecord;
  evidence?: ModeEvidence;
  /** Trials done (completed or given up) of those planned so far. */
  done: number;
  planned: number;
  /** The sweep's plan, or a block the adaptive phase added (run/adaptive.ts). */
  phase: "plan" | "adaptive";
}

export interface ExecuteContext {
  sweep: Sweep;
  session: BackendSession;
  control: RunControl;
  record: (record: TrialRecord) => void;
  onProgress: (event: ProgressEvent) => void;
  modeEvidence: ModeEvidence[];
  /** Every record so far (resumed ones included); the loop adds to it. */
  records: TrialRecord[];
  /** explain: writes a profiled twin's folded stacks into the run folder, returns the relative path. */
  writeFolded?: (trialId: string, folded: string) => string;
  /** Starts reading the machine's noise over one trial; default NoiseSampler (from /proc). Tests give their own. */
  sampleNoise?: (benchCpus: readonly number[] | null) => { stop(): NoiseSample };
  /** The last probe's reading and when it ended (performance.now()): the next trial's "before" while fresh. */
  lastProbe?: { reading: CpuProbeReading | null; at: number };
}

/** A probe this recent (ms) is the next trial's "before": only the run loop's bookkeeping came between. */
const PROBE_FRESH_MS = 1500;

/** The probe reading right before a trial: the last one while fresh, else a new one. */
async function probeBefore(context: ExecuteContext): Promise<CpuProbeReading | null> {
  if (!context.session.probeCpu) return null;
  const last = context.lastProbe;
  if (last && performance.now() - last.at < PROBE_FRESH_MS) return last.reading;
  return context.session.probeCpu();
}

/** The probe right after a trial, kept as the next trial's "before". */
async function probeAfter(context: ExecuteContext): Promise<CpuProbeReading | null> {
  if (!context.session.probeCpu) return null;
  const reading = await context.session.probeCpu();
  context.lastProbe = { reading, at: performance.now() };
  return reading;
}

/** The trial's noise with the probe's two readings, when both exist. */
function withProbe(
  noise: NoiseSample,
  before: CpuProbeReading | null,
  after: CpuProbeReading | null,
): NoiseSample {
  if (!before || !after) return noise;
  const part = (r: CpuProbeReading) => ({ multiplyNs: r.multiplyNs, memoryNs: r.memoryNs });
  return { ...noise, cpuProbe: { before: part(before), after: part(after) } };
}

/**
 * Noise repeats allowed per trial beyond its retries: a trial run while the machine was too
 * busy is run again up to this many times, then kept and marked `noisy`.
 */
export const NOISE_REPEATS = 3;

/**
 * The sweep's time budget is spent (every attempt's wall time counted): noise repeats stop and
 * a noisy attempt is kept, marked `noisy`, so a busy machine cannot stretch the run past the
 * duration the dry-run gave (its pairs then make the comparison undecided, never a finding).
 */
export function timeBudgetSpent(sweep: Sweep, records: readonly TrialRecord[]): boolean {
  return sweep.timeBudgetMin !== undefined && trialSeconds(records) >= sweep.timeBudgetMin * 60;
}

/** Attempts that count against a trial's retries: failures and path or mode rejections (not noise repeats). */
function failedAttempts(mine: readonly TrialRecord[]): number {
  return mine.filter((r) => r.state === "failed" || (r.state === "rejected" && r.rejection?.kind !== "noise"))
    .length;
}

/** Whether a trial needs no more attempts: it completed, or used every attempt. */
export function trialFinished(records: readonly TrialRecord[], trialId: string, retries: number): boolean {
  const mine = records.filter((r) => r.id === trialId);
  return mine.some((r) => r.state === "completed") || failedAttempts(mine) >= retries + 1;
}

/** Trials that used every attempt without a counted figure: the run exits 1 naming them. */
export function givenUpTrials(records: readonly TrialRecord[], retries: number): string[] {
  const ids = [...new Set(records.map((r) => r.id))];
  return ids.filter((id) => {
    const mine = records.filter((r) => r.id === id);
    return !mine.some((r) => r.state === "completed") && failedAttempts(mine) >= retries + 1;
  });
}

function describeFailure(
  record: Pick<TrialRecord, "timedOut" | "signal" | "exitCode" | "stderrTail" | "stdout">,
): string {
  if (record.timedOut) return "netperf timed out and was killed";
  if (record.signal) return `netperf was killed by ${record.signal}`;
  // netperf prints its own errors on stdout
  if (/establish control|could not establish/.test(`${record.stdout}\n${record.stderrTail}`)) {
    return "no control connection to netserver (is netserver running on the server pod?)";
  }
  return `netperf exited with code ${record.exitCode}`;
}

async function attempt(
  context: ExecuteContext,
  trial: Trial,
  attemptNumber: number,
  /** This trial's earlier noise repeats: each rule allows NOISE_RULE_REPEATS of its own, all together NOISE_REPEATS. */
  noiseRepeats: readonly TrialRecord[],
  /** Its witness, already run before it (`leadingWitness`): a completed attempt carries it instead of running one after. */
  witnessBefore?: TrialRecord["witness"],
): Promise<TrialRecord> {
  const remote = context.session.remoteCpu === true;
  // the benchmark CPUs are this machine's on the lab; on Kubernetes they are the test nodes' (the outcome reads them)
  const benchCpus = remote ? null : context.session.cpuPlacement.cpus;
  // the probe before the sampler starts: its CPU time is not the trial's
  const probed = await probeBefore(context);
  const sampler = context.sampleNoise?.(benchCpus) ?? new NoiseSampler(benchCpus);
  const startedAt = new Date().toISOString();
  const base = {
    id: trial.id,
    block: trial.block,
    mode: trial.mode,
    point: trial.point,
    durationSec: trial.durationSec,
    attempt: attemptNumber,
    startedAt,
  };
  try {
    const outcome = await context.session.runTrial(trial, context.control.kill.signal);
    const sampled = sampler.stop(); // before the probe: its CPU time is not the trial's
    const noise = withProbe(sampled, probed, await probeAfter(context));
    const { result } = outcome;
    const record: TrialRecord = {
      ...base,
      state: "failed",
      finishedAt: new Date().toISOString(),
      argv: outcome.argv,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      stdout: result.stdout,
      stderrTail: tailLines(result.stderr, 20),
      path: outcome.path,
      // the backend's reading of the test nodes where it has one: this machine is only the controller there
      noise: outcome.noise ?? noise,
      ...(outcome.datapath ? { datapath: outcome.datapath } : {}),
      ...(outcome.restarts && outcome.restarts.length > 0 ? { restarts: outcome.restarts } : {}),
      ...(outcome.phasesMs ? { phasesMs: outcome.phasesMs } : {}),
    };
    if (result.exitCode !== 0) return { ...record, error: describeFailure(record) };
    try {
      const sample = parseTrialOutput(context.sweep, trial, outcome);
      const early = endedEarly(trial, sample.elapsedSec);
      if (early) return { ...record, error: early };
      const measured = {
        ...record,
        metrics: {
          ...sample.metrics,
          ...cpuCostMetrics(
            trial.point.test,
            sample.metrics,
            remote ? outcome.noise : noise,
            sample.elapsedSec,
          ),
        },
        ...(sample.elapsedSec !== null ? { elapsedSec: sample.elapsedSec } : {}),
        ...(sample.streams ? { streams: sample.streams } : {}),
      };
      if (outcome.path && !outcome.path.ok) {
        const kind = outcome.path.kind === "mode" ? "mode" : "path";
        return { ...measured, state: "rejected", rejection: { kind, reason: outcome.path.reason } };
      }
      // judged where the trial ran: the backend's reading of the test nodes when it has one
      // then from inside the measurement: a rate that collapsed for part of the trial
      const violation =
        noiseViolation(outcome.noise ?? noise, cpus().length) ?? unsteadyViolation(outcome, trial.point.test);
      const repeatsLeft =
        violation && !timeBudgetSpent(context.sweep, context.records)
          ? Math.min(
              NOISE_REPEATS - noiseRepeats.length,
              (NOISE_RULE_REPEATS[violation.name] ?? NOISE_REPEATS) -
                noiseRepeats.filter((r) => r.rejection?.rule?.name === violation.name).length,
            )
          : 0;
      if (violation && repeatsLeft > 0) {
        return {
          ...measured,
          state: "rejected",
          rejection: {
            kind: "noise",
            reason: `${violation.name} ${violation.value} above ${violation.threshold}: repeated`,
            rule: violation,
          },
        };
      }
      const witness =
        witnessBefore ??
        (await runWitness(context.sweep, context.session, trial, context.control.kill.signal));
      return {
        ...measured,
        state: "completed",
        ...(violation ? { noisy: true, noisyRule: violation } : {}),
        // the attempt ends with its witness: the time budget (trialSeconds) counts the witness's
        // run too, which is longer than the trial's own with sockperf (it waits 2.1 s first); a
        // witness run before the trial carries its own wall time (wallSec), which it counts instead
        ...(witness ? { witness, ...(witnessBefore ? {} : { finishedAt: new Date().toISOString() }) } : {}),
      };
    } catch (error) {
      if (error instanceof NetperfParseError)
        return { ...record, error: `unparseable netperf output: ${error.message}` };
      // a streams trial that measured nothing: failed like a netperf that exited non-zero, retried
      if (error instanceof NoTransactionsError) return { ...record, error: error.message };
      throw error;
    }
  } catch (error) {
    // the backend cannot go on (the lab vanished, the cluster is gone): stop the run, not this trial
    if (error instanceof EnvironmentError) {
      sampler.stop();
      throw error;
    }
    return {
      ...base,
      state: "failed",
      finishedAt: new Date().toISOString(),
      argv: [],
      exitCode: null,
      signal: null,
      timedOut: false,
      stdout: "",
      stderrTail: "",
      error: (error as Error).message,
      noise: sampler.stop(),
    };
  }
}

/**
 * Asks the backend for a mode and times it: each switch's wall time, verification included,
 * goes with its evidence. A switch that throws is recorded too (not ok, with its error and how
 * long it ran) before the error ends the run.
 */
async function timedSwitch(context: ExecuteContext, mode: Mode): Promise<ModeEvidence> {
  const started = new Date();
  const timing = () => ({
    switchStartedAt: started.toISOString(),
    switchSec: (Date.now() - started.getTime()) / 1000,
  });
  try {
    return { ...(await context.session.useMode(mode)), ...timing() };
  } catch (error) {
    context.modeEvidence.push({
      mode,
      at: new Date().toISOString(),
      nodes: {},
      ok: false,
      detail: `the switch failed: ${(error as Error).message}`,
      ...timing(),
    });
    throw error;
  }
}

/**
 * Whether the trial at `index` opens its point's routing pair: the next trial is the same
 * point in the same block in the other routing mode (plan.ts keeps the two back to back in a
 * sweep with `modeOrder: routing-pair`; a run planned before keeps its witnesses after), it
 * has not finished yet, and the sweep runs a witness at its point. Its witness then runs before it, so the
 * pair's two netperf trials follow each other (2.02 s start to start at 2 s trials, measured on
 * the lab) instead of around the first one's witness (sockperf: 4.24 s): a host's slow stretch
 * that begins or ends between them (issue 21) has that much less time to fall into. The two
 * witness runs are now a trial further apart than the netperf pair was; they check the netperf
 * figure, which is what decides.
 */
export function leadsRoutingPair(
  sweep: Sweep,
  trials: readonly Trial[],
  index: number,
  records: readonly TrialRecord[],
): boolean {
  const trial = trials[index];
  const next = trials[index + 1];
  return (
    sweep.modeOrder === "routing-pair" &&
    trial !== undefined &&
    witnessFor(sweep.witness, trial.point) !== undefined &&
    next !== undefined &&
    next.block === trial.block &&
    next.point.key === trial.point.key &&
    next.mode !== trial.mode &&
    switchesRouting(trial.mode) &&
    switchesRouting(next.mode) &&
    !trialFinished(records, next.id, sweep.retries)
  );
}

/** The witness run before its trial (`leadsRoutingPair`), marked so and with its wall time. */
async function leadingWitness(context: ExecuteContext, trial: Trial): Promise<TrialRecord["witness"]> {
  const started = performance.now();
  const witness = await runWitness(context.sweep, context.session, trial, context.control.kill.signal);
  if (!witness) return undefined;
  return { ...witness, before: true, wallSec: Math.round(performance.now() - started) / 1000 };
}

/** What the loop last asked of the backend: the mode, and the routing mode in force. */
export interface CurrentMode {
  mode?: Mode;
  routing?: Mode;
}

/** Runs the trials (skipping finished ones). Returns false when stopped early. */
export async function executeTrials(
  context: ExecuteContext,
  trials: readonly Trial[],
  /** The last mode asked for, and the routing mode in force (baselines leave it). */
  currentMode: CurrentMode,
  /** What the trials are, for progress: the sweep's plan, or a block the adaptive phase added. */
  phase: ProgressEvent["phase"] = "plan",
): Promise<boolean> {
  const { sweep, control } = context;
  requireProfiling(sweep, context.session);
  let done = trials.filter((t) => trialFinished(context.records, t.id, sweep.retries)).length;
  for (const [index, trial] of trials.entries()) {
    if (control.stopRequested || control.kill.signal.aborted) return false;
    if (trialFinished(context.records, trial.id, sweep.retries)) continue;
    context.onProgress({ kind: "trial-start", trial, done, planned: trials.length, phase });
    // run once for all of this trial's attempts, in its mode, when it opens a routing pair
    let witnessBefore: TrialRecord["witness"] | undefined;
    let witnessDue = leadsRoutingPair(sweep, trials, index, context.records);
    for (;;) {
      // a baseline (host) leaves the routing mode as it was: back from it, no switch is needed
      const routingSet = switchesRouting(trial.mode) && trial.mode === currentMode.routing;
      if (trial.mode !== currentMode.mode && !routingSet) {
        // each switch's wall time, verification included, recorded with its evidence
        const evidence = await timedSwitch(context, trial.mode);
        context.modeEvidence.push(evidence);
        context.onProgress({ kind: "mode", evidence, done, planned: trials.length, phase });
        if (!evidence.ok) throw new Error(`mode ${trial.mode} could not be verified: ${evidence.detail}`);
        if (switchesRouting(trial.mode)) currentMode.routing = trial.mode;
        // a stop asked for during the switch (SIGTERM, a second Ctrl-C) starts no trial
        if (control.kill.signal.aborted) return false;
      }
      currentMode.mode = trial.mode;
      if (witnessDue) {
        witnessDue = false;
        witnessBefore = await leadingWitness(context, trial);
        if (control.kill.signal.aborted) return false;
      }
      const mine = context.records.filter((r) => r.id === trial.id);
      const measured = await attempt(
        context,
        trial,
        mine.length + 1,
        mine.filter((r) => r.rejection?.kind === "noise"),
        witnessBefore,
      );
      // explain: the profiled twin runs right after a counted trial, in the same block and mode
      const profile =
        measured.state === "completed" && !control.kill.signal.aborted
          ? await profileTwin(
              sweep,
              context.session,
              trial,
              control.kill.signal,
              context.writeFolded,
              context.sampleNoise,
            )
          : undefined;
      const record = {
        ...measured,
        ...(profile ? { profile } : {}),
        modeEvidence: [...context.modeEvidence].reverse().find((e) => e.mode === trial.mode),
      };
      if (control.kill.signal.aborted && record.state !== "completed") return false; // killed by the second Ctrl-C: not a result
      context.records.push(record);
      context.record(record);
      const finished = trialFinished(context.records, trial.id, sweep.retries);
      if (finished) done++;
      context.onProgress({ kind: "trial-end", trial, record, done, planned: trials.length, phase });
      if (finished) break;
      if (control.kill.signal.aborted) return false;
      // the mode moved under the trial: switch again (a new generation) before the retry
      if (record.rejection?.kind === "mode") {
        currentMode.mode = undefined;
        currentMode.routing = undefined;
        // a witness run before it may have measured the moved mode too: run it again after the switch
        witnessDue = witnessBefore !== undefined;
        witnessBefore = undefined;
      }
    }
  }
  return true;
}
