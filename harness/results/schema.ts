/** The results file: everything a report, a comparison or a reviewer needs, raw data included. */
import type { Metrics } from "../netperf/parse.js";
import type { Summary } from "../stats/summary.js";
import type { Point } from "../sweep/plan.js";
import type { Mode, Sweep } from "../sweep/schema.js";

/** 2: trials can be `rejected` (path, mode or noise), carry datapath counters and netperf's elapsed time; one paired estimator. */
export const RESULTS_SCHEMA_VERSION = 2;

/** CPU and load over one trial, from /proc/stat and /proc/loadavg. */
export interface NoiseSample {
  cpuBusyPct: number;
  cpuStealPct: number;
  loadAvg1: number;
  loadPerCpu: number;
  /** The CPUs netperf and netserver were pinned to, when they were. */
  benchCpus?: number[];
  /** Steal on the benchmark's CPUs (percent of their time): what slows the trial itself. */
  benchCpuStealPct?: number;
  /**
   * Runnable tasks that are not the benchmark's, on its CPUs (any CPU when unpinned),
   * averaged over samples taken every 200 ms from /proc/<pid>/stat.
   */
  competingTasks?: number;
  samples?: number;
}

/** Why a trial that ran is not counted: wrong path, the mode moved under it, or the machine was too busy. */
export interface Rejection {
  kind: "path" | "mode" | "noise";
  reason: string;
  /** noise: the rule that fired, with its threshold and the measured value. */
  rule?: { name: string; threshold: number; value: number };
}

/** What the lab's own devices and stacks did during a trial: is the lab itself misbehaving? */
export interface DatapathCounters {
  /** TCP segments the client retransmitted (its namespace's Tcp RetransSegs). */
  tcpRetransSegs: number;
  /** Reordering the client's stack detected (TcpExt TCP{SACK,TS,Reno}Reorder). */
  tcpReorder: number;
  /** Duplicate segments the peer reported (TcpExt TCPDSACKRecv): spurious retransmissions. */
  tcpDsackRecv: number;
  /** Device drops that moved, per `namespace/device`. */
  drops: Record<string, number>;
}

/** Which path a trial's packets took, from the backend's counters (lab: BPF, FORWARD). */
export interface PathCheck {
  bpfRedirects: number;
  stackPasses: number;
  iptablesForwardPackets: number;
  /** Packets the nodes' IP stacks forwarded (Ip ForwDatagrams). */
  ipForwarded?: number;
  /** The mode generation the trial was expected to run in (seen before and after). */
  generation?: number;
  ok: boolean;
  /** What failed: the packets' path, or the mode (switched during the trial). */
  kind?: "ok" | "path" | "mode";
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
  /** completed: counted; failed: netperf did not give a figure; rejected: ran, but not counted (see `rejection`). */
  state: "completed" | "failed" | "rejected";
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
  rejection?: Rejection;
  /** Completed although the machine stayed above the noise thresholds after every allowed repeat. */
  noisy?: boolean;
  noise?: NoiseSample;
  datapath?: DatapathCounters;
  /** netperf's own ELAPSED_TIME (seconds): the measured test length. */
  elapsedSec?: number;
  /** Netservers found dead and restarted before this attempt (namespaces). */
  restarts?: string[];
  /** Where the attempt's wall time went (milliseconds): what the harness costs beside netperf. */
  phasesMs?: Record<string, number>;
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
