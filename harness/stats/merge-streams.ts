/**
 * One trial's figures from N netperf instances that ran at once against the same netserver
 * (issue 14): rates add up, latency percentiles come from the pooled distribution
 * (merge-latency.ts), never from averaging the instances' percentiles. Pure.
 */
import type { Metrics, NetperfSample } from "../netperf/parse.js";
import { boundPooledPercentile, type InstanceLatency, type PercentileEstimate } from "./merge-latency.js";

export interface MergedStreams {
  streams: number;
  /**
   * The trial's metrics: throughputMbps and transactionsPerSec summed; meanLatencyUs the
   * transaction-weighted mean (exact up to netperf's rounding); maxLatencyUs the largest;
   * no p50/p90/p99Us (a pooled percentile is an interval, in `latency`);
   * retransmissions summed (each instance counts its own connection); CPU shares averaged
   * (each instance measured the whole machine over the same window).
   */
  metrics: Metrics;
  /** Each instance's own metrics, in launch order. */
  perInstance: Metrics[];
  /** How the percentiles were merged, or null for a test without latency (TCP_STREAM). */
  latency: { method: "bound"; percentiles: PercentileEstimate[] } | null;
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

/**
 * A request/response trial whose every instance timed no transaction: nothing was measured, so
 * there is no rate or latency to merge. The run loop records the attempt as failed with this
 * message (and retries it), as it does a netperf that exited non-zero.
 */
export class NoTransactionsError extends Error {
  override name = "NoTransactionsError";
  constructor(instances: number) {
    super(
      instances === 1
        ? "netperf reported 0 transactions: the trial measured nothing"
        : `every netperf instance (${instances} of ${instances}) reported 0 transactions: the trial measured nothing`,
    );
  }
}

/**
 * A request/response netperf that timed no transaction: a rate of 0, or under half a
 * transaction over its elapsed time (what a latency bracket counts). False for a stream test.
 */
export function timedNoTransaction(sample: NetperfSample): boolean {
  const rate = sample.metrics.transactionsPerSec ?? sample.metrics.connectionsPerSec;
  const n = transactions(sample);
  return rate === 0 || (n !== undefined && Math.round(n) === 0);
}

/** The mean latency of all the instances' transactions together. */
function pooledMeanUs(instances: readonly NetperfSample[]): number | undefined {
  let weighted = 0;
  let pooled = 0;
  for (const sample of instances) {
    const n = transactions(sample);
    const mean = sample.metrics.meanLatencyUs;
    if (n === undefined || mean === undefined) return undefined;
    weighted += n * mean;
    pooled += n;
  }
  return pooled > 0 ? weighted / pooled : undefined;
}

/** The requested latency percentiles of the pool, as guaranteed brackets. */
function mergeLatency(
  instances: readonly NetperfSample[],
  percents: readonly number[],
): MergedStreams["latency"] {
  const latencies = instances.map(instanceLatency);
  if (!latencies.every((l): l is InstanceLatency => l !== null)) return null;
  return { method: "bound", percentiles: percents.map((p) => boundPooledPercentile(latencies, p)) };
}

/**
 * Merges the instances of one trial. `percents` are the sweep's latency percentiles
 * (50, 90, 99). Throws when there is no instance, and NoTransactionsError when every instance
 * of a request/response test timed no transaction (one that timed none among others adds 0).
 */
export function mergeStreams(
  instances: readonly NetperfSample[],
  percents: readonly number[],
): MergedStreams {
  if (instances.length === 0) throw new Error("mergeStreams needs at least one netperf instance");
  const perInstance = instances.map((i) => i.metrics);
  const isRr = perInstance.every(
    (m) => m.transactionsPerSec !== undefined || m.connectionsPerSec !== undefined,
  );
  if (isRr && instances.every(timedNoTransaction)) throw new NoTransactionsError(instances.length);
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
  const latency = isRr ? mergeLatency(instances, percents) : null;
  return { streams: instances.length, metrics, perInstance, latency };
}
