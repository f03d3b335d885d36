/**
 * What else the machine did during a trial: CPU busy and steal shares from /proc/stat (over
 * all CPUs and over the benchmark's own CPUs), runnable tasks competing with the benchmark
 * (procs_running sampled every 100 ms), load from /proc/loadavg. And the rule that turns a
 * trial into a repeat when the machine was too busy for its figure to count.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { NoiseSample } from "../results/schema.js";

export interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
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
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
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
  const sum = { total: 0, idle: 0, steal: 0 };
  for (const i of indices) {
    const t = stat.cpus.get(i);
    if (!t) continue;
    sum.total += t.total;
    sum.idle += t.idle;
    sum.steal += t.steal;
  }
  return sum;
}

export function readProcStat(): ProcStat {
  return parseProcStat(readFileSync("/proc/stat", "utf8"));
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * The tasks the benchmark itself keeps runnable while it is sampled: the sampling process
 * and the running netperf end (netperf and netserver alternate on a pinned CPU).
 */
const OWN_RUNNABLE = 2;

/** Samples the machine over one trial; `stop()` returns what it saw. */
export class NoiseSampler {
  private readonly before = readProcStat();
  private readonly running: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly benchCpus: readonly number[] | null,
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => {
      try {
        this.running.push(readProcStat().procsRunning);
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
      samples: this.running.length,
    };
    if (this.running.length > 0) {
      const excess = this.running.reduce((sum, n) => sum + Math.max(0, n - OWN_RUNNABLE), 0);
      sample.competingTasks = Math.round((excess / this.running.length) * 100) / 100;
    }
    if (this.benchCpus && this.benchCpus.length > 0) {
      sample.benchCpus = [...this.benchCpus];
      sample.benchCpuStealPct = round1(
        cpuShares(sumTimes(this.before, this.benchCpus), sumTimes(after, this.benchCpus)).stealPct,
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
   * Competing runnable tasks above the CPUs the benchmark leaves free: then some other task
   * must have shared the benchmark's CPU. Computed per machine: cpuCount − benchmark CPUs.
   */
  competingTasksOverFreeCpus: 0,
} as const;

/** Which noise rule a trial broke, or null. Pure. */
export function noiseViolation(
  noise: NoiseSample,
  cpuCount: number,
): { name: string; threshold: number; value: number } | null {
  const steal = noise.benchCpuStealPct ?? noise.cpuStealPct;
  if (steal > NOISE_RULES.stealPct)
    return { name: "cpu-steal-pct", threshold: NOISE_RULES.stealPct, value: steal };
  if (noise.competingTasks !== undefined && noise.benchCpus) {
    const free = Math.max(0, cpuCount - noise.benchCpus.length) + NOISE_RULES.competingTasksOverFreeCpus;
    if (noise.competingTasks > free)
      return { name: "competing-tasks", threshold: free, value: noise.competingTasks };
  }
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
