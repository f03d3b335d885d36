/**
 * Second witnesses beside netperf: sockperf for latency (TCP ping-pong, one message in flight,
 * like TCP_RR) and iperf3 for streams (like TCP_STREAM). What each one witnesses, and the error
 * a witness's output raises. Pure.
 */
import type { MetricName, NetperfTest } from "../vocabulary/vocabulary.js";

export const WITNESSES = ["sockperf", "iperf3"] as const;
export type WitnessName = (typeof WITNESSES)[number];

/** The netperf test each witness runs beside: a witness trial runs at that test's points only. */
export const WITNESSED_TEST: Record<WitnessName, NetperfTest> = {
  sockperf: "TCP_RR",
  iperf3: "TCP_STREAM",
};

/**
 * The sweep's witness that runs beside a trial at `point`, if any: the one for its test, and
 * none where several netperf instances run at once (a witness is one flow).
 */
export function witnessFor(
  witnesses: readonly WitnessName[] | undefined,
  point: { test: NetperfTest; streams?: number },
): WitnessName | undefined {
  if ((point.streams ?? 1) > 1) return undefined;
  return (witnesses ?? []).find((w) => WITNESSED_TEST[w] === point.test);
}

/**
 * The metrics a witness measures in the same unit and sense as netperf's metric of the same name,
 * so the two eBPF/legacy ratios are comparable: latencies are full round trips in µs (netperf's
 * TCP_RR latency is per transaction, sockperf runs with --full-rtt), throughput is Mbit/s.
 */
export const WITNESS_METRICS: Record<WitnessName, readonly MetricName[]> = {
  sockperf: ["transactionsPerSec", "meanLatencyUs", "p50Us", "p90Us", "p99Us"],
  iperf3: ["throughputMbps"],
};

/** Why a witness's output could not be parsed; the message quotes what was seen. */
export class WitnessParseError extends Error {
  override name = "WitnessParseError";
}
