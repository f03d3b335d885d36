/**
 * The per-point comparison step (stats/point-comparison.ts) on hand-made trials and values,
 * against an independent computation with jStat's t:
 *   paired (interleaved, blocks in common): dᵢ = ln(cᵢ/bᵢ) over the shared blocks, ratio
 *     exp(mean d), 95% interval exp(mean d ± t₀.₉₇₅,ₙ₋₁·sd/√n), p = 2·(1 − T(|t|)), n pairs
 *   unpaired (no block in common): Welch on the log values of every block, n the smaller sample
 *   segmented (routing modes in segments): each segment's mean log, the modes' means of those,
 *     pooled variance on k − 2 degrees of freedom, n = k segments
 *   halfWidth = (high − low) / 2 / ratio
 * and the "reached" rule: every compared metric has a comparison no wider than ±target%.
 *
 * Over 300 lines on purpose: each step (which blocks count, the three estimators, the
 * comparison's fields, the precision rule) with its oracle, on one set of trials.
 */
import jstatModule from "jstat";
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { comparedPairs } from "../../../harness/stats/metrics.js";
import {
  compareModes,
  comparePoint,
  PAIR_BALANCE_PP,
  PointTrials,
  pointPrecision,
  precisionPair,
  unbalancedBlocks,
} from "../../../harness/stats/point-comparison.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";
import { MODES, type Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

const { studentt } = (
  jstatModule as unknown as {
    jStat: { studentt: { cdf(x: number, df: number): number; inv(p: number, df: number): number } };
  }
).jStat;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};
const withWidth = <E extends { ratio: number; ciLow: number; ciHigh: number }>(e: E) => ({
  ...e,
  halfWidth: (e.ciHigh - e.ciLow) / 2 / e.ratio,
});

function pairedOracle(base: number[], cand: number[]) {
  const d = base.map((b, i) => Math.log((cand[i] as number) / b));
  const n = d.length;
  const se = Math.sqrt(variance(d) / n);
  const q = studentt.inv(0.975, n - 1);
  return withWidth({
    ratio: Math.exp(mean(d)),
    ciLow: Math.exp(mean(d) - q * se),
    ciHigh: Math.exp(mean(d) + q * se),
    pValue: 2 * (1 - studentt.cdf(Math.abs(mean(d) / se), n - 1)),
    n,
  });
}

function welchOracle(base: number[], cand: number[]) {
  const [yb, yc] = [base.map(Math.log), cand.map(Math.log)];
  const [vb, vc] = [variance(yb) / yb.length, variance(yc) / yc.length];
  const se = Math.sqrt(vb + vc);
  const df = (vb + vc) ** 2 / (vb ** 2 / (yb.length - 1) + vc ** 2 / (yc.length - 1));
  const d = mean(yc) - mean(yb);
  const q = studentt.inv(0.975, df);
  return withWidth({
    ratio: Math.exp(d),
    ciLow: Math.exp(d - q * se),
    ciHigh: Math.exp(d + q * se),
    pValue: 2 * (1 - studentt.cdf(Math.abs(d / se), df)),
    n: Math.min(base.length, cand.length),
  });
}

function segmentOracle(baseSegments: number[][], candSegments: number[][]) {
  const logMean = (xs: number[]) => mean(xs.map(Math.log));
  const [b, c] = [baseSegments.map(logMean), candSegments.map(logMean)];
  const k = b.length + c.length;
  const squares = (ys: number[]) => ys.reduce((a, y) => a + (y - mean(ys)) ** 2, 0);
  const pooled = (squares(b) + squares(c)) / (k - 2);
  const se = Math.sqrt(pooled * (1 / b.length + 1 / c.length));
  const d = mean(c) - mean(b);
  const q = studentt.inv(0.975, k - 2);
  return withWidth({
    ratio: Math.exp(d),
    ciLow: Math.exp(d - q * se),
    ciHigh: Math.exp(d + q * se),
    pValue: 2 * (1 - studentt.cdf(Math.abs(d / se), k - 2)),
    n: k,
  });
}

const close = (got: Record<string, unknown> | null, want: Record<string, number>) => {
  expect(got).not.toBeNull();
  for (const [field, value] of Object.entries(want)) {
    if (field === "n") expect(got?.n, field).toBe(value);
    else expect(got?.[field], field).toBeCloseTo(value, 10);
  }
};

