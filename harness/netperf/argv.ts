/** Builds netperf command lines. Pure: the same argv runs in a lab pod or through pods/exec. */
import type { NetperfTest } from "../vocabulary/vocabulary.js";
import { NETPERF_SELECTORS } from "./selectors.js";

export interface NetperfInvocation {
  test: NetperfTest;
  /** netserver address. */
  host: string;
  /** netserver control port. */
  port: number;
  durationSec: number;
  /** TCP_STREAM: bytes per send() (-m). */
  messageSize?: number;
  /** TCP_RR: request and response sizes in bytes (-r). */
  requestSize?: number;
  responseSize?: number;
  /** CPU binding of netperf and netserver (-T local,remote). */
  cpu?: { client?: number; server?: number };
  /** netserver's data port (-P ,port): fixed where a NetworkPolicy or host firewall must allow it. */
  dataPort?: number;
  /** Measure CPU utilisation on both ends (-c -C). */
  measureCpu?: boolean;
  /** Seconds to wait between setting up the connections and starting the timed test (-s). */
  startDelaySec?: number;
  /** Ask for the latency histogram (-v 2); only builds with --enable-histogram print one. */
  printHistogram?: boolean;
}

/**
 * netperf argv: global options before `--`, test-specific after, `-P 0` and `-o` so the
 * output is one CSV line of NETPERF_SELECTORS in order.
 */
export function buildNetperfArgv(invocation: NetperfInvocation): string[] {
  const argv = [
    "netperf",
    "-H",
    invocation.host,
    "-p",
    String(invocation.port),
    "-t",
    invocation.test,
    "-l",
    String(invocation.durationSec),
    "-P",
    "0",
  ];
  const { cpu } = invocation;
  if (cpu && (cpu.client !== undefined || cpu.server !== undefined)) {
    argv.push("-T", `${cpu.client ?? ""},${cpu.server ?? ""}`);
  }
  if (invocation.measureCpu ?? true) argv.push("-c", "-C");
  if (invocation.startDelaySec) argv.push("-s", String(invocation.startDelaySec));
  if (invocation.printHistogram) argv.push("-v", "2");
  argv.push("--");
  if (invocation.test === "TCP_STREAM") {
    if (!invocation.messageSize) throw new Error("TCP_STREAM needs a message size");
    argv.push("-m", String(invocation.messageSize));
  } else {
    argv.push("-r", `${invocation.requestSize ?? 1},${invocation.responseSize ?? 1}`);
  }
  if (invocation.dataPort !== undefined) argv.push("-P", `,${invocation.dataPort}`);
  argv.push("-o", NETPERF_SELECTORS.join(","));
  return argv;
}
