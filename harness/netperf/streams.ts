/**
 * The netperf instances of one trial with `streams` > 1 (issue 14). Pure.
 *
 * netperf has no absolute start time, so the instances are started together by their caller
 * (one spawn each, all at once) and each waits `-s` seconds between setting up its connections
 * and starting its timed loop (HewlettPackard/netperf src/netsh.c `wait_time_secs`, slept in
 * nettest_omni.c before the test starts). While the launches lie within that delay of each
 * other, no instance's setup (control connection, netserver's fork, data connection) falls in
 * another's measured window, and the windows overlap by the duration less the launch spread
 * (12 ms for four instances started from one shell here: test/fixtures/netperf/README.md).
 * One netserver serves them all: it forks a child per control connection.
 */
import { buildNetperfArgv, type NetperfInvocation } from "./argv.js";

/** Seconds each instance waits after its setup; ELAPSED_TIME is unaffected, the wall time grows by it. */
export const STREAM_START_DELAY_SEC = 1;

/**
 * The argv of each instance, in launch order. One stream gives exactly `buildNetperfArgv`'s
 * argv, so one-stream trials run as before. With several, each gets `-s`, asks for the latency
 * histogram (`-v 2`: printed by --enable-histogram builds, ignored by Debian's), and a fixed
 * data port becomes one port per instance (dataPort + i), since each netserver child listens
 * on its own; without one, every instance uses an ephemeral port.
 */
export function buildStreamArgvs(
  invocation: NetperfInvocation,
  streams: number,
  startDelaySec = STREAM_START_DELAY_SEC,
): string[][] {
  if (!Number.isInteger(streams) || streams < 1) {
    throw new Error(`buildStreamArgvs: streams must be a whole number from 1, got ${streams}`);
  }
  if (streams === 1) return [buildNetperfArgv(invocation)];
  const histogram = !invocation.test.endsWith("_STREAM");
  return Array.from({ length: streams }, (_, i) =>
    buildNetperfArgv({
      ...invocation,
      startDelaySec,
      printHistogram: histogram,
      ...(invocation.dataPort !== undefined ? { dataPort: invocation.dataPort + i } : {}),
    }),
  );
}
