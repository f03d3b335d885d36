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
  dipThresholdPct,
  INTERIM_SEC,
  interimDipPct,
  parseInterim,
  STREAM_DIP_THRESHOLD_PCT,
} from "../../../harness/netperf/interim.js";
import { parseNetperfOutput } from "../../../harness/netperf/parse.js";

const capture = (name: string) =>
  readFileSync(new URL(`../../fixtures/netperf/${name}`, import.meta.url), "utf8");

describe("interim results, exactly", () => {
  it("reads each interim line of a capture as rate and seconds, and nothing else", () => {
    // test/fixtures/netperf/tcp_rr_1_1.interim.txt, line by line; its last line is the -o line
    expect(parseInterim(capture("tcp_rr_1_1.interim.txt"))).toEqual([
      { rate: 14881.2, seconds: 0.306 },
      { rate: 13970.68, seconds: 0.266 },
      { rate: 15118.92, seconds: 0.252 },
      { rate: 16490.82, seconds: 0.263 },
      { rate: 10456.78, seconds: 0.394 },
      { rate: 10882.25, seconds: 0.252 },
      { rate: 9879.32, seconds: 0.271 },
    ]);
    expect(
      parseInterim(
        [
          "Sorry, Demo Mode not configured into this netperf.",
          "  940.5,10^6bits/s,0.250,1796556303  ",
          "x51121.21,Trans/s,0.250,1796556303.952",
          "51121.21,Trans/s,0.250,1796556303.952x",
          "51121.21,Trans,0.250,1796556303.952",
          "51121,Trans/s,1,2",
          "-5,Trans/s,0.250,1",
          "1,Trans/s,0.250",
        ].join("\n"),
      ),
    ).toEqual([
      { rate: 940.5, seconds: 0.25 },
      { rate: 51121, seconds: 1 },
    ]);
  });

  it("gives the dip as 1 − slowest/median of the full intervals, in percent to one decimal", () => {
    // the capture: sorted rates 9879.32 … 13970.68 (the median of 7) …: 1 − 9879.32/13970.68 = 29.29%
    expect(interimDipPct(parseInterim(capture("tcp_rr_1_1.interim.txt")))).toBe(29.3);
    const at = (rates: number[], seconds = 0.25) => rates.map((rate) => ({ rate, seconds }));
    // even count: the median is the mean of the middle two, (40 + 60)/2 = 50; 1 − 10/50 = 80%
    expect(interimDipPct(at([60, 10, 40, 90]))).toBe(80);
    // exactly 3 full intervals are enough, 2 are not
    expect(interimDipPct(at([100, 50, 200]))).toBe(50);
    expect(interimDipPct(at([100, 50]))).toBeNull();
    // an interval of exactly half the asked length counts; a shorter one does not
    expect(interimDipPct([...at([100, 100]), { rate: 25, seconds: 0.125 }])).toBe(75);
    expect(interimDipPct([...at([100, 100, 100]), { rate: 25, seconds: 0.124 }])).toBe(0);
    // the asked length is a parameter: at 1 s, 0.25 s intervals are too short
    expect(interimDipPct(at([100, 50, 200]), 1)).toBeNull();
    expect(interimDipPct(at([100, 50, 200], 0.5), 1)).toBe(50);
    // a rate of 0 is a measurement (nothing moved in that interval): a full dip
    expect(interimDipPct(at([0, 100, 100, 100]))).toBe(100);
    // a negative rate is no measurement: left out
    expect(interimDipPct(at([-5, 100, 100, 100]))).toBe(0);
    // a median of 0 (nothing moved) has no dip
    expect(interimDipPct(at([0, 0, 0, 5]))).toBeNull();
    expect(INTERIM_SEC).toBe(0.25);
  });
});

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

describe("dipThresholdPct", () => {
  it("is 40% for the request/response tests and 70% for the streams, whose flows dip by themselves", () => {
    expect([DIP_THRESHOLD_PCT, STREAM_DIP_THRESHOLD_PCT]).toEqual([40, 70]);
    for (const test of ["TCP_RR", "TCP_CRR", "UDP_RR"] as const) expect(dipThresholdPct(test)).toBe(40);
    for (const test of ["TCP_STREAM", "UDP_STREAM"] as const) expect(dipThresholdPct(test)).toBe(70);
  });
});
