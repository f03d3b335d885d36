/**
 * What a backend does for a run: put the cluster in a mode and prove it, run one netperf
 * trial, restore what it found. The lab and the Kubernetes backend implement it; the run
 * loop knows nothing else of them.
 */

import type { CpuPlacement } from "../machine/cpu-placement.js";
import type { CpuProbeReading } from "../machine/cpu-probe.js";
import type { NetperfInvocation } from "../netperf/argv.js";
import { INTERIM_SEC } from "../netperf/interim.js";
import { buildStreamArgvs } from "../netperf/streams.js";
import type {
  DatapathCounters,
  ModeEvidence,
  NoiseSample,
  PathCheck,
  SystemUnderTest,
} from "../results/schema.js";
import { type Trial, trialWallSec } from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import type { ProcessResult } from "../util/runner.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import type { WitnessName } from "../witness/witness.js";

export interface TrialOutcome {
  /** The argv as run (inside the pod or through pods/exec). */
  argv: string[];
  result: ProcessResult;
  /** Which path the trial's packets took, where the backend can tell. */
  path?: PathCheck;
  /** Retransmissions, reordering and drops on the backend's own devices during the trial. */
  datapath?: DatapathCounters;
  /** Netservers found dead and restarted before the trial (namespaces or pods). */
  restarts?: string[];
  /** Where the trial's wall time went (milliseconds), for bench:overhead. */
  phasesMs?: Record<string, number>;
  /** CPU steal and load read on the machines under test, where they are not this one. */
  noise?: NoiseSample;
  /**
   * streams > 1: each netperf instance's result, in launch order. `result` then sums them up
   * (the first failure's exit code, every stdout one after another).
   */
  instances?: ProcessResult[];
}

/** What sampling the benchmark CPUs during a trial gave (backends/lab/profile.ts, backends/kubernetes/profiler.ts). */
export interface ProfileCapture {
  argv: string[];
  frequencyHz: number;
  windowSec: number;
  cpus: number[];
  startedAt: string;
  /** Folded call chains (profile/folded.ts) → samples, every sampled node's together. */
  stacks: Map<string, number>;
  samples: number;
  /** Kubernetes: each test node's recording (a cross-node trial samples both ends' nodes). */
  nodes?: { node: string; pod: string; argv: string[]; cpus: number[]; samples: number }[];
  error?: string;
}

export interface BackendSession {
  readonly name: string;
  /** Facts about the cluster for results.environment.topology. */
  topology(): Record<string, unknown>;
  /** Where netperf and netserver run; the run samples noise on those CPUs. */
  readonly cpuPlacement: CpuPlacement;
  /** TCP_STREAM socket buffers fixed on both ends (bytes), or null for TCP autotuning. */
  readonly socketBufferBytes?: number | null;
  /**
   * The machines under test are not this one (Kubernetes): their CPU time comes with each
   * TrialOutcome (`noise`, `benchCpuSec` on the benchmark CPUs), never from this machine's /proc.
   */
  readonly remoteCpu?: boolean;
  /** Kernel, CPU and netperf of the machines under test, where they are not the one routebench runs on. */
  systemUnderTest?(): Promise<SystemUnderTest>;
  /**
   * Runs the CPU speed probe (machine/cpu-probe.ts) on the benchmark CPU, where the backend can
   * (the lab, on this machine); null when it could not run.
   */
  probeCpu?(): Promise<CpuProbeReading | null>;
  /** Puts every node in `mode` (nothing to switch for `host`) and returns the evidence that it is. */
  useMode(mode: Mode): Promise<ModeEvidence>;
  /** Runs one trial; the signal kills netperf. */
  runTrial(trial: Trial, signal: AbortSignal): Promise<TrialOutcome>;
  /** Runs a second witness at the trial's point in the current mode, where the backend can. */
  runWitness?(
    trial: Trial,
    tool: WitnessName,
    signal: AbortSignal,
  ): Promise<{ argv: string[]; result: ProcessResult }>;
  /**
   * Runs one trial with the benchmark CPUs sampled by call chain (sweep `explain`), where the
   * backend can: the lab from this machine, Kubernetes from a privileged profiling pod on each
   * test node (sweep-fit.ts refuses a sweep whose CPUs it could not sample).
   */
  runProfiledTrial?(
    trial: Trial,
    signal: AbortSignal,
    /** Called as soon as the trial's netperf ends, before perf's output is read (the twin's CPU reading stops there). */
    afterTrial?: () => void,
  ): Promise<{ outcome: TrialOutcome; capture: ProfileCapture }>;
  /** Leaves the cluster as it was found. Safe to call twice. */
  close(): Promise<void>;
}

