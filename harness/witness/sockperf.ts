/**
 * sockperf (Debian main, 3.7) as the latency witness: argv for its server and its TCP ping-pong
 * client, and the parser of the client's report. Pure: the same argv runs in a lab namespace or
 * through pods/exec, and CPU placement stays with the caller (taskset), never sockperf's own
 * affinity options.
 *
 * Units: sockperf reports half round trips by default ("Latency is", the man page: "the average
 * RTT divided by two"); the client runs with --full-rtt so its figures are whole round trips in
 * µs ("Round trip is"), the unit of netperf's TCP_RR latency (one transaction = one round trip).
 * The parser refuses a half-round-trip report rather than guess.
 */
import type { Metrics } from "../netperf/parse.js";
import { WitnessParseError } from "./witness.js";

/** sockperf carries its own header in every message and refuses -m below this ("min: 14"). */
export const SOCKPERF_MIN_MESSAGE_SIZE = 14;

export interface SockperfServerInvocation {
  /** Address to listen on; default every address of the namespace. */
  listenAddress?: string;
  port: number;
}

export interface SockperfClientInvocation {
  /** The server's address. */
  host: string;
  port: number;
  durationSec: number;
  /** Bytes per message, both ways (sockperf has no separate request and response sizes). */
  messageSize: number;
}

/** A persistent TCP server: it serves one client after another, like netserver, until killed. */
export function buildSockperfServerArgv(invocation: SockperfServerInvocation): string[] {
  return [
    "sockperf",
    "server",
    "--tcp",
    "-i",
    invocation.listenAddress ?? "0.0.0.0",
    "-p",
    String(invocation.port),
  ];
}

/**
 * The ping-pong client: one message in flight at a time, as fast as replies come (its default
 * --mps max), so its rate and round trips answer TCP_RR's question. It measures over the last
 * durationSec − 0.45 s (a 400 ms warm-up first), so give it at least 2 s, and it waits about 2.1 s
 * before its test starts (with or without --dontwarmup): a run takes durationSec + ≈2.25 s of
 * wall time (4.24–4.30 s at -t 2 over loopback, sockperf 3.7). It keeps its default
 * TSC clock: with --no-rdtsc sockperf 3.7 measured over only durationSec − 1.17 s, and nothing at
 * 1 s (test/fixtures/witness/README.md).
 */
export function buildSockperfClientArgv(invocation: SockperfClientInvocation): string[] {
  if (invocation.messageSize < SOCKPERF_MIN_MESSAGE_SIZE) {
    throw new Error(`sockperf needs messages of at least ${SOCKPERF_MIN_MESSAGE_SIZE} bytes`);
  }
  return [
    "sockperf",
    "ping-pong",
    "--tcp",
    "-i",
    invocation.host,
    "-p",
    String(invocation.port),
    "-t",
    String(invocation.durationSec),
    "-m",
    String(invocation.messageSize),
    "--full-rtt",
  ];
}

/**
 * sockperf's message size for a TCP_RR point "request,response": the larger of the two (sockperf
 * echoes what it receives), and never below its 14-byte minimum, so "1,1" runs with 14 bytes.
 */
export function sockperfMessageSize(requestSize: number, responseSize: number): number {
  return Math.max(SOCKPERF_MIN_MESSAGE_SIZE, requestSize, responseSize);
}

export interface SockperfSample {
  metrics: Metrics;
  /** Length of the measured interval (the "Valid Duration" after warm-up), in seconds. */
  elapsedSec: number;
  /** Every percentile sockperf printed, by its label ("50.000", "99.900", ...), in µs. */
  percentilesUs: Record<string, number>;
}

// sockperf colours its report with ANSI escapes even into a pipe
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is removed
const ANSI = /\u001b\[[0-9;]*m/g;

function number(text: string, what: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(value)) throw new WitnessParseError(`sockperf: no ${what} in its report`);
  return value;
}

/**
 * Parses the ping-pong client's stdout (with --full-rtt). sockperf exits 0 even when it cannot
 * connect and prints its errors on stdout, so a report without a round-trip summary is an error
 * that quotes sockperf's ERROR line.
 */
export function parseSockperfOutput(stdout: string): SockperfSample {
  const text = stdout.replace(ANSI, "");
  if (!/Summary: Round trip is/.test(text)) {
    const error = /ERROR: (.*)/.exec(text)?.[1];
    if (error) throw new WitnessParseError(`sockperf: ${error.trim()}`);
    if (/No valid observations found/.test(text)) {
      throw new WitnessParseError(
        "sockperf found no valid observations: the test was too short (try 2 s or more)",
      );
    }
    if (/Summary: Latency is/.test(text)) {
      throw new WitnessParseError("sockperf reported half round trips: the client must run with --full-rtt");
    }
    throw new WitnessParseError(
      `sockperf printed no round-trip summary: ${JSON.stringify(text.trim().slice(-200))}`,
    );
  }
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(
    text,
  );
  if (!valid) throw new WitnessParseError("sockperf: no [Valid Duration] line in its report");
  const elapsedSec = Number(valid[1]);
  const received = Number(valid[3]);
  if (!(elapsedSec > 0) || received === 0) {
    throw new WitnessParseError(`sockperf measured nothing: ${valid[0]}`);
  }
  const percentilesUs: Record<string, number> = {};
  for (const match of text.matchAll(/percentile ([\d.]+) =\s*([\d.]+)/g)) {
    percentilesUs[match[1] as string] = Number(match[2]);
  }
  const percentile = (label: string) => {
    const value = percentilesUs[label];
    if (value === undefined) throw new WitnessParseError(`sockperf: no percentile ${label} in its report`);
    return value;
  };
  return {
    metrics: {
      // one message in flight: each received reply is one transaction
      transactionsPerSec: received / elapsedSec,
      meanLatencyUs: number(text, "avg-rtt", /avg-rtt=([\d.]+)/),
      p50Us: percentile("50.000"),
      p90Us: percentile("90.000"),
      p99Us: percentile("99.000"),
      maxLatencyUs: number(text, "<MAX> observation", /<MAX> observation =\s*([\d.]+)/),
    },
    elapsedSec,
    percentilesUs,
  };
}
