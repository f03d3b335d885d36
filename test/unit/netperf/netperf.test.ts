import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildNetperfArgv, sendRingWidth } from "../../../harness/netperf/argv.js";
import { NetperfParseError, parseNetperfOutput } from "../../../harness/netperf/parse.js";
import { NETPERF_SELECTORS } from "../../../harness/netperf/selectors.js";
import { lowerIsBetter, METRIC_NAMES, NETPERF_TESTS } from "../../../harness/vocabulary/vocabulary.js";

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

  it("gives each test its own test options", () => {
    const testOptions = (invocation: Parameters<typeof buildNetperfArgv>[0]) => {
      const argv = buildNetperfArgv(invocation);
      expect(argv.slice(argv.indexOf("-t"), argv.indexOf("-t") + 2)).toEqual(["-t", invocation.test]);
      return argv.slice(argv.indexOf("--") + 1, -2);
    };
    const common = { host: "h", port: 1, durationSec: 2, dataPort: 12866 };
    expect(testOptions({ ...common, test: "TCP_CRR", requestSize: 1, responseSize: 1 })).toEqual([
      "-r",
      "1,1",
      "-P",
      ",12866",
    ]);
    expect(testOptions({ ...common, test: "UDP_RR", requestSize: 1024, responseSize: 1024 })).toEqual([
      "-r",
      "1024,1024",
      "-P",
      ",12866",
    ]);
    // netperf refuses to route UDP_STREAM through a gateway without -R 1 (SO_DONTROUTE)
    expect(testOptions({ ...common, test: "UDP_STREAM", messageSize: 1024 })).toEqual([
      "-m",
      "1024",
      "-R",
      "1",
      "-P",
      ",12866",
    ]);
    expect(testOptions({ ...common, test: "TCP_STREAM", messageSize: 1024 })).not.toContain("-R");
    expect(() => buildNetperfArgv({ ...common, test: "UDP_STREAM" })).toThrow(
      /UDP_STREAM needs a message size/,
    );
  });
});

// Expected values are read by hand off the fixture lines (selector order in selectors.ts).
describe("parseNetperfOutput (netperf 2.7.0 captures)", () => {
  it("reads TCP_RR rate, percentiles, CPU and service demand per transaction", () => {
    const sample = parseNetperfOutput("TCP_RR", fixture("tcp_rr_1_1.csv"));
    expect(sample.metrics).toEqual({
      transactionsPerSec: 17788.322,
      meanLatencyUs: 56.16,
      p50Us: 54,
      p90Us: 67,
      p99Us: 82,
      maxLatencyUs: 2089,
      localCpuPct: 31.93,
      remoteCpuPct: 31.93,
      localSdUsPerTrans: 35.894,
      remoteSdUsPerTrans: 35.894,
      retransmissions: 0,
    });
    expect(sample.elapsedSec).toBe(1);
  });

  it("reads TCP_STREAM throughput and service demand per KB, and ignores the not-measured sentinels", () => {
    const sample = parseNetperfOutput("TCP_STREAM", fixture("tcp_stream_64.csv"));
    expect(sample.metrics).toEqual({
      throughputMbps: 477.15,
      localCpuPct: 97,
      remoteCpuPct: 97,
      localSdUsPerKB: 33.307,
      remoteSdUsPerKB: 33.307,
      retransmissions: 0,
    });
    expect(sample.raw.P50_LATENCY).toBe("-2147483648");
  });

  it("reads TCP_CRR as connections per second, without netserver's padded CPU figures", () => {
    const sample = parseNetperfOutput("TCP_CRR", fixture("tcp_crr_1_1.csv"));
    expect(sample.metrics).toEqual({
      connectionsPerSec: 19381.616,
      meanLatencyUs: 51.55,
      p50Us: 48,
      p90Us: 50,
      p99Us: 99,
      maxLatencyUs: 3351,
      localCpuPct: 100,
      localSdUsPerTrans: 103.191,
      retransmissions: 0,
    });
    // 429.26% of 2 CPUs: measured over netserver's padded timer (see the fixture README)
    expect(sample.raw.REMOTE_CPU_UTIL).toBe("429.26");
  });

  it("reads UDP_RR rate and percentiles; UDP has no retransmissions (-1)", () => {
    const sample = parseNetperfOutput("UDP_RR", fixture("udp_rr_1_1.csv"));
    expect(sample.metrics).toEqual({
      transactionsPerSec: 89777.497,
      meanLatencyUs: 11.1,
      p50Us: 9,
      p90Us: 10,
      p99Us: 50,
      maxLatencyUs: 2512,
      localCpuPct: 90.72,
      remoteCpuPct: 90.72,
      localSdUsPerTrans: 20.209,
      remoteSdUsPerTrans: 20.209,
    });
  });

  it("reads UDP_STREAM's received and sent rates and the datagrams lost between them", () => {
    const sample = parseNetperfOutput("UDP_STREAM", fixture("udp_stream_1024.csv"));
    const { lossPct, ...rest } = sample.metrics;
    expect(rest).toEqual({
      throughputMbps: 558.41,
      sentMbps: 993.81,
      localCpuPct: 99,
      remoteCpuPct: 99,
      localSdUsPerKB: 16.321,
      remoteSdUsPerKB: 16.321,
    });
    // 121329 datagrams sent, 68173 received: 53156 / 121329 = 43.8115%
    expect(lossPct).toBeCloseTo(43.8115, 4);
    // the received/sent rate ratio tells the same story to the precision netperf prints
    expect(1 - 558.41 / 993.81).toBeCloseTo((lossPct as number) / 100, 3);
  });

  it("leaves service demand out when CPU was not measured, and refuses one in unexpected units", () => {
    const line = fixture("udp_rr_1_1.csv").trim().split(",");
    const withoutCpu = [
      ...line.slice(0, 10),
      "-1",
      "-1",
      ...line.slice(12, 18),
      "-1.000",
      "-1.000",
      "usec/Tran",
    ];
    const metrics = parseNetperfOutput("UDP_RR", withoutCpu.join(",")).metrics;
    expect(Object.keys(metrics).filter((m) => /Cpu|Sd/.test(m))).toEqual([]);
    expect(() =>
      parseNetperfOutput("TCP_STREAM", fixture("tcp_stream_64.csv").replace("usec/KB", "usec/Tran")),
    ).toThrow(/service demand in "usec\/Tran", expected usec\/KB/);
  });

  it("converts throughput units to Mbit/s", () => {
    const line = fixture("tcp_stream_64.csv").replace("477.15,10^6bits/s", "1.5,10^9bits/s");
    expect(parseNetperfOutput("TCP_STREAM", line).metrics.throughputMbps).toBe(1500);
  });

  it("says what it saw when the output is not ours", () => {
    expect(() => parseNetperfOutput("TCP_RR", "")).toThrow(NetperfParseError);
    expect(() => parseNetperfOutput("TCP_RR", fixture("no_control.stdout.txt"))).toThrow(
      /expected 21 comma-separated values/,
    );
    expect(() => parseNetperfOutput("TCP_RR", fixture("tcp_stream_64.csv").replace("1.000", "-1"))).toThrow(
      /transaction rate/,
    );
  });
});

