/** The results file: everything a report, a comparison or a reviewer needs, raw data included. */
import type { Metrics } from "../netperf/parse.js";
import type { Summary } from "../stats/summary.js";
import type { Point } from "../sweep/plan.js";
import type { Mode, Sweep } from "../sweep/schema.js";

export const RESULTS_SCHEMA_VERSION = 1;

/** CPU and load over one trial, from /proc/stat and /proc/loadavg. */
export interface NoiseSample {
  cpuBusyPct: number;
  cpuStealPct: number;
  loadAvg1: number;
  loadPerCpu: number;
}

/** Which path a trial's packets took, from the backend's counters (lab: BPF, FORWARD). */
export interface PathCheck {
  bpfRedirects: number;
  stackPasses: number;
  iptablesForwardPackets: number;
  ok: boolean;
  reason: string;
}

/** The backend's proof that a mode is in force, taken at each switch. */
export interface ModeEvidence {
  mode: Mode;
  at: string;
  /** e.g. each lab node's BPF map, or each Cilium agent's `Host Routing` line. */
  nodes: Record<string, string>;
  ok: boolean;
  /** false where the mode is as set or assumed but nothing in the cluster confirmed it; absent in older files (confirmed). */
  verified?: boolean;
  detail: string;
}

export interface TrialRecord {
  id: string;
  block: number;
  mode: Mode;
  point: Point;
  durationSec: number;
  state: "completed" | "failed";
  attempt: number;
  startedAt: string;
  finishedAt: string;
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** netperf's stdout as printed. */
  stdout: string;
  stderrTail: string;
  metrics?: Metrics;
  error?: string;
  path?: PathCheck;
  noise?: NoiseSample;
  /** The evidence taken when the backend switched to this trial's mode. */
  modeEvidence?: ModeEvidence;
}

/** The machine routebench itself ran on, recorded apart where it is not the system under test (Kubernetes). */
export interface ControllerMachine {
  kernel: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  hostname: string;
}

/** The system under test as a backend sees it, where that is not the machine routebench runs on. */
export interface SystemUnderTest {
  kernel: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  netperfVersion: string;
}

/** kernel … netperfVersion describe the system under test (the test nodes on Kubernetes). */
export interface Environment {
  kernel: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  netperfVersion: string;
  nodeVersion: string;
  routebenchVersion: string;
  gitCommit: string | null;
  hostname: string;
  backend: string;
  topology: Record<string, unknown>;
  /** Set where the controller is not the system under test: its facts, labelled as such. */
  controller?: ControllerMachine;
}

export interface Results {
  schemaVersion: number;
  runId: string;
  label: string;
  state: "completed" | "aborted" | "failed";
  startedAt: string;
  finishedAt: string;
  /** The command that produced the run, to reproduce it. */
  command: string[];
  environment: Environment;
  sweep: Sweep;
  plannedTrials: number;
  modeEvidence: ModeEvidence[];
  trials: TrialRecord[];
  summary: Summary;
}
