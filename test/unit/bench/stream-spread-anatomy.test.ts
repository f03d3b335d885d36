import { sampleCorrelation, sampleStandardDeviation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import {
  bytesPerReceive,
  dipSelection,
  interimSpread,
  streamSpreads,
} from "../../../harness/bench/stream-spread-anatomy.js";
import { NETPERF_SELECTORS } from "../../../harness/netperf/selectors.js";
import type { TrialRecord } from "../../../harness/results/schema.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

const tcp = {
  key: "same-node/TCP_STREAM/1024",
  placement: "same-node",
  test: "TCP_STREAM",
  size: "1024",
  messageSize: 1024,
} as const;
const udp = { ...tcp, key: "same-node/UDP_STREAM/1024", test: "UDP_STREAM" } as const;

/** netperf's stdout: interim lines at these rates (0.25 s each, a short last one), then the CSV line. */
function stdout(rates: readonly number[], mbps: number, sends: number, receives: number): string {
  const fields: Record<string, string> = Object.fromEntries(NETPERF_SELECTORS.map((s) => [s, "-1"]));
  Object.assign(fields, {
    THROUGHPUT: String(mbps),
    THROUGHPUT_UNITS: "10^6bits/s",
    ELAPSED_TIME: "2.00",
    LOCAL_SEND_CALLS: String(sends),
    REMOTE_RECV_CALLS: String(receives),
    SD_UNITS: "usec/KB",
  });
  const interim = [
    ...rates.map((r, i) => `${r},10^6bits/s,0.250,${1000 + i}.5`),
    `${mbps},10^6bits/s,0.050,1010.1`,
  ];
  return `${[...interim, NETPERF_SELECTORS.map((s) => fields[s]).join(",")].join("\n")}\n`;
}

function trial(
  point: typeof tcp | typeof udp,
  block: number,
  mode: Mode,
  mbps: number,
  bytesPerRecv: number,
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  const sends = 100_000;
  const receives = Math.round((sends * 1024) / bytesPerRecv);
  return completedTrial(
    point,
    block,
    mode,
    { throughputMbps: mbps },
    {
      stdout: stdout([mbps * 0.9, mbps * 1.1, mbps, mbps], mbps, sends, receives),
      ...extra,
    },
  );
}

describe("interimSpread", () => {
  it("is the sd of ln(rate) over the full intervals, the short last one left out", () => {
    const s = interimSpread(stdout([100, 200, 100, 200], 150, 1, 1), 0.25);
    expect(s?.intervals).toBe(4);
    expect(s?.sd).toBeCloseTo(sampleStandardDeviation([100, 200, 100, 200].map(Math.log)), 12);
  });
  it("is null under three full intervals", () => {
    expect(interimSpread(stdout([100, 200], 150, 1, 1), 0.25)).toBeNull();
  });
});

describe("bytesPerReceive", () => {
  it("is sends × message size over netserver's receive calls for TCP_STREAM", () => {
    expect(bytesPerReceive(trial(tcp, 1, "legacy", 1000, 8192))).toBeCloseTo(8192, 6);
  });
  it("is null for UDP_STREAM and for output netperf did not finish", () => {
    expect(bytesPerReceive(trial(udp, 1, "legacy", 1000, 1024))).toBeNull();
    expect(bytesPerReceive(trial(tcp, 1, "legacy", 1000, 8192, { stdout: "garbage\n" }))).toBeNull();
  });
});

describe("streamSpreads", () => {
  // legacy and eBPF throughput per block; eBPF's bytes per receive call follow its throughput
  const legacy = [1000, 1200, 900, 1100, 1050, 950, 1010, 990];
  const ebpf = [1300, 1250, 1200, 1500, 1210, 1180, 1290, 1230];
  const trials = legacy.flatMap((l, i) => [
    trial(tcp, i + 1, "legacy", l, 4096 + 7 * i),
    trial(tcp, i + 1, "ebpf", ebpf[i] as number, (ebpf[i] as number) * 8),
  ]);

  it("gives the pair sd, the pair correlation and each mode's trial sd over the estimator's pairs", () => {
    const [s] = streamSpreads(trials, "interleaved", "legacy", "ebpf", 0.25);
    const lr = legacy.map((l, i) => Math.log((ebpf[i] as number) / l));
    expect(s?.pointKey).toBe(tcp.key);
    expect(s?.pairs).toBe(8);
    expect(s?.pairSd).toBeCloseTo(sampleStandardDeviation(lr), 12);
    expect(s?.pairCorrelation).toBeCloseTo(sampleCorrelation(legacy.map(Math.log), ebpf.map(Math.log)), 12);
    expect(s?.baseline.trialSd).toBeCloseTo(sampleStandardDeviation(legacy.map(Math.log)), 12);
    expect(s?.candidate.recvCorrelation).toBeCloseTo(1, 6);
    // every trial's interim rates are 0.9, 1.1, 1, 1 × its throughput: the same sd in each
    const within = sampleStandardDeviation([0.9, 1.1, 1, 1].map(Math.log));
    expect(s?.baseline.interimSd).toBeCloseTo(within, 12);
    expect(s?.baseline.interimTrialSd).toBeCloseTo(within / 2, 12);
  });

  it("leaves out a pair with a trial kept noisy, as the estimator does (while MIN_PAIRS are left)", () => {
    const noisy = trials.map((t) =>
      t.block === 8 && t.mode === "ebpf" ? { ...t, noisy: true } : t,
    ) as TrialRecord[];
    const [s] = streamSpreads(noisy, "interleaved", "legacy", "ebpf", 0.25);
    expect(s?.pairs).toBe(7);
    const lr = legacy.slice(0, 7).map((l, i) => Math.log((ebpf[i] as number) / l));
    expect(s?.pairSd).toBeCloseTo(sampleStandardDeviation(lr), 12);
  });

  it("gives UDP_STREAM no bytes-per-receive correlation, and skips request/response and short points", () => {
    const udpTrials = [1, 2, 3].flatMap((b) => [
      trial(udp, b, "legacy", 500 + b, 1024),
      trial(udp, b, "ebpf", 600 + b * b, 1024),
    ]);
    const rr = completedTrial(
      { key: "same-node/TCP_RR/1,1", placement: "same-node", test: "TCP_RR", size: "1,1" } as never,
      1,
      "legacy",
      { transactionsPerSec: 1 },
    );
    const spreads = streamSpreads(
      [...udpTrials, rr, ...trials.slice(0, 4)],
      "interleaved",
      "legacy",
      "ebpf",
      0.25,
    );
    expect(spreads.map((s) => s.pointKey)).toEqual([udp.key]);
    expect(spreads[0]?.baseline.recvCorrelation).toBeNull();
  });
});

describe("dipSelection", () => {
  // interim rates with one interval `dip` below the others (median 1000)
  const dipped = (dip: number) =>
    [1000, 1000, 1000 * (1 - dip / 100), 1000, 1000].map((r) => `${r},10^6bits/s,0.250,1000.5`).join("\n");
  const at = (block: number, mode: Mode, mbps: number, dip: number, extra: Partial<TrialRecord> = {}) =>
    trial(tcp, block, mode, mbps, 4096, {
      stdout: `${dipped(dip)}\n${trial(tcp, block, mode, mbps, 4096).stdout.split("\n").at(-2)}\n`,
      startedAt: `2026-01-01T00:00:${String(block * 10 + (extra.attempt ?? 1)).padStart(2, "0")}.000Z`,
      ...extra,
    });
  const repeated = {
    state: "rejected",
    rejection: { kind: "noise", reason: "", rule: { name: "interim-dip-pct", threshold: 40, value: 55 } },
  } as const;

  it("counts each mode's dips past the threshold and what repeating them did to the pairs", () => {
    const trials = [
      // block 1: legacy's first attempt dipped and was repeated
      at(1, "legacy", 800, 55, { ...repeated, attempt: 1 }),
      at(1, "legacy", 1000, 10, { attempt: 2 }),
      at(1, "ebpf", 1200, 10),
      // block 2: steady
      at(2, "legacy", 1000, 5),
      at(2, "ebpf", 1100, 45),
      // block 3: a repeat for another rule changes nothing here
      at(3, "legacy", 900, 5, {
        state: "rejected",
        rejection: { kind: "noise", reason: "", rule: { name: "cpu-steal-pct", threshold: 5, value: 9 } },
      }),
      at(3, "legacy", 1000, 5, { attempt: 2 }),
      at(3, "ebpf", 1150, 5),
    ];
    const d = dipSelection(trials, "legacy", "ebpf", [40, 50], "interim-dip-pct");
    expect(d.attempts).toEqual({
      legacy: { judged: 5, dipped: [1, 1] },
      ebpf: { judged: 3, dipped: [1, 0] },
    });
    expect(d.pairs).toBe(3);
    expect(d.changed).toBe(1);
    // first attempts' ln(1200/800) against the kept ln(1200/1000)
    expect(d.shiftSum).toBeCloseTo(Math.log(1200 / 800) - Math.log(1200 / 1000), 12);
  });
});
