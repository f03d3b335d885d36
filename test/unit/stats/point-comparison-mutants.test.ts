/**
 * comparePoint's noisy-pair rule (stats/point-comparison.ts) where its mutation run found it
 * untested: a noisy trial whose partner is missing, a before/after design (it pairs nothing, so
 * the noisy values are left out of each side), every candidate trial noisy, too few pairs with
 * none noisy, a clean comparison without spread, and the segmented design (its estimate lacks an
 * interval below 3 segments, whatever n). Expected figures come from the estimators (ratio.ts,
 * segments.ts, tested on their own) over the values the rule should keep, listed by hand.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { comparePoint, PointTrials } from "../../../harness/stats/point-comparison.js";
import { pairedRatio, unpairedRatio } from "../../../harness/stats/ratio.js";
import { segmentRatio } from "../../../harness/stats/segments.js";
import type { Segment } from "../../../harness/sweep/plan.js";
import type { PointKey } from "../../../harness/sweep/point.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

const key: PointKey = { placement: "same-node", test: "TCP_RR", size: "1,1" };
const point = { ...key, key: "same-node/TCP_RR/1,1" };

function trial(block: number, mode: Mode, rate: number | null, noisy = false): TrialRecord {
  return completedTrial(
    point,
    block,
    mode,
    rate === null ? {} : { transactionsPerSec: rate },
    noisy ? { noisy } : {},
  );
}

const compare = (trials: TrialRecord[], order: Sweep["order"] = "interleaved", segments: Segment[] = []) =>
  comparePoint(
    { order },
    key,
    new PointTrials(point.key, trials, order),
    "transactionsPerSec",
    "legacy",
    "ebpf",
    segments,
  );

/** The figures of an estimate that a comparison carries. */
const figures = (e: ReturnType<typeof pairedRatio>) => {
  const { ratio, ciLow, ciHigh, pValue, paired, n } = e as NonNullable<typeof e>;
  return { ratio, ciLow, ciHigh, pValue, paired, n };
};

const LEGACY = [40_000, 40_300, 39_800, 40_600, 40_100, 39_900, 40_400, 40_200];
const EBPF = [46_100, 46_500, 45_700, 46_900, 46_000, 45_600, 46_800, 46_300];

