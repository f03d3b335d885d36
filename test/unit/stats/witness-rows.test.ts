/**
 * The witness table's edges (stats/witness.ts), each case worked by hand: `intervalsAgree` with
 * one bound missing on either side, `compareWitness`'s blocks in block order whatever order the
 * pairs came in, and `witnessRows` on hand-made trials: a witness's rows only at the points of
 * the test it witnesses, only for the metrics it has figures of, and trials without a witness
 * or without figures left out. The ratios are pairedRatio's (ratio.ts, tested on its own) over
 * the blocks listed.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { pairedRatio } from "../../../harness/stats/ratio.js";
import { compareWitness, intervalsAgree, witnessRows } from "../../../harness/stats/witness.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

describe("intervalsAgree with one bound missing", () => {
  it("is undecided when any of the four bounds is missing, and agrees on touching intervals", () => {
    const far = { ciLow: 1.5, ciHigh: 1.6 };
    // with the missing bound read as a number, each of these would be a disagreement
    expect(intervalsAgree({ ciLow: 1.1, ciHigh: null }, far)).toBe("undecided");
    expect(intervalsAgree(far, { ciLow: 1.1, ciHigh: null })).toBe("undecided");
    expect(intervalsAgree({ ciLow: null, ciHigh: 1.2 }, far)).toBe("undecided");
    expect(intervalsAgree(far, { ciLow: null, ciHigh: 1.2 })).toBe("undecided");
    expect(intervalsAgree({ ciLow: 1.1, ciHigh: 1.2 }, null)).toBe("undecided");
    // b's upper bound touches a's lower bound: they overlap in one point
    expect(intervalsAgree({ ciLow: 1.2, ciHigh: 1.3 }, { ciLow: 1.1, ciHigh: 1.2 })).toBe("agree");
  });
});

describe("compareWitness's blocks", () => {
  it("lists the common blocks in block order, not in the order the pairs came", () => {
    const order = [11, 3, 7, 0, 5, 9, 2, 8];
    const pairs = order.map((block) => ({ block, baseline: 100 + block, candidate: 120 + block * 1.5 }));
    const row = compareWitness({
      point: "p",
      metric: "transactionsPerSec",
      witness: "sockperf",
      netperf: pairs,
      witnessPairs: [...pairs].reverse(),
    });
    const sorted = [0, 2, 3, 5, 7, 8, 9, 11];
    expect(row.blocks).toEqual(sorted);
    const inOrder = sorted.map((block) => pairs.find((p) => p.block === block) as (typeof pairs)[0]);
    const expected = pairedRatio(
      inOrder.map((p) => p.baseline),
      inOrder.map((p) => p.candidate),
    );
    expect(row.netperf).toEqual(expected);
    expect(row.witnessRatio).toEqual(expected);
  });
});

const RR = { placement: "same-node", test: "TCP_RR", size: "1,1", key: "same-node/TCP_RR/1,1" };
const STREAM = {
  placement: "same-node",
  test: "TCP_STREAM",
  size: "16384",
  key: "same-node/TCP_STREAM/16384",
};

function trial(
  point: typeof RR,
  block: number,
  mode: Mode,
  metrics: Record<string, number>,
  witness?: { tool: string; metrics?: Record<string, number> },
): TrialRecord {
  return completedTrial(
    point,
    block,
    mode,
    metrics,
    witness ? { witness: witness as TrialRecord["witness"] } : {},
  );
}

describe("witnessRows on hand-made trials", () => {
  // netperf's rates and sockperf's, per block: legacy, eBPF (block 4 below: netperf only)
  const netperf: Record<number, [number, number]> = { 1: [100, 125], 2: [102, 126], 3: [98, 124] };
  const sockperf: Record<number, [number, number]> = { 1: [90, 110], 2: [91, 112], 3: [89, 111] };
  const trials: TrialRecord[] = [];
  for (const block of [1, 2, 3]) {
    const [nl, ne] = netperf[block] as [number, number];
    const [sl, se] = sockperf[block] as [number, number];
    // block 3's witness gave no figure for its eBPF trial: the block is netperf's only
    trials.push(
      trial(
        RR,
        block,
        "legacy",
        { transactionsPerSec: nl },
        { tool: "sockperf", metrics: { transactionsPerSec: sl } },
      ),
      trial(
        RR,
        block,
        "ebpf",
        { transactionsPerSec: ne },
        block === 3 ? { tool: "sockperf" } : { tool: "sockperf", metrics: { transactionsPerSec: se } },
      ),
    );
  }
  // block 4 without the witness (netperf's only), a host trial, and a stream point whose trials carry
  // sockperf-named figures: sockperf witnesses TCP_RR only, so that point has no sockperf row
  trials.push(
    trial(RR, 4, "legacy", { transactionsPerSec: 101 }),
    trial(RR, 4, "ebpf", { transactionsPerSec: 127 }),
    trial(RR, 1, "host", { transactionsPerSec: 80 }),
  );
  for (const block of [1, 2, 3])
    for (const mode of ["legacy", "ebpf"] as const)
      trials.push(
        trial(
          STREAM,
          block,
          mode,
          { throughputMbps: 1000 + block },
          { tool: "sockperf", metrics: { transactionsPerSec: 50 + block } },
        ),
      );

  it("gives one row per witnessed point and metric with figures, over the blocks both tools have", () => {
    const rows = witnessRows(["sockperf"], [RR, STREAM], trials, "interleaved");
    const ratio = (table: Record<number, [number, number]>, blocks: number[]) =>
      pairedRatio(
        blocks.map((b) => (table[b] as [number, number])[0]),
        blocks.map((b) => (table[b] as [number, number])[1]),
      );
    expect(rows).toEqual([
      {
        point: RR.key,
        metric: "transactionsPerSec",
        witness: "sockperf",
        blocks: [1, 2],
        netperf: ratio(netperf, [1, 2]),
        witnessRatio: ratio(sockperf, [1, 2]),
        agreement: "undecided",
      },
    ]);
  });

  it("has no row for a witness that did not run, nor at a point without trials", () => {
    expect(witnessRows(["iperf3"], [RR, STREAM], trials, "interleaved")).toEqual([]);
    expect(witnessRows(["sockperf"], [RR], [], "interleaved")).toEqual([]);
  });
});