export interface Backend {
  open(sweep: Sweep, log: (message: string) => void): Promise<BackendSession>;
}

/**
 * The netperf argv of each instance of a trial against a netserver (one unless the point has
 * streams > 1, then started together: netperf/streams.ts): the same for every backend.
 */
export function trialNetperfArgvs(
  trial: Trial,
  host: string,
  port: number,
  cpu: Pick<CpuPlacement, "client" | "server">,
  dataPort?: number,
  socketBufferBytes?: number | null,
): string[][] {
  const invocation: NetperfInvocation = {
    test: trial.point.test,
    host,
    port,
    durationSec: trial.durationSec,
    messageSize: trial.point.messageSize,
    requestSize: trial.point.requestSize,
    responseSize: trial.point.responseSize,
    cpu: { client: cpu.client ?? undefined, server: cpu.server ?? undefined },
    dataPort,
    ...(socketBufferBytes ? { socketBufferBytes } : {}),
    interimSec: INTERIM_SEC,
  };
  return buildStreamArgvs(invocation, trial.point.streams ?? 1);
}

/** Seconds a trial's netperf may run before it is killed: what it should take, and a margin. */
export function trialTimeoutSec(trial: Trial): number {
  return trialWallSec(trial) + TRIAL_TIMEOUT_MARGIN_SEC;
}

/** The results of a trial's instances as one: the first failure's exit code and signal, every stdout in launch order. */
export function combineInstances(results: readonly ProcessResult[]): ProcessResult {
  const [first] = results;
  if (!first) throw new Error("combineInstances needs at least one result");
  if (results.length === 1) return first;
  const failed = results.find((r) => r.exitCode !== 0) ?? first;
  return {
    argv: failed.argv,
    exitCode: failed.exitCode,
    signal: failed.signal,
    stdout: results.map((r) => r.stdout).join(""),
    stderr: results.map((r) => r.stderr).join(""),
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    timedOut: results.some((r) => r.timedOut),
  };
}

/**
 * Socket buffers for one-CPU placement's TCP_STREAM: 4 MiB requested per end (the kernel makes
 * it 8 MiB where net.core.rmem_max allows). With both ends on one CPU the receiver drains only
 * when the sender yields, and autotuning ends each connection's receive buffer anywhere from
 * 5.6 to 32 MiB; throughput then falls into two regimes ~15% apart at random. Measured on
 * this 2-core VM, same-node TCP_STREAM 16 KiB, 10 interleaved pairs each in the same minutes:
 * autotuning eBPF/legacy 1.076 with per-pair sd 0.073, fixed 4 MiB 1.070 with sd 0.018.
 */
export const ONE_CPU_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The socket buffers a run's TCP_STREAM trials use: the sweep's bytes, none for `autotune`,
 * and for `auto` fixed ones only where both ends share one CPU (where autotuning misbehaves).
 */
export function resolveSocketBuffer(
  setting: Sweep["socketBuffers"],
  placement: Pick<CpuPlacement, "policy">,
): number | null {
  if (typeof setting === "number") return setting;
  if (setting === "autotune") return null;
  return placement.policy === "one-cpu" ? ONE_CPU_SOCKET_BUFFER_BYTES : null;
}

/** netperf gets its test length plus this much before it is killed: control connection, CPU calibration, teardown. */
export const TRIAL_TIMEOUT_MARGIN_SEC = 15;
