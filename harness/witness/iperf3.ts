/**
 * iperf3 (Debian main, 3.12) as the streams witness: argv for its server and its TCP client, and
 * the parser of the client's JSON report (-J). Pure: the same argv runs in a lab namespace or
 * through pods/exec, and CPU placement stays with the caller (taskset), never iperf3's -A.
 */
import { z } from "zod";
import type { Metrics } from "../netperf/parse.js";
import { WitnessParseError } from "./witness.js";

/** The server stays and serves tests one after another, like netserver. */
export interface Iperf3ServerInvocation {
  port: number;
}

export interface Iperf3ClientInvocation {
  /** The server's address. */
  host: string;
  port: number;
  durationSec: number;
  /** Bytes per send() (-l), as netperf's -m. */
  messageSize: number;
  /** Parallel streams (-P); default 1. */
  streams?: number;
}

/** How long the client waits for the server's control connection before it gives up, in ms. */
const CONNECT_TIMEOUT_MS = 5000;

export function buildIperf3ServerArgv(invocation: Iperf3ServerInvocation): string[] {
  return ["iperf3", "-s", "-p", String(invocation.port)];
}

/** The client: send for durationSec, report as JSON on stdout. */
export function buildIperf3ClientArgv(invocation: Iperf3ClientInvocation): string[] {
  const streams = invocation.streams ?? 1;
  return [
    "iperf3",
    "-c",
    invocation.host,
    "-p",
    String(invocation.port),
    "-t",
    String(invocation.durationSec),
    "-l",
    String(invocation.messageSize),
    ...(streams > 1 ? ["-P", String(streams)] : []),
    "--connect-timeout",
    String(CONNECT_TIMEOUT_MS),
    "-J",
  ];
}

export interface Iperf3Sample {
  /** throughputMbps: what the receiver got; retransmissions: the sender's TCP retransmits. */
  metrics: Metrics;
  /** The receiver's measured interval, in seconds. */
  elapsedSec: number;
  streams: number;
}

const sum = z.object({ seconds: z.number(), bytes: z.number(), bits_per_second: z.number() });

// only the fields read here: iperf3's report has many more, and they change between versions
const report = z.object({
  error: z.string().optional(),
  end: z
    .object({
      streams: z.array(z.unknown()),
      sum_sent: sum.extend({ retransmits: z.number().optional() }),
      sum_received: sum,
    })
    .partial(),
});

/**
 * Parses the client's -J stdout. iperf3 3.12 exits 0 even when it cannot connect: the JSON's
 * `error` says why, and is the error here. Throughput is the receiver's (end.sum_received), the
 * bytes that arrived, summed over the streams.
 */
export function parseIperf3Output(stdout: string): Iperf3Sample {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new WitnessParseError(
      `iperf3 printed no JSON report: ${JSON.stringify(stdout.trim().slice(0, 200))}`,
    );
  }
  const parsed = report.safeParse(json);
  if (!parsed.success) {
    throw new WitnessParseError(
      `iperf3's JSON report has an unexpected shape: ${parsed.error.issues[0]?.message}`,
    );
  }
  const { error, end } = parsed.data;
  if (error !== undefined) throw new WitnessParseError(`iperf3: ${error}`);
  const { sum_sent: sent, sum_received: received, streams } = end;
  if (!sent || !received || !streams)
    throw new WitnessParseError("iperf3's JSON report has no end.sum_sent/sum_received");
  if (!(received.seconds > 0) || !(received.bits_per_second > 0)) {
    throw new WitnessParseError(`iperf3 measured nothing: ${received.bytes} bytes in ${received.seconds} s`);
  }
  return {
    metrics: {
      throughputMbps: received.bits_per_second / 1e6,
      ...(sent.retransmits !== undefined ? { retransmissions: sent.retransmits } : {}),
    },
    elapsedSec: received.seconds,
    streams: streams.length,
  };
}
