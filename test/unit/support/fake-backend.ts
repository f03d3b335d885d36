/**
 * A `BackendSession` that touches nothing: each trial's outcome comes from a script the test
 * writes (by trial id and attempt), and every call is recorded so a test can assert what the
 * run loop asked of the backend and in what order.
 */
import { readFileSync } from "node:fs";
import type { Backend, BackendSession, TrialOutcome } from "../../../harness/backends/backend.js";
import type { CpuPlacement } from "../../../harness/machine/cpu-placement.js";
import type { ModeEvidence, NoiseSample } from "../../../harness/results/schema.js";
import type { Trial } from "../../../harness/sweep/plan.js";
import type { ProcessResult } from "../../../harness/util/runner.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import type { WitnessName } from "../../../harness/witness/witness.js";

/** Real netperf 2.7 output (test/fixtures/netperf), so the loop parses what netperf prints. */
export const NETPERF_STDOUT = {
  TCP_RR: readFileSync(new URL("../../fixtures/netperf/tcp_rr_1_1.csv", import.meta.url), "utf8"),
  TCP_STREAM: readFileSync(new URL("../../fixtures/netperf/tcp_stream_64.csv", import.meta.url), "utf8"),
};

/** What a scripted trial does differently from a clean, completed run. */
export interface ScriptedOutcome {
  exitCode?: number | null;
  signal?: string | null;
  stdout?: string;
  path?: TrialOutcome["path"];
  /** Thrown instead of returning (an EnvironmentError stops the run). */
  throws?: Error;
  /** streams > 1: each instance's stdout, in launch order. */
  instances?: string[];
}

/** What the fake's second witness prints for a trial, or undefined when it has none. */
export type WitnessScript = (
  trial: Trial,
  tool: WitnessName,
) => { stdout: string; exitCode?: number } | undefined;

export type TrialScript = (
  trial: Trial,
  attempt: number,
  signal: AbortSignal,
) => ScriptedOutcome | undefined | Promise<ScriptedOutcome | undefined>;

export class FakeSession implements BackendSession {
  readonly name = "fake";
  readonly cpuPlacement: CpuPlacement = {
    policy: "unpinned",
    client: null,
    server: null,
    cpus: null,
    reason: "fake",
  };
  /** Every call, in order: `mode legacy`, `trial 1:ebpf:same-node/TCP_RR/1,1`, `close`. */
  readonly calls: string[] = [];
  private readonly attempts = new Map<string, number>();
  private switches = 0;

  constructor(
    private readonly script: TrialScript = () => undefined,
    private readonly modeOk: (mode: Mode) => boolean = () => true,
    private readonly witness?: WitnessScript,
  ) {}

  async runWitness(trial: Trial, tool: WitnessName): Promise<{ argv: string[]; result: ProcessResult }> {
    this.calls.push(`witness ${tool} ${trial.id}`);
    const scripted = this.witness?.(trial, tool);
    if (!scripted) throw new Error(`no ${tool} scripted for ${trial.id}`);
    const argv = [tool];
    return {
      argv,
      result: {
        argv,
        exitCode: scripted.exitCode ?? 0,
        signal: null,
        stdout: scripted.stdout,
        stderr: "",
        durationMs: 1,
        timedOut: false,
      },
    };
  }

  topology(): Record<string, unknown> {
    return { fake: true };
  }

  async useMode(mode: Mode): Promise<ModeEvidence> {
    this.calls.push(`mode ${mode}`);
    // one second apart, so no two switches share a timestamp (results.json keeps each switch once by time and mode)
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, this.switches++)).toISOString();
    return { mode, at, nodes: { node1: mode }, ok: this.modeOk(mode), detail: `fake ${mode}` };
  }

  async runTrial(trial: Trial, signal: AbortSignal): Promise<TrialOutcome> {
    this.calls.push(`trial ${trial.id}`);
    const attempt = (this.attempts.get(trial.id) ?? 0) + 1;
    this.attempts.set(trial.id, attempt);
    const scripted = (await this.script(trial, attempt, signal)) ?? {};
    if (scripted.throws) throw scripted.throws;
    const argv = ["netperf", "-t", trial.point.test];
    const instances = scripted.instances?.map((stdout) => ({
      argv,
      exitCode: 0,
      signal: null,
      stdout,
      stderr: "",
      durationMs: 1,
      timedOut: false,
    }));
    return {
      ...(instances ? { instances } : {}),
      argv,
      result: {
        argv,
        exitCode: scripted.exitCode === undefined ? 0 : scripted.exitCode,
        signal: scripted.signal ?? null,
        stdout: scripted.stdout ?? NETPERF_STDOUT[trial.point.test as keyof typeof NETPERF_STDOUT],
        stderr: "",
        durationMs: 1,
        timedOut: false,
      },
      ...(scripted.path ? { path: scripted.path } : {}),
    };
  }

  async close(): Promise<void> {
    this.calls.push("close");
  }

  /** The trial calls only, as trial ids. */
  trialCalls(): string[] {
    return this.calls.filter((c) => c.startsWith("trial ")).map((c) => c.slice("trial ".length));
  }

  /** The mode switches only, as modes. */
  modeCalls(): string[] {
    return this.calls.filter((c) => c.startsWith("mode ")).map((c) => c.slice("mode ".length));
  }
}

/** A backend that opens the given session. */
export function fakeBackend(session: FakeSession): Backend {
  return { open: async () => session };
}

/** A machine at rest: no steal, nothing competing for the benchmark's CPUs. */
export const QUIET: NoiseSample = {
  cpuBusyPct: 50,
  cpuStealPct: 0,
  loadAvg1: 0.5,
  loadPerCpu: 0.25,
  competingTasks: 0,
};

/** A `sampleNoise` that returns the next of `samples` for each trial, then QUIET. */
export function scriptedNoise(samples: NoiseSample[] = []) {
  const queue = [...samples];
  return () => ({ stop: () => queue.shift() ?? QUIET });
}
