/**
 * A trial kept noisy (it stayed above a noise threshold after every allowed repeat) never
 * decides a comparison: its pair is left out and the other pairs decide; when fewer than 6 are
 * left, the estimate is every pair's and the comparison is undecided (`noisy-pairs`). Expected
 * ratios are recomputed here from the clean pairs: exp(mean ln(eBPF/legacy)).
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { judgeFamily } from "../../../harness/stats/judge.js";
import { comparePoint, PointTrials } from "../../../harness/stats/point-comparison.js";
import type { PointKey } from "../../../harness/sweep/point.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

const key: PointKey = { placement: "same-node", test: "TCP_RR", size: "1,1" };
const point = { ...key, key: "same-node/TCP_RR/1,1" };

function trial(block: number, mode: Mode, rate: number, noisy = false): TrialRecord {
  return completedTrial(point, block, mode, { transactionsPerSec: rate }, noisy ? { noisy } : {});
}

/** Legacy ~40k, eBPF ~1.15× it; the blocks in `slowed` have an eBPF trial kept noisy at 60% of its rate. */
function run(blocks: number, slowed: number[], extra: TrialRecord[] = []): TrialRecord[] {
  const out: TrialRecord[] = [...extra];
  for (let b = 1; b <= blocks; b++) {
    const legacy = 40_000 + 300 * ((b * 7) % 5);
    const ebpf = legacy * (1.15 + 0.004 * ((b * 3) % 4));
    out.push(
      trial(b, "legacy", legacy),
      trial(b, "ebpf", slowed.includes(b) ? ebpf * 0.6 : ebpf, slowed.includes(b)),
    );
  }
  return out;
}

const compare = (trials: TrialRecord[]) =>
  comparePoint(
    { order: "interleaved" },
    key,
    new PointTrials(point.key, trials, "interleaved"),
    "transactionsPerSec",
    "legacy",
    "ebpf",
  );

const geometricRatio = (trials: TrialRecord[], blocks: number[]) => {
  const rate = (b: number, m: Mode) =>
    trials.find((t) => t.block === b && t.mode === m)?.metrics?.transactionsPerSec as number;
  return Math.exp(
    blocks.reduce((sum, b) => sum + Math.log(rate(b, "ebpf") / rate(b, "legacy")), 0) / blocks.length,
  );
};

describe("noisy pairs", () => {
  it("are left out, and the clean pairs decide", () => {
    const trials = run(8, [3, 6]);
    const estimated = compare(trials);
    expect(estimated).toMatchObject({ n: 6, noisyPairs: 2, paired: true });
    expect(estimated?.noisyIncluded).toBeUndefined();
    expect(estimated?.ratio).toBeCloseTo(geometricRatio(trials, [1, 2, 4, 5, 7, 8]), 12);
    const [judged] = judgeFamily([estimated as NonNullable<typeof estimated>]);
    expect(judged).toMatchObject({ verdict: "better", noisyPairs: 2 });
    expect(judged?.undecidedReason).toBeUndefined();
  });

  it("with fewer than 6 clean pairs left: every pair's estimate, undecided as noisy", () => {
    const trials = run(7, [2, 5]);
    const estimated = compare(trials);
    expect(estimated).toMatchObject({ n: 7, noisyPairs: 2, noisyIncluded: true });
    expect(estimated?.ratio).toBeCloseTo(geometricRatio(trials, [1, 2, 3, 4, 5, 6, 7]), 12);
    const [judged] = judgeFamily([estimated as NonNullable<typeof estimated>]);
    expect(judged).toMatchObject({ verdict: "undecided", undecidedReason: "noisy-pairs" });
    expect(judged?.caveat).toBe(
      "a trial stayed noisy (the machine too busy, or its rate unsteady within the trial) in 2 of 7 pairs (kept after every allowed repeat), and the others are too few to decide: not a finding",
    );
  });

  it("in a comparison too short for an interval anyway: too few pairs is the reason", () => {
    const estimated = compare(run(3, [2]));
    expect(estimated).toMatchObject({ n: 3, noisyPairs: 1, noisyIncluded: true });
    const [judged] = judgeFamily([estimated as NonNullable<typeof estimated>]);
    expect(judged).toMatchObject({ verdict: "undecided", undecidedReason: "too-few-pairs" });
  });

  it("of a mode outside the comparison leave its pairs alone", () => {
    const trials = run(6, [], [trial(2, "direct", 50_000, true), trial(4, "direct", 50_000, true)]);
    expect(compare(trials)).toMatchObject({ n: 6, noisyPairs: 0 });
  });

  it("give the witness table the pairs the comparison counts", () => {
    const pairsOf = (trials: TrialRecord[]) =>
      new PointTrials(point.key, trials, "interleaved")
        .pairs("legacy", "ebpf", "transactionsPerSec")
        .map((p) => p.block);
    expect(pairsOf(run(8, [3, 6]))).toEqual([1, 2, 4, 5, 7, 8]);
    expect(pairsOf(run(3, [2]))).toEqual([1, 2, 3]); // too few clean: every pair, as the estimate
  });

  it("are one rule (PointTrials.withNoisyRule): the clean values, or every value when a noisy pair left too few", () => {
    // the estimate is called with the values it gets: the blocks of each side, in order
    const seen = (trials: TrialRecord[], tooFew: (blocks: number[]) => boolean) => {
      const calls: number[][] = [];
      const result = new PointTrials(point.key, trials, "interleaved").withNoisyRule(
        "legacy",
        "ebpf",
        "transactionsPerSec",
        (b, c) => {
          calls.push([...b.keys()].filter((block) => c.has(block)));
          return calls.at(-1) as number[];
        },
        tooFew,
      );
      return { calls, ...result };
    };
    // enough clean pairs: the clean estimate only
    expect(seen(run(8, [3, 6]), (b) => b.length < 6)).toEqual({
      calls: [[1, 2, 4, 5, 7, 8]],
      estimate: [1, 2, 4, 5, 7, 8],
      noisyPairs: 2,
      noisyIncluded: false,
    });
    // too few clean pairs: every pair's, marked
    expect(seen(run(7, [2, 5]), (b) => b.length < 6)).toEqual({
      calls: [
        [1, 3, 4, 6, 7],
        [1, 2, 3, 4, 5, 6, 7],
      ],
      estimate: [1, 2, 3, 4, 5, 6, 7],
      noisyPairs: 2,
      noisyIncluded: true,
    });
    // too few, but no noisy pair was left out: nothing to put back
    expect(seen(run(3, []), () => true)).toEqual({
      calls: [[1, 2, 3]],
      estimate: [1, 2, 3],
      noisyPairs: 0,
      noisyIncluded: false,
    });
  });

  it("with none noisy: nothing left out", () => {
    const trials = run(6, []);
    const estimated = compare(trials);
    expect(estimated).toMatchObject({ n: 6, noisyPairs: 0 });
    expect(estimated?.ratio).toBeCloseTo(geometricRatio(trials, [1, 2, 3, 4, 5, 6]), 12);
  });
});
