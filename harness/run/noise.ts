/** CPU busy and steal shares over a trial, from /proc/stat; load from /proc/loadavg. */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { NoiseSample } from "../results/schema.js";

export interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

/** Parses the aggregate `cpu` line of /proc/stat. Pure. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("no aggregate cpu line in /proc/stat");
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
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

export function readCpuTimes(): CpuTimes {
  return parseProcStat(readFileSync("/proc/stat", "utf8"));
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

export function noiseSince(before: CpuTimes): NoiseSample {
  return noiseSample(before, readCpuTimes(), readFileSync("/proc/loadavg", "utf8"), cpus().length);
}
