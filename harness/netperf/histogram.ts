/**
 * netperf's latency histogram, printed by `-v 2` only when netperf was configured with
 * `--enable-histogram` (HewlettPackard/netperf, src/nettest_omni.c: `#ifdef WANT_HISTOGRAM`
 * around `HIST_report`). Debian's netperf 2.7.0 is built without it, so on this machine
 * `parseNetperfHistogram` returns null (test/fixtures/netperf/tcp_rr_1_1.v2.stdout.txt). Pure.
 */
import { NetperfParseError } from "./parse.js";

/** One bucket: the transactions whose latency (whole microseconds) is in [lowerUs, upperUs). */
export interface HistogramBucket {
  lowerUs: number;
  upperUs: number;
  count: number;
}

export interface LatencyHistogram {
  /** Ascending, contiguous from 0 µs to 100 s, empty buckets included. */
  buckets: HistogramBucket[];
  /** Transactions that took 100 s or more (part of netperf's ">100_SECS"). */
  overflow: number;
  /** Every transaction netperf timed (HIST_TOTAL). */
  total: number;
}

/**
 * The rows of src/netlib.c `HIST_report`, in order: row r holds latencies in [10^r, 10^(r+1)) µs
 * (UNIT_USEC from 0) in equal columns: 10 in stock netperf (`output_row` sums the 100
 * sub-buckets of hist.h's HIST_NUM_OF_BUCKET by tens), more in patched builds (PerfKitBenchmarker
 * prints all of them).
 */
const ROWS = [
  "UNIT_USEC",
  "TEN_USEC",
  "HUNDRED_USEC",
  "UNIT_MSEC",
  "TEN_MSEC",
  "HUNDRED_MSEC",
  "UNIT_SEC",
  "TEN_SEC",
] as const;

const ROW_LINE = new RegExp(`^(${ROWS.join("|")})\\s*((?::\\s*\\d+\\s*)+)$`);
const OVER_100_SECS = /^>100_SECS:\s*(\d+)\s*$/;
const HIST_TOTAL = /^HIST_TOTAL:\s*(\d+)\s*$/;

/** The histogram block of netperf's stdout, and the stdout without it (for `parseNetperfOutput`). */
export function splitNetperfHistogram(stdout: string): {
  csvStdout: string;
  histogram: LatencyHistogram | null;
} {
  const lines = stdout.split("\n");
  const first = lines.findIndex((line) => ROW_LINE.test(line.trim()));
  if (first < 0) return { csvStdout: stdout, histogram: null };
  const last = lines.findIndex((line, i) => i > first && HIST_TOTAL.test(line.trim()));
  if (last < 0) throw new NetperfParseError("netperf's latency histogram has no HIST_TOTAL line");
  // netperf prints "Histogram of request/response times" just above the rows
  const start = first > 0 && /^Histogram of /.test(lines[first - 1]?.trim() ?? "") ? first - 1 : first;
  return {
    csvStdout: [...lines.slice(0, start), ...lines.slice(last + 1)].join("\n"),
    histogram: parseHistogramLines(lines.slice(first, last + 1)),
  };
}

function parseHistogramLines(lines: readonly string[]): LatencyHistogram {
  const rows = new Map<string, number[]>();
  let ridiculous: number | undefined;
  let total: number | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    const row = ROW_LINE.exec(line);
    if (row?.[1] && row[2]) {
      rows.set(
        row[1],
        row[2]
          .split(":")
          .slice(1)
          .map((count) => Number(count.trim())),
      );
      continue;
    }
    const over = OVER_100_SECS.exec(line)?.[1];
    if (over !== undefined) ridiculous = Number(over);
    const all = HIST_TOTAL.exec(line)?.[1];
    if (all !== undefined) total = Number(all);
  }
  if (ridiculous === undefined || total === undefined) {
    throw new NetperfParseError("netperf's latency histogram lacks its >100_SECS or HIST_TOTAL line");
  }
  const buckets: HistogramBucket[] = [];
  ROWS.forEach((name, decade) => {
    const counts = rows.get(name);
    if (!counts) throw new NetperfParseError(`netperf's latency histogram has no ${name} row`);
    const rowLower = decade === 0 ? 0 : 10 ** decade;
    const width = 10 ** (decade + 1) / counts.length;
    counts.forEach((count, column) => {
      const lowerUs = column * width;
      // below 10^decade a row's columns repeat the rows before it; netperf never fills them
      if (lowerUs + width <= rowLower) {
        if (count !== 0) throw new NetperfParseError(`${name} counts ${count} below ${rowLower} µs`);
        return;
      }
      buckets.push({ lowerUs, upperUs: lowerUs + width, count });
    });
  });
  const inBuckets = buckets.reduce((sum, b) => sum + b.count, 0);
  // HIST_TOTAL counts latencies of 100 s and more, not negative ones; >100_SECS counts both
  const overflow = total - inBuckets;
  if (overflow < 0 || overflow > ridiculous) {
    throw new NetperfParseError(
      `netperf's latency histogram does not add up: buckets ${inBuckets}, >100_SECS ${ridiculous}, HIST_TOTAL ${total}`,
    );
  }
  return { buckets, overflow, total };
}
