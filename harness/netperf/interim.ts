/**
 * netperf's interim results (`-D seconds`, "demo mode": Debian's netperf 2.7.0 is built with
 * it): while a test runs, netperf prints one line per interval, `rate,units,seconds,epoch`
 * (e.g. `51121.21,Trans/s,0.250,1796556303.952`), before the `-o` selector line, which stays
 * the last line of stdout (parse.ts reads that one). An interval is timed by netperf itself
 * and ends at the first unit of work after the interval elapsed: when the client is stopped
 * (descheduled, stolen, SIGSTOPped), the interval stretches over the stop and its rate falls.
 * That is what the guest's /proc cannot see, so a trial is judged from inside: its `dip`, how
 * far its slowest full interval fell below the trial's median interval. A netperf built
 * without demo mode prints "Sorry, Demo Mode not configured into this netperf." on stdout and
 * runs the test (netperf 2.7.0 src/netsh.c, case 'D'): no interim lines, the -o line still
 * last, nothing to judge (null). Pure.
 */
import { isStreamTest, type NetperfTest } from "../vocabulary/vocabulary.js";

/** Interim interval asked of netperf (-D), seconds: 8 intervals in a 2 s trial. */
export const INTERIM_SEC = 0.25;

/**
 * A trial whose slowest full interval ran this far (percent) below its median interval is
 * unsteady: repeated like a trial on a busy machine (machine/noise.ts's rules). A 300 ms stop
 * in a 0.25 s interval stretches it to 0.55 s at 45% of the rate: a dip of about 55% on a
 * steady machine. Measured by `npm run bench:unsteady` (loopback, 2 s TCP_RR, the client
 * SIGSTOPped for 300 ms in every other trial) on the shared 2-core VM at load average 12–20,
 * where the "quiet" trials were themselves disturbed: at 40%, 15/20 planted stops called and
 * 7/20 quiet trials (dips: quiet median 30%, planted 52%); at 35%, 17/20 and 9/20; at 50%,
 * 12/20 and 4/20. 40% keeps three quarters of the detections while a quiet trial is kept
 * noisy after 3 repeats only when all four attempts dip (0.35⁴ ≈ 1.5% even at that load).
 * On the lab (quick profile, 1 s trials: 4 interim lines each; both CPUs 100% busy with other
 * work, so the /proc rules fired first on nearly every attempt) the dips of 264 attempts had
 * median 16%, p90 38%, and 21 (8%) were above 40%. Provisional: the false-alarm rate on a
 * quiet host is still to be measured.
 */
export const DIP_THRESHOLD_PCT = 40;

/**
 * The same rule for the stream tests (TCP_STREAM, UDP_STREAM), whose rate is a flow's and dips
 * by itself: with both ends on one CPU a TCP stream's 0.25 s rate swings with how often
 * netserver drains its socket, and legacy routing dips more often than eBPF. Over 1,326 quiet
 * stream attempts on a noisy VM (`npm run bench:stream-spread -- <runs>`: 11 runs, 1 and 4 KiB,
 * same- and cross-node) 4.9% of legacy's dipped past 40% and 2.9% of eBPF's (50% and above:
 * 18 against 7), and repeating them moved the mean eBPF/legacy ratio by −0.33% over 625 pairs:
 * the rule chose trials by the datapath's own behaviour. None dipped past 70%. A stopped client
 * still crosses it from about 0.6 s (`TEST=TCP_STREAM MESSAGE=1024 CPU=1 npm run
 * bench:unsteady`, loopback, both ends on one CPU, 20 planted and 20 quiet 2 s trials per
 * length: stops of 300 ms dip a median 55% and 0/20 cross 70%, of 600 ms 70% and 12/20, of
 * 1 s 80% and 19/20, the 20th without interim lines; no quiet trial dipped past 30%). A
 * shorter stop is left to the pairs' spread: it cost a 2 s trial 19% (300 ms) there, and such
 * stops are rare here (0 of 669 quiet TCP_RR attempts crossed 40%, bench:planted), while the
 * stream dips between 40% and 70% were the datapath's own, 2:1 legacy.
 */
export const STREAM_DIP_THRESHOLD_PCT = 70;

/** The dip above which a trial of `test` is unsteady. */
export function dipThresholdPct(test: NetperfTest): number {
  return isStreamTest(test) ? STREAM_DIP_THRESHOLD_PCT : DIP_THRESHOLD_PCT;
}

export interface InterimInterval {
  rate: number;
  seconds: number;
}

const INTERIM_LINE = /^(\d+(?:\.\d+)?),([^,]+\/s),(\d+(?:\.\d+)?),\d+(?:\.\d+)?$/;

/** The interim lines of one netperf's stdout, in order; lines that are not interim results are skipped. */
export function parseInterim(stdout: string): InterimInterval[] {
  const intervals: InterimInterval[] = [];
  for (const line of stdout.split("\n")) {
    const match = INTERIM_LINE.exec(line.trim());
    if (match) intervals.push({ rate: Number(match[1]), seconds: Number(match[3]) });
  }
  return intervals;
}

/**
 * How far (percent, 0–100) the slowest full interval fell below the median interval's rate;
 * null with fewer than 3 full intervals. The last interval is cut short by the test's end and
 * one shorter than half of `intervalSec` is too short to judge: both are left out when short.
 */
export function interimDipPct(
  intervals: readonly InterimInterval[],
  intervalSec = INTERIM_SEC,
): number | null {
  const full = intervals.filter((i) => i.seconds >= intervalSec / 2 && i.rate >= 0);
  if (full.length < 3) return null;
  const rates = full.map((i) => i.rate).sort((a, b) => a - b);
  const mid = rates.length / 2;
  const median =
    rates.length % 2
      ? (rates[Math.floor(mid)] as number)
      : ((rates[mid - 1] as number) + (rates[mid] as number)) / 2;
  if (!(median > 0)) return null;
  return Math.round(Math.max(0, 1 - (rates[0] as number) / median) * 1000) / 10;
}
