/**
 * A second witness's eBPF/legacy ratio beside netperf's at one point, and whether the two agree.
 * Both ratios come from the one estimator (`pairedRatio`, ratio.ts) over the same interleaved
 * blocks, so a disagreement is about the tools, not about when they ran.
 *
 * The rule: the two disagree when their 95% intervals do not overlap. Why this rule and not a
 * test of the difference:
 * - anyone can check it by eye in the table, where both intervals are printed side by side;
 * - it is conservative, and should be: a disagreement casts doubt on the headline. With
 *   independent noise and equal standard errors, non-overlap needs the difference to exceed
 *   2·t·se instead of the √2·t·se of a test of the difference, so when both tools measure the
 *   same ratio the false-disagreement rate is about 0.6% at 8 pairs, not 5% (normal and
 *   heavy-tailed noise; `npm run bench:witness`, asserted ≤ 1.5% in
 *   test/unit/stats/witness.test.ts). Noise the tools share (the block's machine state) cancels
 *   in each per-pair ratio, so it cannot make them disagree;
 * - the price is power: at 8 pairs a planted 10% difference is flagged in ≥ 98% of points while
 *   each tool's per-pair log-ratio spread is 3% (what meeting the standard profile's ±3% target
 *   at 8 pairs implies), but only in 69–80% at 5% and 12–22% at 10% (same simulation).
 * Either interval missing (fewer than MIN_PAIRS common blocks) leaves the verdict undecided.
 * Pure.
 */

import type { TrialRecord } from "../results/schema.js";
import type { Warning, WitnessRow } from "../results/summary-schema.js";
import type { Sweep } from "../sweep/schema.js";
import type { MetricName } from "../vocabulary/vocabulary.js";
import { WITNESS_METRICS, WITNESSED_TEST, type WitnessName } from "../witness/witness.js";
import { type BlockPair, PointTrials } from "./point-comparison.js";
import { pairedRatio, type RatioEstimate } from "./ratio.js";

export type { BlockPair, WitnessRow };

export type Agreement = WitnessRow["agreement"];

type Interval = Pick<RatioEstimate, "ciLow" | "ciHigh">;

/** "disagree" when both intervals exist and do not overlap; "undecided" when one is missing. */
export function intervalsAgree(a: Interval | null, b: Interval | null): Agreement {
  if (a?.ciLow == null || a.ciHigh == null || b?.ciLow == null || b.ciHigh == null) return "undecided";
  return a.ciHigh < b.ciLow || b.ciHigh < a.ciLow ? "disagree" : "agree";
}

function onBlocks(pairs: readonly BlockPair[], blocks: readonly number[]): RatioEstimate | null {
  const byBlock = new Map(pairs.map((pair) => [pair.block, pair]));
  const chosen = blocks.map((block) => byBlock.get(block) as BlockPair);
  return pairedRatio(
    chosen.map((pair) => pair.baseline),
    chosen.map((pair) => pair.candidate),
  );
}

/**
 * Both tools' ratios at one point over the blocks they have in common, and the verdict. A block
 * listed twice for one tool is a caller's bug (one pair per block and mode), so it throws.
 */
export function compareWitness(input: {
  point: string;
  metric: MetricName;
  witness: WitnessName;
  netperf: readonly BlockPair[];
  witnessPairs: readonly BlockPair[];
}): WitnessRow {
  for (const [tool, pairs] of [
    ["netperf", input.netperf],
    [input.witness, input.witnessPairs],
  ] as const) {
    if (new Set(pairs.map((pair) => pair.block)).size !== pairs.length) {
      throw new Error(`compareWitness: ${tool} has two pairs for one block at ${input.point}`);
    }
  }
  const witnessBlocks = new Set(input.witnessPairs.map((pair) => pair.block));
  const blocks = input.netperf
    .map((pair) => pair.block)
    .filter((block) => witnessBlocks.has(block))
    .sort((a, b) => a - b);
  const netperf = onBlocks(input.netperf, blocks);
  const witnessRatio = onBlocks(input.witnessPairs, blocks);
  return {
    point: input.point,
    metric: input.metric,
    witness: input.witness,
    blocks,
    netperf,
    witnessRatio,
    agreement: intervalsAgree(netperf, witnessRatio),
  };
}

/** "1.182 [1.101, 1.269]": a ratio estimate and its interval, as the warning quotes it. */
const estimateText = (estimate: RatioEstimate) =>
  `${estimate.ratio.toFixed(3)} [${estimate.ciLow?.toFixed(3)}, ${estimate.ciHigh?.toFixed(3)}]`;

/** The run's warning for rows whose tools disagree, or null when none does. */
export function witnessDisagreement(rows: readonly WitnessRow[]): Warning | null {
  const disagreeing = rows.filter((row) => row.agreement === "disagree");
  if (disagreeing.length === 0) return null;
  const details = disagreeing.map(
    (row) =>
      `${row.point} ${row.metric}: netperf ${estimateText(row.netperf as RatioEstimate)}, ${row.witness} ${estimateText(row.witnessRatio as RatioEstimate)}`,
  );
  return {
    kind: "witness-disagrees",
    reason: `netperf and a second witness measured eBPF/legacy ratios whose 95% intervals do not overlap (${details.join("; ")})`,
    hint: "the tools measure differently (message sizes, timing, one message or stream vs another): check the witness's trials, and do not quote netperf's ratio at these points without saying so",
    subjects: disagreeing.map((row) => `${row.point}/${row.metric}/${row.witness}`),
  };
}

/**
 * The witness table of a run: for every point a witness ran at, and every metric it shares with
 * netperf, both tools' eBPF/legacy ratios over their common blocks and the verdict.
 */
export function witnessRows(
  witnesses: readonly WitnessName[],
  points: readonly { key: string; test: string }[],
  trials: readonly TrialRecord[],
  order: Sweep["order"],
): WitnessRow[] {
  const rows: WitnessRow[] = [];
  for (const witness of witnesses) {
    for (const point of points.filter((p) => p.test === WITNESSED_TEST[witness])) {
      // the blocks summarise counts (stats/point-comparison.ts): netperf's ratio here is the headline's
      const mine = new PointTrials(point.key, trials, order);
      for (const metric of WITNESS_METRICS[witness]) {
        const witnessPairs = mine.pairs("legacy", "ebpf", (t) =>
          t.witness?.tool === witness ? t.witness.metrics?.[metric] : undefined,
        );
        if (witnessPairs.length === 0) continue;
        rows.push(
          compareWitness({
            point: point.key,
            metric,
            witness,
            netperf: mine.pairs("legacy", "ebpf", metric),
            witnessPairs,
          }),
        );
      }
    }
  }
  return rows;
}
