/**
 * What a finished netperf trial yields beyond netperf's own line: several instances merged into
 * one figure (streams > 1), whether it ran steadily (its interim results), and the second
 * witness run right after it. Both feed the run loop
 * (execute.ts), which decides whether the trial counts.
 */
import type { BackendSession, TrialOutcome } from "../backends/backend.js";
import { dipThresholdPct, interimDipPct, parseInterim } from "../netperf/interim.js";
import { type Metrics, parseNetperfOutput } from "../netperf/parse.js";
import type { TrialRecord } from "../results/schema.js";
import { mergeStreams, NoTransactionsError, timedNoTransaction } from "../stats/merge-streams.js";
import type { Trial } from "../sweep/plan.js";
import { type Sweep, testPercentiles } from "../sweep/schema.js";
import { EnvironmentError } from "../util/errors.js";
import type { NetperfTest } from "../vocabulary/vocabulary.js";
import { parseIperf3Output } from "../witness/iperf3.js";
import { parseSockperfOutput } from "../witness/sockperf.js";
import { witnessFor } from "../witness/witness.js";

/** A trial's figures: one netperf's, or several instances' merged (streams > 1). */
/**
 * The trial's steadiness rule broken, or null: the largest interim dip over its netperf
 * instances (netperf/interim.ts) above the test's threshold (`dipThresholdPct`: 40% for the
 * request/response tests, 70% for the streams, whose flows dip by themselves). Null also when
 * netperf printed no interim results (built without demo mode): then nothing is judged.
 */
export function unsteadyViolation(
  outcome: Pick<TrialOutcome, "result" | "instances">,
  test: NetperfTest,
): { name: string; threshold: number; value: number } | null {
  const outputs = outcome.instances && outcome.instances.length > 1 ? outcome.instances : [outcome.result];
  const dips = outputs
    .map((o) => interimDipPct(parseInterim(o.stdout)))
    .filter((d): d is number => d !== null);
  if (dips.length === 0) return null;
  const value = Math.max(...dips);
  const threshold = dipThresholdPct(test);
  return value > threshold ? { name: UNSTEADY_RULE, threshold, value } : null;
}

/** The steadiness rule's name, as trial records carry it. */
export const UNSTEADY_RULE = "interim-dip-pct";

/** The least share of its asked-for length a trial's netperf must have measured to count. */
export const MIN_ELAPSED_SHARE = 0.95;

/**
 * Why a trial that exited 0 is still not a result, or null: netperf measured less than
 * MIN_ELAPSED_SHARE of the length it was asked for. netperf ends a test early on SIGINT (a
 * Ctrl-C that reached it) and prints the short test as a whole one, exit code 0.
 */
export function endedEarly(trial: Pick<Trial, "durationSec">, elapsedSec: number | null): string | null {
  if (elapsedSec === null || elapsedSec >= trial.durationSec * MIN_ELAPSED_SHARE) return null;
  return `netperf measured ${elapsedSec} s of the ${trial.durationSec} s asked for: it was stopped early (a signal?), not a result`;
}

export function parseTrialOutput(
  sweep: Sweep,
  trial: Trial,
  outcome: TrialOutcome,
): { metrics: Metrics; elapsedSec: number | null; streams?: TrialRecord["streams"] } {
  const instances = outcome.instances ?? [];
  if (instances.length < 2) {
    // as for several instances (mergeStreams): no transaction is no figure, not a rate of 0
    const sample = parseNetperfOutput(trial.point.test, outcome.result.stdout);
    if (timedNoTransaction(sample)) throw new NoTransactionsError(1);
    return sample;
  }
  const samples = instances.map((instance) => parseNetperfOutput(trial.point.test, instance.stdout));
  const merged = mergeStreams(samples, testPercentiles(sweep, trial.point.test));
  const elapsed = samples.map((s) => s.elapsedSec).filter((e): e is number => e !== null);
  return {
    metrics: merged.metrics,
    // the instances' common window is as long as the shortest
    elapsedSec: elapsed.length === samples.length ? Math.min(...elapsed) : null,
    streams: { count: merged.streams, perInstance: merged.perInstance, latency: merged.latency },
  };
}

/**
 * The sweep's second witnesses for this trial's test, run right after netperf in the same mode
 * and block. A witness that fails or cannot be parsed leaves its error; netperf's figure stands.
 */
export async function runWitness(
  sweep: Sweep,
  session: BackendSession,
  trial: Trial,
  signal: AbortSignal,
): Promise<TrialRecord["witness"]> {
  const tool = witnessFor(sweep.witness, trial.point);
  if (!tool || !session.runWitness) return undefined;
  let argv: string[] = [];
  try {
    const run = await session.runWitness(trial, tool, signal);
    argv = run.argv;
    if (run.result.exitCode !== 0)
      return { tool, argv, error: `${tool} exited with ${run.result.exitCode ?? run.result.signal}` };
    const sample =
      tool === "sockperf" ? parseSockperfOutput(run.result.stdout) : parseIperf3Output(run.result.stdout);
    return { tool, argv, metrics: sample.metrics, elapsedSec: sample.elapsedSec };
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    return { tool, argv, error: (error as Error).message };
  }
}
