import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildNetperfArgv } from "../../../harness/netperf/argv.js";
import { NetperfParseError, parseNetperfOutput } from "../../../harness/netperf/parse.js";
import { NETPERF_SELECTORS } from "../../../harness/netperf/selectors.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/netperf/${name}`, import.meta.url), "utf8");

describe("buildNetperfArgv", () => {
  it("puts global options before -- and test options after", () => {
    expect(
      buildNetperfArgv({
        test: "TCP_RR",
        host: "198.19.1.11",
        port: 12865,
        durationSec: 20,
        requestSize: 1,
        responseSize: 1,
        cpu: { client: 0, server: 1 },
      }),
    ).toEqual([
      "netperf",
      "-H",
      "198.19.1.11",
      "-p",
      "12865",
      "-t",
      "TCP_RR",
      "-l",
      "20",
      "-P",
      "0",
      "-T",
      "0,1",
      "-c",
      "-C",
      "--",
      "-r",
      "1,1",
      "-o",
      NETPERF_SELECTORS.join(","),
    ]);
  });

  it("uses -m for TCP_STREAM and can leave out CPU measurement", () => {
    const argv = buildNetperfArgv({
      test: "TCP_STREAM",
      host: "h",
      port: 1,
      durationSec: 1,
      messageSize: 64,
      measureCpu: false,
    });
    expect(argv.slice(argv.indexOf("--"))).toEqual(["--", "-m", "64", "-o", NETPERF_SELECTORS.join(",")]);
    expect(argv).not.toContain("-c");
  });
});

describe("parseNetperfOutput (netperf 2.7.0 captures)", () => {
  it("reads TCP_RR rate, percentiles and CPU", () => {
    const sample = parseNetperfOutput("TCP_RR", fixture("tcp_rr_1_1.csv"));
    expect(sample.metrics).toEqual({
      transactionsPerSec: 51742.186,
      meanLatencyUs: 19.26,
      p50Us: 18,
      p90Us: 21,
      p99Us: 31,
      maxLatencyUs: 1276,
      localCpuPct: 43.46,
      remoteCpuPct: 43.46,
      retransmissions: 0,
    });
    expect(sample.elapsedSec).toBe(1);
  });

  it("reads TCP_STREAM throughput and ignores the not-measured sentinels", () => {
    const sample = parseNetperfOutput("TCP_STREAM", fixture("tcp_stream_64.csv"));
    expect(sample.metrics.throughputMbps).toBeCloseTo(966.29);
    expect(sample.metrics.p50Us).toBeUndefined();
    expect(sample.raw.P50_LATENCY).toBe("-2147483648");
  });

  it("converts throughput units to Mbit/s", () => {
    const line = fixture("tcp_stream_64.csv").replace("966.29,10^6bits/s", "1.5,10^9bits/s");
    expect(parseNetperfOutput("TCP_STREAM", line).metrics.throughputMbps).toBe(1500);
  });

  it("says what it saw when the output is not ours", () => {
    expect(() => parseNetperfOutput("TCP_RR", "")).toThrow(NetperfParseError);
    expect(() => parseNetperfOutput("TCP_RR", fixture("no_control.stdout.txt"))).toThrow(
      /expected 15 comma-separated values/,
    );
    expect(() => parseNetperfOutput("TCP_RR", fixture("tcp_stream_64.csv").replace("1.000", "-1"))).toThrow(
      /transaction rate/,
    );
  });
});