describe("compareModes", () => {
  // blocks 1–6 in both; 0 in the candidate only, 7 in the baseline only
  const base = new Map([
    [3, 150.5],
    [1, 100.25],
    [2, 201.5],
    [4, 120.75],
    [5, 180.5],
    [6, 90.25],
    [7, 1000.5],
  ]);
  const cand = new Map([
    [0, 1.5],
    [1, 110.5],
    [2, 226.25],
    [3, 163.5],
    [4, 133.5],
    [5, 196.75],
    [6, 101.25],
  ]);
  const shared = [1, 2, 3, 4, 5, 6];

  it("pairs the blocks both modes ran when interleaved", () => {
    const got = compareModes(base, cand, true);
    expect(got).toMatchObject({ paired: true, n: 6 });
    expect(got).not.toHaveProperty("segments");
    close(
      got,
      pairedOracle(
        shared.map((b) => base.get(b) as number),
        shared.map((b) => cand.get(b) as number),
      ),
    );
  });

  it("compares every value unpaired when not interleaved, or when no block is shared", () => {
    close(compareModes(base, cand, false), welchOracle([...base.values()], [...cand.values()]));
    expect(compareModes(base, cand, false)?.paired).toBe(false);
    const odd = new Map([...cand].map(([b, v]) => [b + 10, v]));
    const got = compareModes(base, odd, true);
    expect(got?.paired).toBe(false);
    close(got, welchOracle([...base.values()], [...odd.values()]));
  });

  it("estimates from segment means when the modes ran in segments, blocks without a value left out", () => {
    const values = new Map([
      [1, 100.5],
      [2, 104.5],
      [7, 98.5],
      [8, 101.5],
    ]);
    const candidate = new Map([
      [3, 110.5],
      [4, 112.5],
      [5, 108.5],
      [6, 115.5],
    ]);
    const segments = [
      { candidate: false, blocks: [1, 2] },
      { candidate: true, blocks: [3, 4] },
      { candidate: true, blocks: [5, 6] },
      { candidate: false, blocks: [7, 8, 99] },
    ];
    const got = compareModes(values, candidate, true, segments);
    expect(got).toMatchObject({ paired: false, segments: 4 });
    close(
      got,
      segmentOracle(
        [
          [100.5, 104.5],
          [98.5, 101.5],
        ],
        [
          [110.5, 112.5],
          [108.5, 115.5],
        ],
      ),
    );
    // blocks in common pair them, segments or not
    expect(compareModes(base, cand, true, segments)).toMatchObject({ paired: true, n: 6 });
    expect(compareModes(base, cand, true, segments)).not.toHaveProperty("segments");
  });

  it("has no estimate when a mode has no value, and no interval below 6 pairs", () => {
    expect(compareModes(new Map(), cand, true)).toBeNull();
    expect(compareModes(base, new Map(), false)).toBeNull();
    expect(compareModes(new Map([[1, 0]]), new Map([[1, 5]]), true)).toBeNull(); // no log of 0
    const five = compareModes(
      new Map([...base].filter(([b]) => b <= 5)),
      new Map([...cand].filter(([b]) => b <= 5)),
      true,
    );
    expect(five).toMatchObject({
      paired: true,
      n: 5,
      ciLow: null,
      ciHigh: null,
      pValue: null,
      halfWidth: null,
    });
    // one block in common is enough to pair (no interval, but the ratio is that block's)
    const one = compareModes(
      new Map([
        [1, 100.5],
        [2, 101.5],
      ]),
      new Map([
        [1, 110.5],
        [3, 111.5],
      ]),
      true,
    );
    expect(one).toMatchObject({ paired: true, n: 1, ciLow: null });
    expect(one?.ratio).toBeCloseTo(110.5 / 100.5, 12);
  });
});

const sweep = parseSweep(
  "modes: [legacy, ebpf, host]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nrepetitions: 6\nduration: 1\n",
  "x.yaml",
);
const [same, cross] = sweepPoints(sweep) as [
  ReturnType<typeof sweepPoints>[0],
  ReturnType<typeof sweepPoints>[0],
];

