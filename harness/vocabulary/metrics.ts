/**
 * The metrics, declared once: every figure routebench reads from netperf or derives, with its
 * name, unit, good direction and family, and what a rate or cost counts. vocabulary.ts
 * re-exports them with the other words. Values only, and one-line predicates on them.
 */

/** Every metric routebench reads from netperf, as named in results files. */
export const METRIC_NAMES = [
  "throughputMbps",
  "transactionsPerSec",
  "connectionsPerSec",
  "meanLatencyUs",
  "p50Us",
  "p90Us",
  "p99Us",
  "maxLatencyUs",
  "localCpuPct",
  "remoteCpuPct",
  "retransmissions",
  "sentMbps",
  "lossPct",
  "localSdUsPerKB",
  "remoteSdUsPerKB",
  "localSdUsPerTrans",
  "remoteSdUsPerTrans",
  "cpuUsPerTrans",
  "cpuSecPerGB",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * What kind of figure a metric is: a `rate` of work done, a `latency`, a CPU `utilisation`
 * (described, never judged: a faster mode keeps the CPU busier), a CPU `cost` per unit of work,
 * or `loss` (datagrams lost, segments retransmitted).
 */
export const METRIC_FAMILIES = ["rate", "latency", "utilisation", "cost", "loss"] as const;
export type MetricFamily = (typeof METRIC_FAMILIES)[number];

/** The unit of work a rate or a cost counts: a transaction, a whole connection (TCP_CRR), or bytes. */
export type WorkUnit = "transactions" | "connections" | "bytes";

export interface MetricTerms {
  /** What a reader calls it, e.g. "P99 latency". */
  name: string;
  /** As printed after a value; "" for a count. */
  unit: string;
  /** Which way is an improvement. */
  better: "higher" | "lower";
  family: MetricFamily;
  /** Rates and costs: the work they count. */
  counts?: WorkUnit;
  /** Latency percentiles: which one (P50 = 50). */
  percentile?: number;
}

/**
 * Each metric's name, unit, good direction and family: up for rates, down for latency, CPU,
 * service demand, loss and retransmissions. A Record, so a new metric cannot come without them.
 */
export const METRICS: Record<MetricName, MetricTerms> = {
  throughputMbps: { name: "throughput", unit: "Mbit/s", better: "higher", family: "rate", counts: "bytes" },
  transactionsPerSec: {
    name: "transaction rate",
    unit: "trans/s",
    better: "higher",
    family: "rate",
    counts: "transactions",
  },
  connectionsPerSec: {
    name: "connection rate",
    unit: "conn/s",
    better: "higher",
    family: "rate",
    counts: "connections",
  },
  meanLatencyUs: { name: "mean latency", unit: "µs", better: "lower", family: "latency" },
  p50Us: { name: "P50 latency", unit: "µs", better: "lower", family: "latency", percentile: 50 },
  p90Us: { name: "P90 latency", unit: "µs", better: "lower", family: "latency", percentile: 90 },
  p99Us: { name: "P99 latency", unit: "µs", better: "lower", family: "latency", percentile: 99 },
  maxLatencyUs: { name: "max latency", unit: "µs", better: "lower", family: "latency" },
  localCpuPct: { name: "client CPU", unit: "%", better: "lower", family: "utilisation" },
  remoteCpuPct: { name: "server CPU", unit: "%", better: "lower", family: "utilisation" },
  retransmissions: { name: "retransmissions", unit: "", better: "lower", family: "loss" },
  sentMbps: { name: "sent rate", unit: "Mbit/s", better: "higher", family: "rate", counts: "bytes" },
  lossPct: { name: "datagram loss", unit: "%", better: "lower", family: "loss" },
  localSdUsPerKB: {
    name: "client service demand",
    unit: "µs/KB",
    better: "lower",
    family: "cost",
    counts: "bytes",
  },
  remoteSdUsPerKB: {
    name: "server service demand",
    unit: "µs/KB",
    better: "lower",
    family: "cost",
    counts: "bytes",
  },
  localSdUsPerTrans: {
    name: "client service demand",
    unit: "µs/trans",
    better: "lower",
    family: "cost",
    counts: "transactions",
  },
  remoteSdUsPerTrans: {
    name: "server service demand",
    unit: "µs/trans",
    better: "lower",
    family: "cost",
    counts: "transactions",
  },
  cpuUsPerTrans: {
    name: "CPU per transaction",
    unit: "µs/trans",
    better: "lower",
    family: "cost",
    counts: "transactions",
  },
  cpuSecPerGB: { name: "CPU per GB", unit: "s/GB", better: "lower", family: "cost", counts: "bytes" },
};

/** A rate of transactions or connections (a request/response test's figure), not of bytes. */
export function isTransactionRate(metric: MetricName): boolean {
  return METRICS[metric].family === "rate" && METRICS[metric].counts !== "bytes";
}

/** A latency percentile (P50, P90, P99), not the mean or the maximum. */
export function isPercentile(metric: MetricName): boolean {
  return METRICS[metric].percentile !== undefined;
}

/** The metric of a latency percentile, e.g. 99 → p99Us. */
export function percentileMetric(percentile: number): MetricName {
  const found = METRIC_NAMES.find((m) => METRICS[m].percentile === percentile);
  if (!found) throw new Error(`no latency metric for percentile ${percentile}`);
  return found;
}

/** The latency percentiles a request/response test reports when its sweep entry names none. */
export const DEFAULT_PERCENTILES = [50, 90, 99] as const;

/** True when a smaller value of the metric is an improvement. */
export function lowerIsBetter(metric: MetricName): boolean {
  return METRICS[metric].better === "lower";
}
