/**
 * explain's profiled twin: right after a measured trial completes, the same trial (block, mode,
 * point) runs again with the benchmark CPUs sampled by call chain. The measured trial's figures
 * stay unsampled; the twin gives the shares of CPU time by subsystem, and its own rate and CPU
 * cost, so that sampling's effect on the ratio is measured in the same blocks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { BackendSession } from "../backends/backend.js";
import { NoiseSampler } from "../machine/noise.js";
import { attribute } from "../profile/attribute.js";
import { formatFolded } from "../profile/folded.js";
import type { TrialProfile } from "../results/profile-schema.js";
import type { NoiseSample } from "../results/schema.js";
import type { Trial } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import { EnvironmentError, UsageError } from "../util/errors.js";
import { cpuCostMetrics } from "./cpu-cost.js";
import { endedEarly, parseTrialOutput } from "./trial-output.js";

/** Where a run keeps its folded stacks: one file per profiled trial, beside results.json. */
export const PROFILES_DIR = "profiles";

/**
 * A trial id as a file name: `3:legacy:same-node/TCP_RR/1,1` → `3_legacy_same-node_TCP_RR_1,1.folded.gz`.
 * Gzipped: a 3 s twin's folded stacks are 0.7–1.2 MB of text, about 1/20 of that gzipped
 * (`zcat` feeds them to flamegraph.pl).
 */
export function profileFileName(trialId: string): string {
  return `${trialId.replace(/[^\w.,-]+/g, "_")}.folded.gz`;
}

/** Writes folded stacks into the run folder; returns the path relative to it. */
export function folderProfileWriter(dir: string): (trialId: string, folded: string) => string {
  return (trialId, folded) => {
    mkdirSync(join(dir, PROFILES_DIR), { recursive: true });
    const relative = `${PROFILES_DIR}/${profileFileName(trialId)}`;
    writeFileSync(join(dir, relative), gzipSync(folded));
    return relative;
  };
}

/** Refuses explain before anything runs where the backend cannot sample its CPUs. */
export function requireProfiling(sweep: Sweep, session: BackendSession): void {
  if (!sweep.explain || session.runProfiledTrial) return;
  throw new UsageError(
    `explain is not available on the ${session.name} backend: it samples the benchmark CPUs with perf on the machine under test, which this backend cannot do`,
    "run without --explain (or explain: false), or on the lab",
  );
}

export async function profileTwin(
  sweep: Sweep,
  session: BackendSession,
  trial: Trial,
  signal: AbortSignal,
  writeFolded: ((trialId: string, folded: string) => string) | undefined,
  sampleNoise?: (benchCpus: readonly number[] | null) => { stop(): NoiseSample },
): Promise<TrialProfile | undefined> {
  if (!sweep.explain || !session.runProfiledTrial) return undefined;
  const benchCpus = session.cpuPlacement.cpus;
  // the benchmark CPUs are this machine's on the lab; on Kubernetes the twin's outcome reads them
  const localCpus = session.remoteCpu ? null : benchCpus;
  const sampler = sampleNoise?.(localCpus) ?? new NoiseSampler(localCpus);
  const startedAt = new Date().toISOString();
  // the CPU reading covers the twin's netperf only, not perf script's work afterwards
  let noise: NoiseSample | undefined;
  const stop = () => {
    noise ??= sampler.stop();
  };
  try {
    const { outcome, capture } = await session.runProfiledTrial(trial, signal, stop);
    stop();
    const a = attribute(capture.stacks);
    const base: TrialProfile = {
      argv: capture.argv,
      netperfArgv: outcome.argv,
      frequencyHz: capture.frequencyHz,
      windowSec: capture.windowSec,
      cpus: capture.cpus,
      startedAt: capture.startedAt,
      samples: a.samples,
      busySamples: a.busy,
      idleSamples: a.idle,
      foreignSamples: a.foreign,
      bySubsystem: a.bySubsystem,
      ...(capture.nodes ? { nodes: capture.nodes } : {}),
    };
    if (capture.error) return { ...base, error: capture.error };
    const foldedFile = writeFolded?.(trial.id, formatFolded(capture.stacks));
    const withFile = foldedFile ? { ...base, foldedFile } : base;
    if (outcome.result.exitCode !== 0)
      return { ...withFile, error: `the profiled netperf exited ${outcome.result.exitCode}` };
    const sample = parseTrialOutput(sweep, trial, outcome);
    const early = endedEarly(trial, sample.elapsedSec);
    if (early) return { ...withFile, error: early };
    const metrics = {
      ...sample.metrics,
      ...cpuCostMetrics(
        trial.point.test,
        sample.metrics,
        session.remoteCpu ? outcome.noise : noise,
        sample.elapsedSec,
      ),
    };
    const measured = {
      ...withFile,
      metrics,
      ...(sample.elapsedSec !== null ? { elapsedSec: sample.elapsedSec } : {}),
    };
    if (outcome.path && !outcome.path.ok) return { ...measured, error: `path: ${outcome.path.reason}` };
    return measured;
  } catch (error) {
    stop();
    if (error instanceof EnvironmentError) throw error;
    if (signal.aborted) return undefined; // stopped: the measured trial stands without its twin
    return {
      argv: [],
      netperfArgv: [],
      frequencyHz: 0,
      windowSec: 0,
      cpus: benchCpus ?? [],
      startedAt,
      samples: 0,
      busySamples: 0,
      idleSamples: 0,
      foreignSamples: 0,
      bySubsystem: {},
      error: (error as Error).message,
    };
  }
}