describe("lowerIsBetter", () => {
  it("is false for rates and true for latency, CPU, service demand, loss and retransmissions", () => {
    const higher = METRIC_NAMES.filter((m) => !lowerIsBetter(m));
    expect(higher).toEqual(["throughputMbps", "transactionsPerSec", "connectionsPerSec", "sentMbps"]);
    expect(METRIC_NAMES.filter(lowerIsBetter)).toEqual(
      expect.arrayContaining(["p99Us", "lossPct", "localSdUsPerTrans"]),
    );
  });
});

describe("every test", () => {
  it.each(NETPERF_TESTS)("%s parses its own capture", (test) => {
    const name = {
      TCP_STREAM: "tcp_stream_64",
      TCP_RR: "tcp_rr_1_1",
      TCP_CRR: "tcp_crr_1_1",
      UDP_RR: "udp_rr_1_1",
      UDP_STREAM: "udp_stream_1024",
    }[test];
    expect(Object.keys(parseNetperfOutput(test, fixture(`${name}.csv`)).metrics).length).toBeGreaterThan(3);
  });
});

describe("fixed socket buffers", () => {
  const stream = {
    test: "TCP_STREAM" as const,
    host: "198.19.1.11",
    port: 12865,
    durationSec: 2,
    messageSize: 16384,
  };

  it("puts -s and -S after -- for TCP_STREAM only, and leaves autotuning alone when absent", () => {
    const argv = buildNetperfArgv({ ...stream, socketBufferBytes: 4194304 });
    const specific = argv.slice(argv.indexOf("--"));
    expect(specific.slice(0, 9)).toEqual(["--", "-m", "16384", "-s", "4194304", "-S", "4194304", "-W", "2"]);
    // netserver's receive size stays the fixed buffer's: -M changes what the one-CPU lab measures
    expect(argv).not.toContain("-M");
    expect(buildNetperfArgv(stream)).not.toContain("-S");
    expect(buildNetperfArgv(stream)).not.toContain("-W");
    const rr = buildNetperfArgv({ ...stream, test: "TCP_RR", socketBufferBytes: 4194304 });
    expect(rr).not.toContain("-S");
    expect(rr).not.toContain("-W");
  });

  it("keeps the send ring netperf picks under the default 16 KiB send buffer (-W), whatever the fixed buffer", () => {
    const width = (messageSize: number) => {
      const argv = buildNetperfArgv({ ...stream, messageSize, socketBufferBytes: 4194304 });
      return argv[argv.indexOf("-W") + 1];
    };
    // nettest_omni.c: send_width = lss_size / send_size + 1, and 1 becomes 2
    expect([64, 256, 1024, 4096, 16384, 65536].map(width)).toEqual(["257", "65", "17", "5", "2", "2"]);
    expect(sendRingWidth(1000)).toBe(17);
    expect(sendRingWidth(16383)).toBe(2);
    expect(sendRingWidth(8192)).toBe(3);
  });
});