function trial(mode: Mode, block: number, tps: number, extra: Partial<TrialRecord> = {}): TrialRecord {
  return completedTrial(
    same,
    block,
    mode,
    { transactionsPerSec: tps, p50Us: 1e6 / tps },
    { id: `${block}:${mode}`, noise: busy(10), ...extra },
  );
}
const busy = (pct: number) => ({
  cpuBusyPct: 50,
  cpuStealPct: 0,
  loadAvg1: 1,
  loadPerCpu: 0.5,
  otherCpusBusyPct: pct,
});

describe("which blocks count", () => {
  it("leaves out a block whose trials' other-CPU load differs by more than 20 points", () => {
    expect(PAIR_BALANCE_PP).toBe(20);
    const trials = [
      trial("legacy", 1, 100, { noise: busy(10) }),
      trial("ebpf", 1, 110, { noise: busy(30) }), // exactly 20 apart: kept
      trial("legacy", 2, 100, { noise: busy(10) }),
      trial("ebpf", 2, 110, { noise: busy(30.5) }), // 20.5 apart: left out
      trial("host", 2, 120, { noise: busy(20) }),
      trial("legacy", 3, 100, { noise: busy(5) }),
      trial("ebpf", 3, 110, { noise: busy(90), state: "failed" }), // a failed attempt does not count
      trial("ebpf", 3, 110, { noise: busy(5), attempt: 2 }),
      trial("legacy", 4, 100, { noise: busy(5), point: cross }), // another point
      trial("ebpf", 4, 110, { noise: busy(95) }),
      trial("legacy", 5, 100, { noise: busy(5) }),
      trial("ebpf", 5, 110, { noise: { cpuBusyPct: 1, cpuStealPct: 0, loadAvg1: 1, loadPerCpu: 1 } }), // not measured
    ];
    // a third trial without the figure does not hide two that differ: block 6 is left out
    trials.push(
      trial("legacy", 6, 100, { noise: busy(5) }),
      trial("host", 6, 120, { noise: { cpuBusyPct: 1, cpuStealPct: 0, loadAvg1: 1, loadPerCpu: 1 } }),
      trial("ebpf", 6, 110, { noise: busy(95) }),
    );
    expect([...unbalancedBlocks(trials, same.key)]).toEqual([2, 6]);
    expect([...unbalancedBlocks(trials, cross.key)]).toEqual([]);
    // PointTrials leaves them out of every value; a before/after (blocked) design pairs nothing, so none
    expect([...new PointTrials(same.key, trials, "interleaved").unbalanced]).toEqual([2, 6]);
    expect([...new PointTrials(same.key, trials, "segmented").unbalanced]).toEqual([2, 6]);
    expect(new PointTrials(same.key, trials, "blocked").unbalanced.size).toBe(0);
  });

  it("takes each block's last completed attempt of a mode, by metric or by any value of a trial", () => {
    const trials = [
      trial("legacy", 1, 100),
      trial("legacy", 1, 105, { attempt: 2 }),
      trial("legacy", 1, 999, { attempt: 3, state: "rejected" }),
      trial("legacy", 2, 200, { metrics: { p50Us: 5 } }), // no transactions figure
      trial("ebpf", 1, 110, { noisy: true }),
      trial("ebpf", 2, 220),
      trial("ebpf", 3, 330, { point: cross }),
      trial("legacy", 4, 400), // no eBPF trial in block 4: in no pair
      trial("ebpf", 5, 0, { metrics: undefined }), // completed without figures: no value
    ];
    const mine = new PointTrials(same.key, trials, "interleaved");
    expect(mine.completed.map((t) => t.id)).toEqual([
      "1:legacy",
      "1:legacy",
      "2:legacy",
      "1:ebpf",
      "2:ebpf",
      "4:legacy",
      "5:ebpf",
    ]);
    expect([...mine.values("legacy", "transactionsPerSec")]).toEqual([
      [1, 105],
      [4, 400],
    ]);
    expect([...mine.values("legacy", "p50Us")]).toEqual([
      [1, 1e6 / 105],
      [2, 5],
      [4, 1e6 / 400],
    ]);
    expect([...mine.values("ebpf", "p50Us")].map(([block]) => block)).toEqual([1, 2]);
    expect([...mine.values("ebpf", (t) => t.attempt * 1000 + t.block)]).toEqual([
      [1, 1001],
      [2, 1002],
      [5, 1005],
    ]);
    // block 1 holds a trial kept noisy: left out of the pair's values, but with one clean pair
    // left (fewer than MIN_PAIRS) the pairs are every pair's, as the estimate is
    const usable = mine.usable("legacy", "ebpf", "p50Us");
    expect(usable.noisyPairs).toBe(1);
    expect([...usable.baseline.keys()]).toEqual([2, 4]); // block 4 has no eBPF value: no pair, not noisy
    expect(mine.pairs("legacy", "ebpf", "p50Us")).toEqual([
      { block: 1, baseline: 1e6 / 105, candidate: 1e6 / 110 },
      { block: 2, baseline: 5, candidate: 1e6 / 220 },
    ]);
  });

  it("pairs blocks in block order whatever order the trials came in", () => {
    const trials = [6, 2, 4, 1, 5, 3].flatMap((b) => [
      trial("ebpf", b, 100 + b),
      trial("legacy", 7 - b, 200 - b),
    ]);
    const pairs = new PointTrials(same.key, trials, "interleaved").pairs(
      "legacy",
      "ebpf",
      "transactionsPerSec",
    );
    expect(pairs.map((p) => p.block)).toEqual([1, 2, 3, 4, 5, 6]);
    // legacy block 1 came with ebpf block 6: 200 − 6
    expect(pairs[0]).toEqual({ block: 1, baseline: 194, candidate: 101 });
  });
});

