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

/** Linux's default TCP send buffer (net.ipv4.tcp_wmem's middle value): what netperf sees under autotuning. */
export const DEFAULT_SEND_BUFFER_BYTES = 16384;

/**
 * The send ring netperf uses under TCP autotuning, for fixed socket buffers too: netperf sends
 * from a ring of `send buffer / message size + 1` buffers, at least 2 (nettest_omni.c), each
 * malloc'd and filled before its timer starts. Fixed at 4 MiB (8 MiB as the kernel reports it),
 * that ring is 131,073 buffers for 64 B messages: about 100 ms of set-up per trial before the
 * test (`npm run bench:send-ring`) and ~10 MiB of send buffers walked during it, where netperf
 * with its default buffer walks 16 KiB. `-W` keeps the ring netperf's default would have while
 * the socket buffers stay fixed: 4–9% more throughput at 64 B and 1 KiB, the ratio unchanged
 * within its interval. netserver's receive size stays the fixed buffer's (8 MiB calls): with
 * `-M 131072` too, the autotuned default, the one-CPU lab's throughput fell by 18–23% (legacy
 * 64 B 68 against 83 Mbit/s, 1 KiB 659 against 852, interleaved), a change of what is
 * measured rather than of set-up. Pure.
 */
export function sendRingWidth(messageSize: number): number {
  return Math.max(2, Math.floor(DEFAULT_SEND_BUFFER_BYTES / messageSize) + 1);
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
      argv.push("-s", bytes, "-S", bytes, "-W", String(sendRingWidth(invocation.messageSize)));
    }
  } else {
    argv.push("-r", `${invocation.requestSize ?? 1},${invocation.responseSize ?? 1}`);
  }
  if (invocation.dataPort !== undefined) argv.push("-P", `,${invocation.dataPort}`);
  argv.push("-o", NETPERF_SELECTORS.join(","));
  return argv;
}
