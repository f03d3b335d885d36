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

export function noiseSince(before: CpuTimes): NoiseSample {
  const shares = cpuShares(before, readCpuTimes());
  const loadAvg1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  return {
    cpuBusyPct: Math.round(shares.busyPct * 10) / 10,
    cpuStealPct: Math.round(shares.stealPct * 10) / 10,
    loadAvg1,
    loadPerCpu: Math.round((loadAvg1 / Math.max(1, cpus().length)) * 100) / 100,
  };
}
