/**
 * summaryMetrics / comparedMetrics (stats/metrics.ts) by backend: service demand is netperf's
 * own figure and is kept everywhere, the benchmark CPU's time per GB or per transaction is
 * measured on the lab only.
 */
import { describe, expect, it } from "vitest";
import { comparedMetrics, summaryMetrics } from "../../../harness/stats/metrics.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const sweep = (backend: "lab" | "kubernetes") =>
  parseSweep(
    [
      `backend: ${backend}`,
      "modes: [legacy, ebpf]",
      "tests: [{test: TCP_STREAM, messageSizes: [1024]}, {test: TCP_RR}]",
      "repetitions: 2",
      "duration: 1",
      "cpu: {serviceDemand: true}",
    ].join("\n"),
    "x.yaml",
  );

describe("service demand metrics by backend", () => {
  it("leaves the benchmark CPU's cost out on Kubernetes and keeps it on the lab", () => {
    expect(summaryMetrics(sweep("kubernetes"), "TCP_STREAM")).toEqual([
      "throughputMbps",
      "localSdUsPerKB",
      "remoteSdUsPerKB",
      "localCpuPct",
      "remoteCpuPct",
    ]);
    expect(comparedMetrics(sweep("kubernetes"), "TCP_RR")).toEqual([
      "transactionsPerSec",
      "p50Us",
      "p90Us",
      "p99Us",
      "meanLatencyUs",
      "localSdUsPerTrans",
      "remoteSdUsPerTrans",
    ]);
    expect(comparedMetrics(sweep("lab"), "TCP_RR")).toEqual([
      "transactionsPerSec",
      "p50Us",
      "p90Us",
      "p99Us",
      "meanLatencyUs",
      "localSdUsPerTrans",
      "remoteSdUsPerTrans",
      "cpuUsPerTrans",
    ]);
  });
});
