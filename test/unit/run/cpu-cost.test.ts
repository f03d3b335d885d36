import { describe, expect, it } from "vitest";
import { combineInstances } from "../../../harness/backends/backend.js";
import { cpuCostMetrics } from "../../../harness/run/cpu-cost.js";

const noise = (busy: number) => ({
  cpuBusyPct: 50,
  cpuStealPct: 0,
  loadAvg1: 0,
  loadPerCpu: 0,
  benchCpuSec: { user: 0, system: 0, softirq: 0, busy },
});

describe("cpuCostMetrics", () => {
  it("divides the benchmark CPU's busy seconds by the transactions or the gigabytes", () => {
    // 2 s busy over 50,000 trans/s × 2 s = 100,000 transactions: 20 µs each
    expect(cpuCostMetrics("TCP_RR", { transactionsPerSec: 50_000 }, noise(2), 2)).toEqual({
      cpuUsPerTrans: 20,
    });
    // TCP_CRR counts connections
    expect(cpuCostMetrics("TCP_CRR", { connectionsPerSec: 10_000 }, noise(1), 1)).toEqual({
      cpuUsPerTrans: 100,
    });
    // 8000 Mbit/s × 2 s = 2 GB (10^9 bytes); 2 s busy: 1 s per GB
    expect(cpuCostMetrics("TCP_STREAM", { throughputMbps: 8000 }, noise(2), 2)).toEqual({ cpuSecPerGB: 1 });
    expect(cpuCostMetrics("UDP_STREAM", { throughputMbps: 4000 }, noise(2), 2)).toEqual({ cpuSecPerGB: 2 });
  });

  it("gives nothing when the CPU time was not read or there was no work", () => {
    expect(cpuCostMetrics("TCP_RR", { transactionsPerSec: 50_000 }, undefined, 2)).toEqual({});
    expect(cpuCostMetrics("TCP_RR", { transactionsPerSec: 50_000 }, noise(2), null)).toEqual({});
    expect(cpuCostMetrics("TCP_RR", { transactionsPerSec: 0 }, noise(2), 2)).toEqual({});
    expect(cpuCostMetrics("TCP_STREAM", {}, noise(2), 2)).toEqual({});
  });
});

describe("combineInstances", () => {
  const result = (exitCode: number | null, stdout: string, durationMs = 10) => ({
    argv: ["netperf", stdout],
    exitCode,
    signal: null,
    stdout,
    stderr: "",
    durationMs,
    timedOut: false,
  });

  it("keeps one result as it is, and joins several in launch order with the first failure's exit code", () => {
    const one = result(0, "a\n");
    expect(combineInstances([one])).toBe(one);
    const joined = combineInstances([result(0, "a\n", 5), result(2, "b\n", 9), result(3, "c\n")]);
    expect(joined).toMatchObject({
      exitCode: 2,
      stdout: "a\nb\nc\n",
      durationMs: 10,
      argv: ["netperf", "b\n"],
    });
    expect(combineInstances([result(0, "a\n"), result(0, "b\n")]).exitCode).toBe(0);
  });
});
