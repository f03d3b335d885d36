/**
 * One trial's figures from N netperf instances that ran at once against the same netserver
 * (issue 14): rates add up, latency percentiles come from the pooled distribution
 * (merge-latency.ts), never from averaging the instances' percentiles. Pure.
 */
import type { LatencyHistogram } from "../netperf/histogram.js";
import type { Metrics, NetperfSample } from "../netperf/parse.js";
import {
  boundPooledPercentile,
  histogramPercentile,
  type InstanceLatency,
  mergeHistograms,
  type PercentileEstimate,
} from "./merge-latency.js";

/** One instance's output: its parsed CSV line and, from --enable-histogram builds, its histogram. */
export interface StreamInstance {
  sample: NetperfSample;
  histogram: LatencyHistogram | null;
}

export interface MergedStreams {
  streams: number;
  /**
   * The trial's metrics: throughputMbps and transactionsPerSec summed; meanLatencyUs the
   * transaction-weighted mean (exact up to netperf's rounding); maxLatencyUs the largest;
   * p50/p90/p99Us only from histograms (the bound method gives intervals, in `latency`);
   * retransmissions summed (each instance counts its own connection); CPU shares averaged
   * (each instance measured the whole machine over the same window).
   */
  metrics: Metrics;
  /** Each instance's own metrics, in launch order. */
  perInstance: Metrics[];
  /** How the percentiles were merged, or null for a test without latency (TCP_STREAM). */
  latency: { method: "histogram" | "bound"; percentiles: PercentileEstimate[] } | null;
}

const PERCENTILE_METRICS = { 50: "p50Us", 90: "p90Us", 99: "p99Us" } as const;

function sum(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === values.length ? known.reduce((a, b) => a + b, 0) : undefined;
}

/** An instance's transactions (TCP_CRR: connections): netperf prints the rate and the elapsed time, not the count. */
function transactions(sample: NetperfSample): number | undefined {
  const rate = sample.metrics.transactionsPerSec ?? sample.metrics.connectionsPerSec;
  return rate !== undefined && sample.elapsedSec !== null ? rate * sample.elapsedSec : undefined;
}

function instanceLatency(sample: NetperfSample): InstanceLatency | null {
  const n = transactions(sample);
  const min = Number(sample.raw.MIN_LATENCY);
  const { maxLatencyUs } = sample.metrics;
  if (n === undefined || maxLatencyUs === undefined || !Number.isFinite(min) || min < 0) return null;
  const percentilesUs = Object.entries(PERCENTILE_METRICS).flatMap(([percent, metric]) => {
    const us = sample.metrics[metric];
    return us === undefined ? [] : [{ percent: Number(percent), us }];
  });
  return { transactions: n, minUs: min, maxUs: maxLatencyUs, percentilesUs };
}

/** The mean latency of all the instances' transactions together. */
function pooledMeanUs(instances: readonly StreamInstance[]): number | undefined {
  let weighted = 0;
  let pooled = 0;
  for (const { sample } of instances) {
    const n = transactions(sample);
    const mean = sample.metrics.meanLatencyUs;
    if (n === undefined || mean === undefined) return undefined;
    weighted += n * mean;
    pooled += n;
  }
  return pooled > 0 ? weighted / pooled : undefined;
}

/** The requested latency percentiles of the pool: from histograms when every instance has one. */
function mergeLatency(
  instances: readonly StreamInstance[],
  percents: readonly number[],
): MergedStreams["latency"] {
  const histograms = instances.map((i) => i.histogram);
  if (histograms.every((h): h is LatencyHistogram => h !== null)) {
    const pooled = mergeHistograms(histograms);
    return { method: "histogram", percentiles: percents.map((p) => histogramPercentile(pooled, p)) };
  }
  const latencies = instances.map((i) => instanceLatency(i.sample));
  if (!latencies.every((l): l is InstanceLatency => l !== null)) return null;
  return { method: "bound", percentiles: percents.map((p) => boundPooledPercentile(latencies, p)) };
}

/**
 * Merges the instances of one trial. `percents` are the sweep's latency percentiles
 * (50, 90, 99). Throws when there is no instance.
 */
export function mergeStreams(
  instances: readonly StreamInstance[],
  percents: readonly number[],
): MergedStreams {
  if (instances.length === 0) throw new Error("mergeStreams needs at least one netperf instance");
  const perInstance = instances.map((i) => i.sample.metrics);
  const metrics: Metrics = {};
  const set = (name: keyof Metrics, value: number | undefined) => {
    if (value !== undefined) metrics[name] = value;
  };
  set("throughputMbps", sum(perInstance.map((m) => m.throughputMbps)));
  set("transactionsPerSec", sum(perInstance.map((m) => m.transactionsPerSec)));
  set("connectionsPerSec", sum(perInstance.map((m) => m.connectionsPerSec)));
  const sent = sum(perInstance.map((m) => m.sentMbps));
  set("sentMbps", sent);
  // UDP_STREAM: the loss of all the datagrams together, from the summed sent and received rates
  if (sent !== undefined && sent > 0 && metrics.throughputMbps !== undefined)
    set("lossPct", Math.max(0, 100 * (1 - metrics.throughputMbps / sent)));
  set("retransmissions", sum(perInstance.map((m) => m.retransmissions)));
  for (const cpu of ["localCpuPct", "remoteCpuPct"] as const) {
    const total = sum(perInstance.map((m) => m[cpu]));
    set(cpu, total === undefined ? undefined : total / instances.length);
  }
  set("meanLatencyUs", pooledMeanUs(instances));
  const maxima = perInstance.map((m) => m.maxLatencyUs);
  if (maxima.every((m) => m !== undefined)) set("maxLatencyUs", Math.max(...(maxima as number[])));
  const isRr = perInstance.every(
    (m) => m.transactionsPerSec !== undefined || m.connectionsPerSec !== undefined,
  );
  const latency = isRr ? mergeLatency(instances, percents) : null;
  if (latency?.method === "histogram") {
    for (const estimate of latency.percentiles) {
      const metric = PERCENTILE_METRICS[estimate.percent as keyof typeof PERCENTILE_METRICS];
      if (metric && estimate.valueUs !== null) metrics[metric] = estimate.valueUs;
    }
  }
  return { streams: instances.length, metrics, perInstance, latency };
}
