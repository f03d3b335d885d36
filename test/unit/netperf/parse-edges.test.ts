/**
 * parseNetperfOutput at its edges, on hand-built `-o` lines (the selectors in selectors.ts
 * order): units, UDP loss from datagram counts ((sent − received)/sent, only when both are
 * counted and received ≤ sent), fields netperf left empty or negative, the service-demand
 * unit check, and each refusal with its words. Real captures are in netperf.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  NetperfParseError,
  parseNetperfOutput,
  parseNetperfVersion,
} from "../../../harness/netperf/parse.js";
import { NETPERF_SELECTORS, type NetperfSelector } from "../../../harness/netperf/selectors.js";

/** One -o line: every selector "-1" (not measured) unless given. */
const line = (fields: Partial<Record<NetperfSelector, string>>) =>
  NETPERF_SELECTORS.map((name) => fields[name] ?? "-1").join(",");

const udp = (fields: Partial<Record<NetperfSelector, string>>) =>
  line({ THROUGHPUT: "800000", THROUGHPUT_UNITS: "10^3bits/s", LOCAL_SEND_THROUGHPUT: "1000000", ...fields });

describe("parseNetperfOutput, by hand", () => {
  it("converts the throughput unit and counts UDP loss from the datagrams", () => {
    const sample = parseNetperfOutput(
      "UDP_STREAM",
      udp({ LOCAL_SEND_CALLS: "1000", REMOTE_RECV_CALLS: "800" }),
    );
    expect(sample.metrics).toEqual({ throughputMbps: 800, sentMbps: 1000, lossPct: 20 });
    // every datagram arrived: 0% (not left out)
    const whole = udp({ LOCAL_SEND_CALLS: "1000", REMOTE_RECV_CALLS: "1000" });
    expect(parseNetperfOutput("UDP_STREAM", whole).metrics.lossPct).toBe(0);
    // more received than sent (counters read at different moments), none sent, or not counted: no loss figure
    for (const [sent, received] of [
      ["1000", "1001"],
      ["0", "0"],
      ["1000", "-1"],
      ["-1", "800"],
    ] as const) {
      const metrics = parseNetperfOutput(
        "UDP_STREAM",
        udp({ LOCAL_SEND_CALLS: sent, REMOTE_RECV_CALLS: received }),
      ).metrics;
      expect(metrics, `${sent} sent, ${received} received`).not.toHaveProperty("lossPct");
    }
    expect(parseNetperfOutput("UDP_STREAM", udp({ LOCAL_SEND_THROUGHPUT: "-1" })).metrics).not.toHaveProperty(
      "sentMbps",
    );
  });

  it("leaves out a figure netperf printed empty or negative", () => {
    const sample = parseNetperfOutput(
      "TCP_RR",
      line({
        TRANSACTION_RATE: "1000.5",
        MEAN_LATENCY: "",
        P50_LATENCY: " ",
        P90_LATENCY: "-2147483648",
        P99_LATENCY: "0",
      }),
    );
    expect(sample.metrics).toEqual({ transactionsPerSec: 1000.5, p99Us: 0 });
    expect(sample.elapsedSec).toBeNull();
  });

  it("checks the service demand's unit when there is a service demand", () => {
    const rr = (fields: Partial<Record<NetperfSelector, string>>) =>
      line({ TRANSACTION_RATE: "1000", ...fields });
    expect(
      parseNetperfOutput("TCP_RR", rr({ LOCAL_SD: "12.5", REMOTE_SD: "13.5", SD_UNITS: "usec/Tran" }))
        .metrics,
    ).toEqual({
      transactionsPerSec: 1000,
      localSdUsPerTrans: 12.5,
      remoteSdUsPerTrans: 13.5,
    });
    // none measured: the unit is not read
    expect(parseNetperfOutput("TCP_RR", rr({ SD_UNITS: "whatever" })).metrics).toEqual({
      transactionsPerSec: 1000,
    });
    // the remote figure alone is enough to check it
    expect(() => parseNetperfOutput("TCP_RR", rr({ REMOTE_SD: "13.5", SD_UNITS: "usec/KB" }))).toThrow(
      'service demand in "usec/KB", expected usec/Tran',
    );
    expect(() => parseNetperfOutput("TCP_RR", rr({ LOCAL_SD: "12.5", SD_UNITS: "usec/KB" }))).toThrow(
      NetperfParseError,
    );
    const stream = line({
      THROUGHPUT: "940",
      THROUGHPUT_UNITS: "10^6bits/s",
      LOCAL_SD: "0.5",
      SD_UNITS: "usec/Tran",
    });
    expect(() => parseNetperfOutput("TCP_STREAM", stream)).toThrow(
      'service demand in "usec/Tran", expected usec/KB',
    );
  });

  it("refuses output it cannot use, saying what it saw", () => {
    const refusal = (test: Parameters<typeof parseNetperfOutput>[0], stdout: string) => {
      try {
        parseNetperfOutput(test, stdout);
      } catch (e) {
        expect(e).toBeInstanceOf(NetperfParseError);
        expect((e as Error).name).toBe("NetperfParseError");
        return (e as Error).message;
      }
      throw new Error("no refusal");
    };
    expect(refusal("TCP_RR", "")).toBe("netperf printed nothing on stdout");
    expect(refusal("TCP_RR", "\n   \n")).toBe("netperf printed nothing on stdout");
    expect(refusal("TCP_RR", "junk\n1,2\n")).toBe(
      `expected ${NETPERF_SELECTORS.length} comma-separated values (${NETPERF_SELECTORS.join(",")}), got 2: "1,2"`,
    );
    // a long line is quoted to its first 200 characters
    expect(refusal("TCP_RR", `${"x".repeat(300)},1`)).toMatch(new RegExp(`, got 2: "${"x".repeat(200)}"$`));
    expect(refusal("TCP_STREAM", line({ THROUGHPUT: "-1", THROUGHPUT_UNITS: "10^6bits/s" }))).toBe(
      'unusable throughput "-1" "10^6bits/s"',
    );
    expect(refusal("TCP_STREAM", line({ THROUGHPUT: "940", THROUGHPUT_UNITS: "furlongs/s" }))).toBe(
      'unusable throughput "940" "furlongs/s"',
    );
    expect(refusal("TCP_RR", line({ TRANSACTION_RATE: "" }))).toBe('unusable transaction rate ""');
    // the last non-empty line is the one read, whatever precedes it
    expect(parseNetperfOutput("TCP_RR", `noise\n${line({ TRANSACTION_RATE: "5" })}\n\n`).metrics).toEqual({
      transactionsPerSec: 5,
    });
  });

  it("reads netperf's version", () => {
    expect(parseNetperfVersion("Netperf version 2.7.0\n")).toBe("2.7.0");
    expect(parseNetperfVersion("netperf: command not found")).toBe("unknown");
  });
});