describe("comparePoint", () => {
  const TPS: Record<string, number[]> = {
    legacy: [1010.5, 1090.25, 1120.75, 1160.5, 1205.25, 1230.5],
    ebpf: [1115.25, 1190.5, 1240.75, 1270.25, 1330.5, 1349.75],
    host: [1200.5, 1310.25, 1335.5, 1395.75, 1440.25, 1480.5],
  };
  const values = (mode: Mode, extra: (block: number) => Partial<TrialRecord> = () => ({})) =>
    [1, 2, 3, 4, 5, 6].map((b) => trial(mode, b, TPS[mode]?.[b - 1] as number, extra(b)));
  const trials = [
    ...values("legacy"),
    ...values("ebpf", (b) => (b === 2 || b === 5 ? { noisy: true } : {})),
    ...values("host", (b) => (b === 3 ? { noisy: true } : {})),
    // a noisy trial in a block the pair does not share
    trial("ebpf", 9, 500, { noisy: true }),
  ];
  const tps = (mode: Mode) =>
    [1, 2, 3, 4, 5, 6].map(
      (b) => trials.find((t) => t.mode === mode && t.block === b)?.metrics?.transactionsPerSec as number,
    );

  it("estimates one pair at one metric, with the point, the direction and the noisy pairs it shares", () => {
    const mine = new PointTrials(same.key, trials, "interleaved");
    const got = comparePoint(sweep, same, mine, "transactionsPerSec", "legacy", "ebpf");
    expect(got).toMatchObject({
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      metric: "transactionsPerSec",
      baseline: "legacy",
      candidate: "ebpf",
      paired: true,
      lowerIsBetter: false,
      // a pair is noisy when either of its two trials was kept noisy: ebpf's 2 and 5 (host's 3
      // is not in this pair); too few clean pairs are left, so the estimate is every pair's
      noisyPairs: 2,
      noisyIncluded: true,
      unbalancedPairs: 0,
    });
    expect(got).not.toHaveProperty("confounded");
    close(got, pairedOracle(tps("legacy"), tps("ebpf")));
    const latency = comparePoint(sweep, same, mine, "p50Us", "host", "ebpf");
    expect(latency).toMatchObject({
      lowerIsBetter: true,
      noisyPairs: 3, // ebpf's 2 and 5, host's 3
      noisyIncluded: true,
      baseline: "host",
      candidate: "ebpf",
    });
    close(
      latency,
      pairedOracle(
        tps("host").map((x) => 1e6 / x),
        tps("ebpf").map((x) => 1e6 / x),
      ),
    );
    expect(
      comparePoint(
        sweep,
        cross,
        new PointTrials(cross.key, trials, "interleaved"),
        "transactionsPerSec",
        "legacy",
        "ebpf",
      ),
    ).toBeNull();
  });

  it("counts the point's unbalanced blocks in each comparison", () => {
    const unequal = trials.map((t) => (t.block === 4 && t.mode === "host" ? { ...t, noise: busy(80) } : t));
    const mine = new PointTrials(same.key, unequal, "interleaved");
    const got = comparePoint(sweep, same, mine, "transactionsPerSec", "legacy", "ebpf");
    expect(got).toMatchObject({ unbalancedPairs: 1, n: 5 });
  });

  it("marks a before/after design of the two routing modes confounded, and no other pair", () => {
    const blocked = { order: "blocked" as const };
    const mine = new PointTrials(same.key, trials, "blocked");
    const routing = comparePoint(blocked, same, mine, "transactionsPerSec", "legacy", "ebpf");
    expect(routing).toMatchObject({ confounded: true, paired: false });
    // every value, block 9's included
    close(routing, welchOracle(tps("legacy"), [...tps("ebpf"), 500]));
    expect(comparePoint(blocked, same, mine, "transactionsPerSec", "host", "ebpf")).not.toHaveProperty(
      "confounded",
    );
    expect(
      comparePoint({ order: "segmented" }, same, mine, "transactionsPerSec", "legacy", "ebpf"),
    ).not.toHaveProperty("confounded");
  });

  it("gives the sweep's segments to the routing pair only, each marked by whether it ran the candidate", () => {
    // legacy in blocks 1, 2 and 5, 6; ebpf in 3, 4 (A B A): no block in common
    const segmented = [
      ...[1, 2, 5, 6].map((b) => trial("legacy", b, 1000 + b * 3.25)),
      ...[3, 4].map((b) => trial("ebpf", b, 1100 + b * 5.5)),
      ...[1, 2, 3, 4, 5, 6].map((b) => trial("host", b, 900 + b * 2.75)),
    ];
    const segments = [
      { mode: "legacy" as const, blocks: [1, 2] },
      { mode: "ebpf" as const, blocks: [3, 4] },
      { mode: "legacy" as const, blocks: [5, 6] },
    ];
    const mine = new PointTrials(same.key, segmented, "segmented");
    const got = comparePoint(
      { order: "segmented" },
      same,
      mine,
      "transactionsPerSec",
      "legacy",
      "ebpf",
      segments,
    );
    expect(got).toMatchObject({ segments: 3, n: 3, paired: false });
    close(
      got,
      segmentOracle(
        [
          [1003.25, 1006.5],
          [1016.25, 1019.5],
        ],
        [[1116.5, 1122]],
      ),
    );
    // reversed: legacy is now the candidate's segments
    const reversed = comparePoint(
      { order: "segmented" },
      same,
      mine,
      "transactionsPerSec",
      "ebpf",
      "legacy",
      segments,
    );
    expect(reversed?.ratio).toBeCloseTo(1 / (got?.ratio as number), 12);
    // host is no routing mode: it pairs with ebpf in blocks 3 and 4, segments aside
    const host = comparePoint(
      { order: "segmented" },
      same,
      mine,
      "transactionsPerSec",
      "host",
      "ebpf",
      segments,
    );
    expect(host).toMatchObject({ paired: true, n: 2 });
    expect(host).not.toHaveProperty("segments");
    // even where they share no block: host against ebpf is compared unpaired, never by segments
    const apart = new PointTrials(
      same.key,
      segmented.filter((t) => t.mode !== "host" || t.block <= 2),
      "segmented",
    );
    const unpaired = comparePoint(
      { order: "segmented" },
      same,
      apart,
      "transactionsPerSec",
      "host",
      "ebpf",
      segments,
    );
    expect(unpaired).toMatchObject({ paired: false, n: 2 });
    expect(unpaired).not.toHaveProperty("segments");
    // two values a side: a ratio of geometric means, no interval
    expect(unpaired).toMatchObject({ ciLow: null, pValue: null });
    expect(unpaired?.ratio).toBeCloseTo(Math.sqrt((1116.5 * 1122) / (902.75 * 905.5)), 12);
  });
});

