/**
 * What else the machine did during a trial: CPU busy and steal shares from /proc/stat (over
 * all CPUs and over the benchmark's own CPUs), runnable tasks competing with the benchmark
 * (runnable tasks that are not the benchmark's, sampled every 200 ms on its CPUs), load from /proc/loadavg. And the rule that turns a
 * trial into a repeat when the machine was too busy for its figure to count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { NoiseSample } from "../results/schema.js";

export interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
  /** user + nice */
  user: number;
  system: number;
  /** irq + softirq */
  softirq: number;
}

export interface ProcStat {
  all: CpuTimes;
  /** Per CPU, by index. */
  cpus: Map<number, CpuTimes>;
  procsRunning: number;
}

function cpuTimes(fields: number[]): CpuTimes {
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return {
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    idle: idle + iowait,
    steal,
    user: user + nice,
    system,
    softirq: irq + softirq,
  };
}

/** Parses /proc/stat: the aggregate line, each CPU's line and procs_running. Pure. */
export function parseProcStat(text: string): ProcStat {
  let all: CpuTimes | undefined;
  const perCpu = new Map<number, CpuTimes>();
  let procsRunning = 0;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const name = fields[0] ?? "";
    if (name === "cpu") all = cpuTimes(fields.slice(1).map(Number));
    else if (/^cpu\d+$/.test(name)) perCpu.set(Number(name.slice(3)), cpuTimes(fields.slice(1).map(Number)));
    else if (name === "procs_running") procsRunning = Number(fields[1]);
  }
  if (!all) throw new Error("no aggregate cpu line in /proc/stat");
  return { all, cpus: perCpu, procsRunning };
}

/** Busy and steal shares (percent) between two readings. Pure. */
export function cpuShares(before: CpuTimes, after: CpuTimes): { busyPct: number; stealPct: number } {
  const total = after.total - before.total;
  if (total <= 0) return { busyPct: 0, stealPct: 0 };
  return {
    busyPct: (100 * (total - (after.idle - before.idle))) / total,
    stealPct: (100 * (after.steal - before.steal)) / total,
  };
}

function sumTimes(stat: ProcStat, indices: readonly number[]): CpuTimes {
  const sum: CpuTimes = { total: 0, idle: 0, steal: 0, user: 0, system: 0, softirq: 0 };
  for (const i of indices) {
    const t = stat.cpus.get(i);
    if (!t) continue;
    for (const key of Object.keys(sum) as (keyof CpuTimes)[]) sum[key] += t[key];
  }
  return sum;
}

export function readProcStat(): ProcStat {
  return parseProcStat(readFileSync("/proc/stat", "utf8"));
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** /proc/stat counts in USER_HZ ticks, 100 per second on Linux (sysconf(_SC_CLK_TCK), fixed by the ABI). */
export const USER_HZ = 100;

/** CPU seconds spent between two readings, by kind. Pure. */
export function benchCpuSeconds(
  before: CpuTimes,
  after: CpuTimes,
): { user: number; system: number; softirq: number; busy: number } {
  const sec = (ticks: number) => Math.round((ticks / USER_HZ) * 100) / 100;
  const busyTicks = after.total - before.total - (after.idle - before.idle) - (after.steal - before.steal);
  return {
    user: sec(after.user - before.user),
    system: sec(after.system - before.system),
    softirq: sec(after.softirq - before.softirq),
    busy: sec(busyTicks),
  };
}

/** The benchmark's own programs: their runnable tasks are the measurement, not competition. */
const OWN_PROGRAMS = new Set(["netperf", "netserver"]);

/** One /proc/<pid>/stat line's fields that matter here. Pure. */
export function parseTaskStat(
  text: string,
): { comm: string; state: string; ppid: number; cpu: number } | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(" ");
  // after comm: state(3) ppid(4) ... processor is field 39, i.e. rest[36]
  return {
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "",
    ppid: Number(rest[1]),
    cpu: Number(rest[36]),
  };
}

/**
 * Runnable user tasks that are not the benchmark's (nor this process) on `cpus` (any CPU
 * when null): the processes competing with netperf and netserver for their CPU right now.
 * Kernel threads (children of kthreadd) are left out: softirq work on the benchmark's CPU is
 * the benchmark's own.
 */
export function competingRunnable(cpus: readonly number[] | null, self = process.pid): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === self) continue;
    let task: ReturnType<typeof parseTaskStat>;
    try {
      task = parseTaskStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
    } catch {
      continue; // exited meanwhile
    }
    if (task?.state !== "R" || task.ppid === 2 || OWN_PROGRAMS.has(task.comm)) continue;
    if (cpus && !cpus.includes(task.cpu)) continue;
    count++;
  }
  return count;
}