describe("the noisy-pair rule at its edges", () => {
  it("counts no pair for a noisy trial whose partner is missing, and the 7 pairs decide", () => {
    const trials = [
      ...LEGACY.map((v, i) => trial(i + 1, "legacy", v, i === 7)),
      ...EBPF.slice(0, 7).map((v, i) => trial(i + 1, "ebpf", v)),
    ];
    const estimated = compare(trials);
    expect(estimated).toMatchObject({
      ...figures(pairedRatio(LEGACY.slice(0, 7), EBPF.slice(0, 7))),
      noisyPairs: 0,
      n: 7,
    });
    expect(estimated?.noisyIncluded).toBeUndefined();
  });

  it("before/after: leaves each noisy value out of its side, counting only values it had", () => {
    // legacy in blocks 1–8, eBPF in 9–16; eBPF's block 10 noisy, block 11 noisy without a figure
    const trials = [
      ...LEGACY.map((v, i) => trial(i + 1, "legacy", v)),
      ...EBPF.map((v, i) => trial(i + 9, "ebpf", i === 1 ? v * 0.6 : i === 2 ? null : v, i === 1 || i === 2)),
    ];
    const kept = EBPF.filter((_, i) => i !== 1 && i !== 2);
    const estimated = compare(trials, "blocked");
    expect(estimated).toMatchObject({
      ...figures(unpairedRatio(LEGACY, kept)),
      noisyPairs: 1,
      confounded: true,
      paired: false,
    });
    expect(estimated?.noisyIncluded).toBeUndefined();
  });

  it("with every candidate trial noisy: nothing clean, so every pair's estimate, marked as such", () => {
    const trials = [
      ...LEGACY.map((v, i) => trial(i + 1, "legacy", v)),
      ...EBPF.map((v, i) => trial(i + 1, "ebpf", v, true)),
    ];
    expect(compare(trials)).toMatchObject({
      ...figures(pairedRatio(LEGACY, EBPF)),
      noisyPairs: 8,
      noisyIncluded: true,
    });
  });

  it("marks nothing as noisy-included when no trial is noisy, however few the pairs", () => {
    const trials = [
      ...LEGACY.slice(0, 4).map((v, i) => trial(i + 1, "legacy", v)),
      ...EBPF.slice(0, 4).map((v, i) => trial(i + 1, "ebpf", v)),
    ];
    const estimated = compare(trials);
    expect(estimated).toMatchObject({ n: 4, noisyPairs: 0, ciLow: null });
    expect(estimated).not.toHaveProperty("noisyIncluded");
  });

  it("lets 6 clean pairs decide even when they have no interval (no spread at all)", () => {
    // eBPF equals legacy in every block, so every log ratio is exactly 0 and the spread 0 (not
    // whole numbers, which get a rounding floor); block 7's eBPF trial is noisy, at 60% of the rate
    const legacy = [100.5, 110.5, 120.5, 130.5, 140.5, 150.5, 160.5];
    const trials = [
      ...legacy.map((v, i) => trial(i + 1, "legacy", v)),
      ...legacy.map((v, i) => trial(i + 1, "ebpf", i === 6 ? v * 0.6 : v, i === 6)),
    ];
    const estimated = compare(trials);
    expect(estimated).toMatchObject({
      ...figures(pairedRatio(legacy.slice(0, 6), legacy.slice(0, 6))),
      n: 6,
      noisyPairs: 1,
      ciLow: null,
    });
    expect(estimated?.noisyIncluded).toBeUndefined();
  });
});

describe("the noisy-pair rule in a segmented design", () => {
  const segments: Segment[] = [
    { mode: "legacy", blocks: [1, 2] },
    { mode: "ebpf", blocks: [3, 4] },
    { mode: "legacy", blocks: [5, 6] },
    { mode: "ebpf", blocks: [7, 8] },
  ];
  const values: Record<number, number> = {
    1: 40_000,
    2: 40_300,
    3: 46_100,
    4: 46_500,
    5: 39_800,
    6: 40_600,
    7: 46_900,
    8: 30_000,
  };
  const trials = segments.flatMap((s) => s.blocks.map((b) => trial(b, s.mode, values[b] as number, b === 8)));

  it("keeps the clean segments' estimate when it has an interval (4 segments, n below 6)", () => {
    const expected = segmentRatio([
      { candidate: false, values: [40_000, 40_300] },
      { candidate: true, values: [46_100, 46_500] },
      { candidate: false, values: [39_800, 40_600] },
      { candidate: true, values: [46_900] },
    ]);
    expect(expected?.ciLow).not.toBeNull();
    const estimated = compare(trials, "segmented", segments);
    expect(estimated).toMatchObject({
      ratio: expected?.ratio,
      ciLow: expected?.ciLow,
      ciHigh: expected?.ciHigh,
      segments: 4,
      n: 4,
      noisyPairs: 1,
    });
    expect(estimated?.noisyIncluded).toBeUndefined();
  });

  it("takes every value's estimate when the clean segments give no interval (2 segments)", () => {
    const two = segments.slice(0, 2);
    const estimated = compare(
      trials.filter((t) => t.block <= 4).map((t) => (t.block === 4 ? { ...t, noisy: true } : t)),
      "segmented",
      two,
    );
    const every = segmentRatio([
      { candidate: false, values: [40_000, 40_300] },
      { candidate: true, values: [46_100, 46_500] },
    ]);
    expect(estimated).toMatchObject({ ratio: every?.ratio, segments: 2, noisyPairs: 1, noisyIncluded: true });
  });
});