describe("precisionPair", () => {
  it("is the pair the sweep compares first: eBPF against legacy when both ran, else a baseline against a routing mode", () => {
    const legacyEbpf = { baseline: "legacy", candidate: "ebpf" };
    expect(precisionPair(["legacy", "ebpf"])).toEqual(legacyEbpf);
    expect(precisionPair(["legacy", "ebpf", "direct"])).toEqual(legacyEbpf);
    expect(precisionPair(["ebpf", "legacy", "host"])).toEqual(legacyEbpf);
    expect(precisionPair(["host", "ebpf", "legacy"])).toEqual(legacyEbpf);
    // not host/direct, the first two modes: no comparison of a sweep is host against direct
    expect(precisionPair(["host", "direct", "ebpf"])).toEqual({ baseline: "host", candidate: "ebpf" });
    expect(precisionPair(["host", "ebpf"])).toEqual({ baseline: "host", candidate: "ebpf" });
    expect(precisionPair(["ebpf", "direct"])).toEqual({ baseline: "direct", candidate: "ebpf" });
    expect(precisionPair(["legacy", "direct"])).toEqual({ baseline: "direct", candidate: "legacy" });
    // no compared pair: nothing to be precise about
    expect(precisionPair(["host", "direct"])).toBeNull();
    expect(precisionPair(["ebpf"])).toBeNull();
    expect(precisionPair([])).toBeNull();
  });

  it("is, for every ordered choice of modes, a pair the sweep compares, and null only when it compares none", () => {
    const orders = (modes: readonly Mode[]): Mode[][] =>
      modes.length === 0
        ? [[]]
        : [[], ...modes.flatMap((m) => orders(modes.filter((x) => x !== m)).map((rest) => [m, ...rest]))];
    const choices = orders(MODES);
    // every ordered subset of the four modes, the empty one included: 1 + 4 + 12 + 24 + 24
    expect(choices.length).toBe(65);
    for (const modes of choices) {
      const compared = comparedPairs(modes);
      const pair = precisionPair(modes);
      if (compared.length === 0) expect(pair, modes.join(",")).toBeNull();
      else expect(compared, modes.join(",")).toContainEqual(pair);
    }
    // and the summary's comparisons are exactly these pairs (the order of modes does not matter)
    expect(comparedPairs(["direct", "ebpf", "host", "legacy"])).toEqual([
      { baseline: "legacy", candidate: "ebpf" },
      { baseline: "host", candidate: "ebpf" },
      { baseline: "host", candidate: "legacy" },
      { baseline: "direct", candidate: "ebpf" },
      { baseline: "direct", candidate: "legacy" },
    ]);
    expect(comparedPairs(["host", "direct"])).toEqual([]);
  });
});

