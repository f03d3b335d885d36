/** Witness argv and parsers, against outputs captured from the real tools (test/fixtures/witness). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IPERF3_PORT,
  NETSERVER_DATA_PORT,
  NETSERVER_PORT,
  SOCKPERF_PORT,
} from "../../../harness/vocabulary/vocabulary.js";
import {
  buildIperf3ClientArgv,
  buildIperf3ServerArgv,
  parseIperf3Output,
} from "../../../harness/witness/iperf3.js";
import {
  buildSockperfClientArgv,
  buildSockperfServerArgv,
  parseSockperfOutput,
  sockperfMessageSize,
} from "../../../harness/witness/sockperf.js";
import { WitnessParseError, witnessFor } from "../../../harness/witness/witness.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/witness/${name}`, import.meta.url), "utf8");

describe("the witness of a point", () => {
  it("is the sweep's tool for the point's test, and none for several streams or another test", () => {
    expect(witnessFor(["sockperf", "iperf3"], { test: "TCP_RR" })).toBe("sockperf");
    expect(witnessFor(["sockperf", "iperf3"], { test: "TCP_STREAM" })).toBe("iperf3");
    expect(witnessFor(["sockperf"], { test: "TCP_STREAM" })).toBeUndefined();
    expect(witnessFor(["sockperf"], { test: "TCP_RR", streams: 4 })).toBeUndefined();
    expect(witnessFor(["sockperf"], { test: "TCP_RR", streams: 1 })).toBe("sockperf");
    expect(witnessFor(undefined, { test: "TCP_RR" })).toBeUndefined();
  });
});

describe("witness ports", () => {
  it("clash with neither netserver's ports nor each other, and stay below the ephemeral range", () => {
    const ports = [NETSERVER_PORT, NETSERVER_DATA_PORT, SOCKPERF_PORT, IPERF3_PORT];
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of [SOCKPERF_PORT, IPERF3_PORT]) expect(port).toBeLessThan(32768);
  });
});

describe("sockperf", () => {
  it("builds a TCP server and a full-round-trip ping-pong client", () => {
    expect(buildSockperfServerArgv({ port: 12867 })).toEqual([
      "sockperf",
      "server",
      "--tcp",
      "-i",
      "0.0.0.0",
      "-p",
      "12867",
    ]);
    expect(
      buildSockperfClientArgv({ host: "198.19.1.11", port: 12867, durationSec: 2, messageSize: 14 }),
    ).toEqual([
      "sockperf",
      "ping-pong",
      "--tcp",
      "-i",
      "198.19.1.11",
      "-p",
      "12867",
      "-t",
      "2",
      "-m",
      "14",
      "--full-rtt",
    ]);
    expect(() => buildSockperfClientArgv({ host: "h", port: 1, durationSec: 2, messageSize: 1 })).toThrow(
      /14 bytes/,
    );
  });

  it("maps TCP_RR sizes to one message size of at least 14 bytes", () => {
    expect(sockperfMessageSize(1, 1)).toBe(14);
    expect(sockperfMessageSize(64, 1024)).toBe(1024);
  });

  it("reads round trips in µs and the transaction rate of the measured interval", () => {
    const sample = parseSockperfOutput(fixture("sockperf-pp-tcp-rtt.txt"));
    // the fixture's lines: [Valid Duration] RunTime=1.550 sec; ... ReceivedMessages=25754,
    // avg-rtt=60.149, percentiles 50/90/99 and <MAX>
    expect(sample.elapsedSec).toBe(1.55);
    expect(sample.metrics.transactionsPerSec).toBeCloseTo(25754 / 1.55, 6);
    expect(sample.metrics.meanLatencyUs).toBe(60.149);
    const text = fixture("sockperf-pp-tcp-rtt.txt");
    const percentile = (label: string) =>
      Number(new RegExp(`percentile ${label} =\\s*([\\d.]+)`).exec(text)?.[1]);
    expect(sample.metrics.p50Us).toBe(percentile("50.000"));
    expect(sample.metrics.p90Us).toBe(percentile("90.000"));
    expect(sample.metrics.p99Us).toBe(percentile("99.000"));
    expect(sample.metrics.maxLatencyUs).toBe(Number(/<MAX> observation =\s*([\d.]+)/.exec(text)?.[1]));
    expect(Object.keys(sample.percentilesUs)).toHaveLength(text.match(/---> percentile/g)?.length ?? -1);
    expect(sample.percentilesUs["99.900"]).toBe(percentile("99.900"));
    expect(sample.metrics.p50Us as number).toBeLessThanOrEqual(sample.metrics.p99Us as number);
  });

  it("refuses half round trips, a refused connection and an empty measurement, quoting sockperf", () => {
    expect(() => parseSockperfOutput(fixture("sockperf-pp-tcp-half.txt"))).toThrow(/--full-rtt/);
    expect(() => parseSockperfOutput(fixture("sockperf-pp-refused.txt"))).toThrow(
      /sockperf: Can`t connect socket \(errno=111 Connection refused\)/,
    );
    expect(() => parseSockperfOutput(fixture("sockperf-pp-no-valid.txt"))).toThrow(/no valid observations/);
    expect(() => parseSockperfOutput("")).toThrow(WitnessParseError);
  });
});

describe("iperf3", () => {
  it("builds a server and a JSON client without tool-level affinity", () => {
    expect(buildIperf3ServerArgv({ port: 12868 })).toEqual(["iperf3", "-s", "-p", "12868"]);
    const client = buildIperf3ClientArgv({
      host: "198.19.2.11",
      port: 12868,
      durationSec: 2,
      messageSize: 16384,
    });
    expect(client).toEqual([
      "iperf3",
      "-c",
      "198.19.2.11",
      "-p",
      "12868",
      "-t",
      "2",
      "-l",
      "16384",
      "--connect-timeout",
      "5000",
      "-J",
    ]);
    expect(client).not.toContain("-A");
    expect(
      buildIperf3ClientArgv({ host: "h", port: 1, durationSec: 2, messageSize: 64, streams: 4 }).join(" "),
    ).toContain("-P 4");
  });

  it("reads the receiver's throughput in Mbit/s and the sender's retransmits", () => {
    const one = parseIperf3Output(fixture("iperf3-client-1stream.json"));
    const json = JSON.parse(fixture("iperf3-client-1stream.json"));
    expect(one.metrics.throughputMbps).toBeCloseTo(json.end.sum_received.bits_per_second / 1e6, 9);
    expect(one.metrics.retransmissions).toBe(json.end.sum_sent.retransmits);
    expect(one.elapsedSec).toBe(json.end.sum_received.seconds);
    expect(one.streams).toBe(1);
    const two = parseIperf3Output(fixture("iperf3-client-2streams.json"));
    // reference: the fixture's end.sum_received, 2346188800 bytes in 2.0049 s
    expect(two.metrics.throughputMbps).toBeCloseTo((2346188800 * 8) / 2.0049 / 1e6, 0);
    expect(two.metrics.retransmissions).toBe(34);
    expect(two.streams).toBe(2);
  });

  it("refuses a report carrying an error, and output that is not its JSON", () => {
    expect(() => parseIperf3Output(fixture("iperf3-client-refused.json"))).toThrow(
      "iperf3: unable to connect to server: Connection refused",
    );
    expect(() => parseIperf3Output("iperf3: error - unable to connect")).toThrow(/no JSON report/);
    expect(() => parseIperf3Output('{"end": {"sum_sent": 3}}')).toThrow(/unexpected shape/);
  });
});
