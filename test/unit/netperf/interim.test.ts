/**
 * netperf's interim results (-D): captured with Debian's netperf 2.7.0 on loopback
 * (test/fixtures/netperf/README.md), parsed beside the -o line, and the dip that calls a
 * trial unsteady.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildNetperfArgv } from "../../../harness/netperf/argv.js";
import {
  DIP_THRESHOLD_PCT,
  INTERIM_SEC,
  interimDipPct,
  parseInterim,
} from "../../../harness/netperf/interim.js";
import { parseNetperfOutput } from "../../../harness/netperf/parse.js";

const capture = (name: string) =>
  readFileSync(new URL(`../../fixtures/netperf/${name}`, import.meta.url), "utf8");

describe("interim results", () => {
  it("asks netperf for them with -D among the global options", () => {
    const argv = buildNetperfArgv({
      test: "TCP_RR",
      host: "h",
      port: 1,
      durationSec: 2,
      interimSec: INTERIM_SEC,
    });
    expect(argv.slice(argv.indexOf("-D"), argv.indexOf("-D") + 2)).toEqual(["-D", "0.25"]);
    expect(argv.indexOf("-D")).toBeLessThan(argv.indexOf("--"));
    expect(buildNetperfArgv({ test: "TCP_RR", host: "h", port: 1, durationSec: 2 })).not.toContain("-D");
  });

  it("reads the interim lines of a real capture and leaves the -o line for the parser", () => {
    const stdout = capture("tcp_rr_1_1.interim.txt");
    const intervals = parseInterim(stdout);
    expect(intervals.length).toBeGreaterThanOrEqual(6);
    for (const i of intervals) {
      expect(i.rate).toBeGreaterThan(0);
      expect(i.seconds).toBeGreaterThan(0);
    }
    // the selector line is still the last: the figures parse as without -D
    expect(parseNetperfOutput("TCP_RR", stdout).metrics.transactionsPerSec).toBeGreaterThan(0);
    const stream = capture("tcp_stream_16384.interim.txt");
    expect(parseInterim(stream).length).toBeGreaterThanOrEqual(6);
    expect(parseNetperfOutput("TCP_STREAM", stream).metrics.throughputMbps).toBeGreaterThan(0);
  });

  it("finds nothing to judge without interim lines (netperf built without demo mode)", () => {
    expect(parseInterim(capture("tcp_rr_1_1.csv"))).toEqual([]);
    expect(interimDipPct([])).toBeNull();
  });

  it("measures how far the slowest full interval fell below the median one", () => {
    const steady = [50, 51, 49, 50, 52, 50, 48].map((k) => ({ rate: k * 1000, seconds: 0.25 }));
    expect(interimDipPct(steady)).toBeCloseTo(4, 0);
    // the client stopped for 300 ms: one interval stretched to 0.55 s at under half the rate
    const stopped = [...steady.slice(0, 3), { rate: 22_700, seconds: 0.55 }, ...steady.slice(3)];
    expect(interimDipPct(stopped)).toBeCloseTo(54.6, 1);
    expect(interimDipPct(stopped) as number).toBeGreaterThan(DIP_THRESHOLD_PCT);
    // the last interval, cut short by the end of the test, is too short to judge
    expect(interimDipPct([...steady, { rate: 5000, seconds: 0.02 }])).toBeCloseTo(4, 0);
    expect(interimDipPct(steady.slice(0, 2))).toBeNull();
  });
});