describe("pointPrecision", () => {
  const c = (n: number, halfWidth: number | null) => ({ n, halfWidth });
  it("reports the best-supported comparison's pairs and the widest interval, reached only within the target", () => {
    expect(pointPrecision([c(6, 0.02), c(9, 0.03), c(7, 0.01)], 3, 3)).toEqual({
      pairs: 9,
      worstHalfWidth: 0.03,
      reached: true,
    });
    expect(pointPrecision([c(6, 0.02), c(9, 0.0301)], 2, 3)).toEqual({
      pairs: 9,
      worstHalfWidth: 0.0301,
      reached: false,
    });
    // a metric without a comparison is not reached
    expect(pointPrecision([c(6, 0.02), c(9, 0.01)], 3, 3).reached).toBe(false);
    // one comparison without an interval: no width, not reached
    expect(pointPrecision([c(6, 0.02), c(4, null)], 2, 3)).toEqual({
      pairs: 6,
      worstHalfWidth: null,
      reached: false,
    });
    // no target: nothing to reach
    expect(pointPrecision([c(6, 0.02)], 1, undefined)).toEqual({
      pairs: 6,
      worstHalfWidth: 0.02,
      reached: null,
    });
    // an interval over pairs kept noisy (too few clean ones) is shown but reaches nothing, as
    // the adaptive phase sees it (noisyIncluded) and as the summary judged it (noisy-pairs)
    expect(pointPrecision([c(6, 0.02), { ...c(6, 0.01), noisyIncluded: true }], 2, 3)).toEqual({
      pairs: 6,
      worstHalfWidth: 0.02,
      reached: false,
    });
    expect(
      pointPrecision([c(6, 0.02), { ...c(6, 0.01), undecidedReason: "noisy-pairs" as const }], 2, 3).reached,
    ).toBe(false);
    expect(pointPrecision([c(6, 0.02), { ...c(6, 0.01), noisyIncluded: false }], 2, 3).reached).toBe(true);
    // no comparison at all
    expect(pointPrecision([], 2, 3)).toEqual({ pairs: 0, worstHalfWidth: null, reached: false });
    expect(pointPrecision([], 0, 3)).toEqual({ pairs: 0, worstHalfWidth: null, reached: false });
  });
});
