/** Builds netperf command lines. Pure: the same argv runs in a lab pod or through pods/exec. */
import { isStreamTest, type NetperfTest } from "../vocabulary/vocabulary.js";
import { NETPERF_SELECTORS } from "./selectors.js";

/**
 * Seconds a test keeps netperf waiting past its -l: netserver ends a connection test (TCP_CRR)
 * on its own timer, padded by PAD_TIME (4 s, netperf 2.7.0 src/netlib.h and nettest_omni.c
 * recv_omni); a 1 s TCP_CRR on loopback took 5.2 s of wall time.
 */
export function netserverPadSec(test: NetperfTest): number {
  return test === "TCP_CRR" ? 4 : 0;
}

export interface NetperfInvocation {
  test: NetperfTest;
  /** netserver address. */
  host: string;
  /** netserver control port. */
  port: number;
  durationSec: number;
  /** TCP_STREAM, UDP_STREAM: bytes per send() (-m). */
  messageSize?: number;
  /** TCP_RR, TCP_CRR, UDP_RR: request and response sizes in bytes (-r). */
  requestSize?: number;
  responseSize?: number;
  /** CPU binding of netperf and netserver (-T local,remote). */
  cpu?: { client?: number; server?: number };
  /** netserver's data port (-P ,port): fixed where a NetworkPolicy or host firewall must allow it. */
  dataPort?: number;
  /** Measure CPU utilisation and service demand on both ends (-c -C). */
  measureCpu?: boolean;
  /** Seconds to wait between setting up the connections and starting the timed test (-s). */
  startDelaySec?: number;
  /**
   * TCP_STREAM: fixed send and receive socket buffers in bytes on both ends (test-specific
   * `-s N -S N`), which turns TCP's buffer autotuning off; the kernel doubles the request and
   * caps it at twice net.core.{w,r}mem_max. Absent: autotuning.
   */
  socketBufferBytes?: number;
  /** Print interim results every this many seconds (-D, netperf/interim.ts): the trial's steadiness. */
  interimSec?: number;
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
  if (invocation.interimSec) argv.push("-D", String(invocation.interimSec));
  argv.push("--");
  if (isStreamTest(invocation.test)) {
    if (!invocation.messageSize) throw new Error(`${invocation.test} needs a message size`);
    argv.push("-m", String(invocation.messageSize));
    // netperf sets SO_DONTROUTE on UDP_STREAM sockets unless -R is given ("safety latch",
    // nettest_omni.c scan_omni_args): pod traffic goes through a gateway, so allow routing as
    // cilium-cli (connectivity/perf/benchmarks/netperf/perfpod.go) and k8s-netperf
    // (pkg/drivers/netperf.go) do.
    if (invocation.test === "UDP_STREAM") argv.push("-R", "1");
    if (invocation.test === "TCP_STREAM" && invocation.socketBufferBytes !== undefined) {
      const bytes = String(invocation.socketBufferBytes);
      argv.push("-s", bytes, "-S", bytes);
    }
  } else {
    argv.push("-r", `${invocation.requestSize ?? 1},${invocation.responseSize ?? 1}`);
  }
  if (invocation.dataPort !== undefined) argv.push("-P", `,${invocation.dataPort}`);
  argv.push("-o", NETPERF_SELECTORS.join(","));
  return argv;
}
