/** Parses netperf's `-P 0 -o SELECTORS` output into routebench metrics. Pure. */
import type { MetricName, NetperfTest } from "../vocabulary/vocabulary.js";
import { isStreamTest, rateMetric } from "../vocabulary/vocabulary.js";
import { NETPERF_SELECTORS, type NetperfSelector } from "./selectors.js";

/**
 * False for TCP_CRR: in a connection test netserver ends on its own timer, padded by PAD_TIME
 * (4 s, netperf 2.7.0 src/netlib.h), and scales the busy share of that longer time by
 * lib_elapsed / elapsed_time (src/netcpu_procstat.c), so a 1 s test on loopback reported 429%
 * remote CPU on 2 CPUs (test/fixtures/netperf/tcp_crr_1_1.csv).
 */
export function remoteCpuMeasured(test: NetperfTest): boolean {
  return test !== "TCP_CRR";
}

/**
 * Service demand (CPU time per unit of work, netperf -c -C) as netperf reports it for a test:
 * µs per KB for bulk transfer, µs per transaction for request/response (SD_UNITS).
 */
export function serviceDemandMetrics(test: NetperfTest): MetricName[] {
  const [local, remote]: [MetricName, MetricName] = isStreamTest(test)
    ? ["localSdUsPerKB", "remoteSdUsPerKB"]
    : ["localSdUsPerTrans", "remoteSdUsPerTrans"];
  return remoteCpuMeasured(test) ? [local, remote] : [local];
}

export type Metrics = Partial<Record<MetricName, number>>;

export interface NetperfSample {
  metrics: Metrics;
  /** Every selector as netperf printed it. */
  raw: Record<NetperfSelector, string>;
  elapsedSec: number | null;
}

/** Why netperf output could not be parsed; the message quotes what was seen. */
export class NetperfParseError extends Error {
  override name = "NetperfParseError";
}

const UNIT_TO_MBPS: Record<string, number> = {
  "10^6bits/s": 1,
  "10^3bits/s": 1e-3,
  "10^9bits/s": 1e3,
  "bits/s": 1e-6,
  "10^6bytes/s": 8,
  "10^3bytes/s": 8e-3,
  "10^9bytes/s": 8e3,
};

/** netperf prints INT_MIN or a negative value for a figure it did not measure. */
function measured(text: string | undefined): number | null {
  if (text === undefined || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** Parses one run's stdout. Throws NetperfParseError when it is not a CSV line of our selectors. */
export function parseNetperfOutput(test: NetperfTest, stdout: string): NetperfSample {
  const line = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .at(-1);
  if (!line) throw new NetperfParseError("netperf printed nothing on stdout");
  const fields = line.split(",");
  if (fields.length !== NETPERF_SELECTORS.length) {
    throw new NetperfParseError(
      `expected ${NETPERF_SELECTORS.length} comma-separated values (${NETPERF_SELECTORS.join(",")}), got ${fields.length}: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
  const raw = Object.fromEntries(NETPERF_SELECTORS.map((name, i) => [name, fields[i] ?? ""])) as Record<
    NetperfSelector,
    string
  >;
  const metrics: Metrics = {};
  const set = (name: MetricName, value: number | null) => {
    if (value !== null) metrics[name] = value;
  };
  if (isStreamTest(test)) {
    const factor = UNIT_TO_MBPS[raw.THROUGHPUT_UNITS];
    // THROUGHPUT is what the receiver counted (for UDP_STREAM, after loss): see selectors.ts
    const throughput = measured(raw.THROUGHPUT);
    if (throughput === null || factor === undefined) {
      throw new NetperfParseError(
        `unusable throughput ${JSON.stringify(raw.THROUGHPUT)} ${JSON.stringify(raw.THROUGHPUT_UNITS)}`,
      );
    }
    set("throughputMbps", throughput * factor);
    if (test === "UDP_STREAM") {
      const sent = measured(raw.LOCAL_SEND_THROUGHPUT);
      set("sentMbps", sent === null ? null : sent * factor);
      const sentDatagrams = measured(raw.LOCAL_SEND_CALLS);
      const receivedDatagrams = measured(raw.REMOTE_RECV_CALLS);
      if (sentDatagrams && receivedDatagrams !== null && receivedDatagrams <= sentDatagrams)
        set("lossPct", (100 * (sentDatagrams - receivedDatagrams)) / sentDatagrams);
    }
  } else {
    const rate = measured(raw.TRANSACTION_RATE);
    if (rate === null)
      throw new NetperfParseError(`unusable transaction rate ${JSON.stringify(raw.TRANSACTION_RATE)}`);
    set(rateMetric(test), rate);
    set("meanLatencyUs", measured(raw.MEAN_LATENCY));
    set("p50Us", measured(raw.P50_LATENCY));
    set("p90Us", measured(raw.P90_LATENCY));
    set("p99Us", measured(raw.P99_LATENCY));
    set("maxLatencyUs", measured(raw.MAX_LATENCY));
  }
  set("localCpuPct", measured(raw.LOCAL_CPU_UTIL));
  if (remoteCpuMeasured(test)) set("remoteCpuPct", measured(raw.REMOTE_CPU_UTIL));
  const [localSd, remoteSd] = serviceDemandMetrics(test);
  const localDemand = measured(raw.LOCAL_SD);
  const remoteDemand = remoteSd ? measured(raw.REMOTE_SD) : null;
  const sdUnits = isStreamTest(test) ? "usec/KB" : "usec/Tran";
  if ((localDemand !== null || remoteDemand !== null) && raw.SD_UNITS !== sdUnits) {
    throw new NetperfParseError(`service demand in ${JSON.stringify(raw.SD_UNITS)}, expected ${sdUnits}`);
  }
  if (localSd) set(localSd, localDemand);
  if (remoteSd) set(remoteSd, remoteDemand);
  set("retransmissions", measured(raw.LOCAL_TRANSPORT_RETRANS));
  return { metrics, raw, elapsedSec: measured(raw.ELAPSED_TIME) };
}

/** The version `netperf -V` prints. Pure. */
export function parseNetperfVersion(stdout: string): string {
  return /Netperf version (\S+)/.exec(stdout)?.[1] ?? "unknown";
}
