import type { MetricName, NetperfTest } from "../vocabulary/vocabulary.js";
import { NETPERF_SELECTORS, type NetperfSelector } from "./selectors.js";

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
  if (test === "TCP_STREAM") {
    const throughput = measured(raw.THROUGHPUT);
    const factor = UNIT_TO_MBPS[raw.THROUGHPUT_UNITS];
    if (throughput === null || factor === undefined) {
      throw new NetperfParseError(
        `unusable throughput ${JSON.stringify(raw.THROUGHPUT)} ${JSON.stringify(raw.THROUGHPUT_UNITS)}`,
      );
    }
    set("throughputMbps", throughput * factor);
  } else {
    const rate = measured(raw.TRANSACTION_RATE);
    if (rate === null)
      throw new NetperfParseError(`unusable transaction rate ${JSON.stringify(raw.TRANSACTION_RATE)}`);
    set("transactionsPerSec", rate);
    set("meanLatencyUs", measured(raw.MEAN_LATENCY));
    set("p50Us", measured(raw.P50_LATENCY));
    set("p90Us", measured(raw.P90_LATENCY));
    set("p99Us", measured(raw.P99_LATENCY));
    set("maxLatencyUs", measured(raw.MAX_LATENCY));
  }
  set("localCpuPct", measured(raw.LOCAL_CPU_UTIL));
  set("remoteCpuPct", measured(raw.REMOTE_CPU_UTIL));
  set("retransmissions", measured(raw.LOCAL_TRANSPORT_RETRANS));
  return { metrics, raw, elapsedSec: measured(raw.ELAPSED_TIME) };
}

/** The version `netperf -V` prints. Pure. */
export function parseNetperfVersion(stdout: string): string {
  return /Netperf version (\S+)/.exec(stdout)?.[1] ?? "unknown";
}