/** Samples the machine over one trial; `stop()` returns what it saw. */
export class NoiseSampler {
  private readonly before = readProcStat();
  private readonly competing: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly benchCpus: readonly number[] | null,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => {
      try {
        this.competing.push(competingRunnable(this.benchCpus));
      } catch {}
    }, intervalMs);
    this.timer.unref();
  }

  stop(): NoiseSample {
    clearInterval(this.timer);
    const after = readProcStat();
    const shares = cpuShares(this.before.all, after.all);
    const loadAvg1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
    const sample: NoiseSample = {
      cpuBusyPct: round1(shares.busyPct),
      cpuStealPct: round1(shares.stealPct),
      loadAvg1,
      loadPerCpu: Math.round((loadAvg1 / Math.max(1, cpus().length)) * 100) / 100,
      samples: this.competing.length,
    };
    if (this.competing.length > 0) {
      const total = this.competing.reduce((sum, n) => sum + n, 0);
      sample.competingTasks = Math.round((total / this.competing.length) * 100) / 100;
    }
    if (this.benchCpus && this.benchCpus.length > 0) {
      sample.benchCpus = [...this.benchCpus];
      const benchBefore = sumTimes(this.before, this.benchCpus);
      const benchAfter = sumTimes(after, this.benchCpus);
      sample.benchCpuStealPct = round1(cpuShares(benchBefore, benchAfter).stealPct);
      sample.benchCpuSec = benchCpuSeconds(benchBefore, benchAfter);
      const others = [...after.cpus.keys()].filter((cpu) => !this.benchCpus?.includes(cpu));
      if (others.length > 0)
        sample.otherCpusBusyPct = round1(
          cpuShares(sumTimes(this.before, others), sumTimes(after, others)).busyPct,
        );
    }
    return sample;
  }
}

/** When a trial's figure does not count because the machine was too busy: the rule is recorded with the trial. */
export const NOISE_RULES = {
  /** CPU steal on the benchmark's CPUs (all CPUs when unpinned), percent of the trial. */
  stealPct: 5,
  /**
   * Pinned: foreign runnable tasks on the benchmark's CPU, averaged over the trial's samples
   * (0.3: another task wanted that CPU for about a third of the trial). Unpinned: foreign
   * runnable tasks anywhere above the CPUs the benchmark leaves free.
   */
  competingTasksOnBenchCpus: 0.3,
  /**
   * Pinned: busy share of the CPUs the benchmark leaves free, percent. Steady load there hits
   * both trials of a pair, yet measured beside a busy loop on the other core one key ratio
   * (cross-node TCP_STREAM 4 KiB) moved by 12%: such trials are repeated once, then kept as
   * noisy, and their points are not called findings.
   */
  otherCpusBusyPct: 50,
} as const;

/** Repeats a rule allows before its trial is kept as noisy: steady load on the other CPUs rarely goes away by waiting. */
export const NOISE_RULE_REPEATS: Record<string, number> = {
  "cpu-steal-pct": 3,
  "competing-tasks": 3,
  "other-cpus-busy": 1,
  /** run/trial-output.ts: a trial whose rate collapsed for part of its length (netperf's interim results). */
  "interim-dip-pct": 3,
};

/** Which noise rule a trial broke, or null. Pure. */
export function noiseViolation(
  noise: NoiseSample,
  cpuCount: number,
): { name: string; threshold: number; value: number } | null {
  const steal = noise.benchCpuStealPct ?? noise.cpuStealPct;
  if (steal > NOISE_RULES.stealPct)
    return { name: "cpu-steal-pct", threshold: NOISE_RULES.stealPct, value: steal };
  if (noise.competingTasks !== undefined) {
    const threshold = noise.benchCpus ? NOISE_RULES.competingTasksOnBenchCpus : Math.max(1, cpuCount - 1);
    if (noise.competingTasks > threshold)
      return { name: "competing-tasks", threshold, value: noise.competingTasks };
  }
  if (noise.otherCpusBusyPct !== undefined && noise.otherCpusBusyPct > NOISE_RULES.otherCpusBusyPct)
    return {
      name: "other-cpus-busy",
      threshold: NOISE_RULES.otherCpusBusyPct,
      value: noise.otherCpusBusyPct,
    };
  return null;
}

/** A trial's noise from two /proc/stat readings and the 1-minute load (first field of /proc/loadavg). Pure. */
export function noiseSample(
  before: CpuTimes,
  after: CpuTimes,
  loadavg: string,
  cpuCount: number,
): NoiseSample {
  const shares = cpuShares(before, after);
  const loadAvg1 = Number(loadavg.trim().split(/\s+/)[0]);
  return {
    cpuBusyPct: Math.round(shares.busyPct * 10) / 10,
    cpuStealPct: Math.round(shares.stealPct * 10) / 10,
    loadAvg1,
    loadPerCpu: Math.round((loadAvg1 / Math.max(1, cpuCount)) * 100) / 100,
  };
}

/** The worst of several machines' noise, field by field: a trial is as disturbed as its busiest end. Pure. */
export function worstNoise(samples: readonly NoiseSample[]): NoiseSample | undefined {
  if (samples.length === 0) return undefined;
  const max = (f: (n: NoiseSample) => number) => Math.max(...samples.map(f));
  return {
    cpuBusyPct: max((n) => n.cpuBusyPct),
    cpuStealPct: max((n) => n.cpuStealPct),
    loadAvg1: max((n) => n.loadAvg1),
    loadPerCpu: max((n) => n.loadPerCpu),
  };
}
