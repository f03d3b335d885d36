/**
 * The per-point comparison step of everything that compares two modes at a point: `summarise`,
 * the adaptive stopping rule (run/adaptive.ts), the witness table and the synthetic benches.
 * `PointTrials` slices one point's trials once: which blocks count (pairs whose trials ran under
 * unequal load are left out, and per pair of modes those with a trial kept noisy) and each
 * block's completed values. `comparePoint` estimates one pair of modes on one metric (verdicts
 * are given once per run, judge.ts); `pointPrecision` is the one "reached" rule. Pure.
 */
import type { TrialRecord } from "../results/schema.js";
import type { Comparison } from "../results/summary-schema.js";
import type { Segment } from "../sweep/plan.js";
import { keyOf, type PointKey } from "../sweep/point.js";
import type { Sweep } from "../sweep/schema.js";
import { lowerIsBetter, type MetricName, type Mode, switchesRouting } from "../vocabulary/vocabulary.js";
import { comparedPairs } from "./metrics.js";
import { restsOnNoisyPairs } from "./precision-shortfall.js";
import { MIN_PAIRS, pairedRatio, type RatioEstimate, relativeHalfWidth, unpairedRatio } from "./ratio.js";
import { segmentRatio } from "./segments.js";

/**
 * A pair's two trials must run under the same conditions: when the CPUs the benchmark does
 * not use were busier by more than this (percentage points) in one trial than in the other,
 * the pair is not counted. Steady load (a busy loop on the other core) hits both trials and
 * passes; a burst of other work during one of them does not.
 */
export const PAIR_BALANCE_PP = 20;

/** One block's completed pair at a point: the baseline's and the candidate's value. */
export interface BlockPair {
  block: number;
  baseline: number;
  candidate: number;
}

/** What a value is read from: a netperf metric, or any value of a trial (a witness's). */
export type ValueOf = MetricName | ((trial: TrialRecord) => number | undefined);

/** Interleaved blocks of a point whose completed trials differ in other-CPU load by more than PAIR_BALANCE_PP. */
export function unbalancedBlocks(trials: readonly TrialRecord[], pointKey: string): Set<number> {
  const loads = new Map<number, number[]>();
  for (const t of trials) {
    const busy = t.noise?.otherCpusBusyPct;
    if (t.state !== "completed" || t.point.key !== pointKey || busy === undefined) continue;
    loads.set(t.block, [...(loads.get(t.block) ?? []), busy]);
  }
  return new Set(
    [...loads]
      .filter(([, xs]) => Math.max(...xs) - Math.min(...xs) > PAIR_BALANCE_PP)
      .map(([block]) => block),
  );
}

/** One point's completed trials, sliced once: the blocks that count and the values per mode. */
export class PointTrials {
  readonly completed: readonly TrialRecord[];
  /** Blocks left out: their trials ran under unequal other-CPU load (none in a before/after run, which pairs nothing). */
  readonly unbalanced: ReadonlySet<number>;
  /** Per mode, the blocks whose completed trial of that mode was kept noisy. */
  private readonly noisyByMode = new Map<Mode, Set<number>>();

  constructor(pointKey: string, trials: readonly TrialRecord[], order: Sweep["order"]) {
    this.completed = trials.filter((t) => t.state === "completed" && t.point.key === pointKey);
    this.unbalanced = order !== "blocked" ? unbalancedBlocks(this.completed, pointKey) : new Set();
    for (const t of this.completed) {
      if (!t.noisy) continue;
      const blocks = this.noisyByMode.get(t.mode) ?? new Set<number>();
      blocks.add(t.block);
      this.noisyByMode.set(t.mode, blocks);
    }
  }

  /**
   * Two modes' values by block for a comparison, without the blocks in which either mode's
   * trial was kept noisy (it stayed above a noise threshold after every allowed repeat): a
   * noisy trial never decides a comparison, and its pair is left out, as an unbalanced pair
   * is. The noise comes from outside the benchmark (other work, the host, a stall inside the
   * trial), so leaving its pairs out does not bias the ratio; the pairs left decide, or are
   * too few (judge.ts says so). `noisyPairs`: the pairs left out (in a design that pairs
   * nothing, the values left out).
   */
  usable(
    baseline: Mode,
    candidate: Mode,
    value: ValueOf,
  ): { baseline: Map<number, number>; candidate: Map<number, number>; noisyPairs: number } {
    const b = this.values(baseline, value);
    const c = this.values(candidate, value);
    const left = new Set([
      ...(this.noisyByMode.get(baseline) ?? []),
      ...(this.noisyByMode.get(candidate) ?? []),
    ]);
    // a pair needs both trials: in a paired design a noisy trial without its partner is no pair
    const paired = [...b.keys()].some((block) => c.has(block));
    let noisyPairs = 0;
    for (const block of left) {
      if (paired ? b.has(block) && c.has(block) : b.has(block) || c.has(block)) noisyPairs += 1;
      b.delete(block);
      c.delete(block);
    }
    return { baseline: b, candidate: c, noisyPairs };
  }

  /** Completed values of one mode by block (the last completed attempt of a block), unbalanced blocks left out. */
  values(mode: Mode, value: ValueOf): Map<number, number> {
    const pick = typeof value === "function" ? value : (t: TrialRecord) => t.metrics?.[value];
    const byBlock = new Map<number, number>();
    for (const t of this.completed) {
      if (t.mode !== mode || this.unbalanced.has(t.block)) continue;
      const v = pick(t);
      if (v !== undefined) byBlock.set(t.block, v);
    }
    return byBlock;
  }

  /**
   * The one noisy-pair rule (`comparePoint` and `pairs`): `estimate` of the values without the
   * pairs with a noisy trial (`usable`); when a noisy pair was left out and that is `tooFew`
   * (under MIN_PAIRS pairs, or no interval), `estimate` of every pair, marked `noisyIncluded`.
   */
  withNoisyRule<T>(
    baseline: Mode,
    candidate: Mode,
    value: ValueOf,
    estimate: (baseline: ReadonlyMap<number, number>, candidate: ReadonlyMap<number, number>) => T,
    tooFew: (clean: T) => boolean,
  ): { estimate: T; noisyPairs: number; noisyIncluded: boolean } {
    const usable = this.usable(baseline, candidate, value);
    const clean = estimate(usable.baseline, usable.candidate);
    const noisyIncluded = usable.noisyPairs > 0 && tooFew(clean);
    return {
      estimate: noisyIncluded ? estimate(this.values(baseline, value), this.values(candidate, value)) : clean,
      noisyPairs: usable.noisyPairs,
      noisyIncluded,
    };
  }

  /**
   * The blocks in which both modes have a value, in block order: those `comparePoint` counts
   * (no noisy pair, unless fewer than MIN_PAIRS are left, when its estimate is every pair's).
   */
  pairs(baseline: Mode, candidate: Mode, value: ValueOf): BlockPair[] {
    const shared = (b: ReadonlyMap<number, number>, c: ReadonlyMap<number, number>) =>
      [...b.keys()]
        .filter((block) => c.has(block))
        .sort((x, y) => x - y)
        .map((block) => ({ block, baseline: b.get(block) as number, candidate: c.get(block) as number }));
    return this.withNoisyRule(baseline, candidate, value, shared, (clean) => clean.length < MIN_PAIRS)
      .estimate;
  }
}

/** The estimate of one mode pair from values by block: what `comparePoint` adds the point and design to. */
export type Estimate = Pick<
  Comparison,
  "segments" | "ratio" | "ciLow" | "ciHigh" | "pValue" | "paired" | "n" | "halfWidth"
>;

/** Compares two modes' values by block. Pairs by block when the sweep interleaved them. */
export function compareModes(
  baselineByBlock: ReadonlyMap<number, number>,
  candidateByBlock: ReadonlyMap<number, number>,
  interleaved: boolean,
  /** Segmented design: each segment's blocks and whether it ran the candidate mode; empty otherwise. */
  segments: readonly { candidate: boolean; blocks: readonly number[] }[] = [],
): Estimate | null {
  if (baselineByBlock.size === 0 || candidateByBlock.size === 0) return null;
  const shared = [...baselineByBlock.keys()]
    .filter((block) => candidateByBlock.has(block))
    .sort((a, b) => a - b);
  const paired = interleaved && shared.length >= 1;
  // segmented design: the two routing modes never share a block; their segments are the replication
  const bySegment =
    !paired && segments.length > 0
      ? segmentRatio(
          segments.map((segment) => {
            const values = segment.candidate ? candidateByBlock : baselineByBlock;
            return {
              candidate: segment.candidate,
              values: segment.blocks.flatMap((b) => (values.has(b) ? [values.get(b) as number] : [])),
            };
          }),
        )
      : null;
  const estimate: RatioEstimate | null =
    bySegment ??
    (paired
      ? pairedRatio(
          shared.map((b) => baselineByBlock.get(b) as number),
          shared.map((b) => candidateByBlock.get(b) as number),
        )
      : unpairedRatio([...baselineByBlock.values()], [...candidateByBlock.values()]));
  if (!estimate) return null;
  return {
    ...(bySegment ? { segments: bySegment.segments } : {}),
    ratio: estimate.ratio,
    ciLow: estimate.ciLow,
    ciHigh: estimate.ciHigh,
    pValue: estimate.pValue,
    paired: estimate.paired,
    n: estimate.n,
    halfWidth: relativeHalfWidth(estimate),
  };
}

/** A comparison before the run's family is judged (judge.ts `judgeFamily` gives its verdict). */
export type Estimated = Omit<Comparison, "pAdjusted" | "verdict" | "undecidedReason" | "caveat"> & {
  /** A before/after (blocked) design of the two routing modes: drift and the mode are confounded. */
  confounded?: boolean;
  /** Too few pairs without a noisy trial: the estimate is every pair's, noisy ones included, and decides nothing. */
  noisyIncluded?: boolean;
};

/** One mode pair at one point and metric, or null when either mode has no value there. */
export function comparePoint(
  sweep: Pick<Sweep, "order">,
  point: PointKey,
  trials: PointTrials,
  metric: MetricName,
  baseline: Mode,
  candidate: Mode,
  /** The sweep's segments (segmented design), else none. */
  segments: readonly Segment[] = [],
): Estimated | null {
  const routing = switchesRouting(baseline) && switchesRouting(candidate);
  const design = (b: ReadonlyMap<number, number>, c: ReadonlyMap<number, number>) =>
    compareModes(
      b,
      c,
      sweep.order !== "blocked",
      routing ? segments.map((s) => ({ candidate: s.mode === candidate, blocks: s.blocks })) : [],
    );
  // the pairs without a noisy trial decide; when they are too few for an interval, the estimate
  // of every pair is shown instead, and the judge calls it undecided (noisy pairs), not a finding
  const tooFew = (e: Estimate | null) =>
    e === null || (e.segments !== undefined ? e.ciLow === null : e.n < MIN_PAIRS);
  const { estimate, noisyPairs, noisyIncluded } = trials.withNoisyRule(
    baseline,
    candidate,
    metric,
    design,
    tooFew,
  );
  if (!estimate) return null;
  return {
    ...keyOf(point),
    metric,
    baseline,
    candidate,
    ...estimate,
    lowerIsBetter: lowerIsBetter(metric),
    noisyPairs,
    unbalancedPairs: trials.unbalanced.size,
    ...(noisyIncluded ? { noisyIncluded: true } : {}),
    ...(routing && sweep.order === "blocked" ? { confounded: true } : {}),
  };
}

/**
 * The pair whose precision a point is judged by (the summary's precision rows and the adaptive
 * rule): the first pair the sweep compares (metrics.ts `comparedPairs`), so eBPF against legacy
 * when both ran, else a baseline against a routing mode. Null when the sweep compares no pair
 * (one mode, or host and direct only): there is no precision to state or to reach.
 */
export function precisionPair(modes: readonly Mode[]): { baseline: Mode; candidate: Mode } | null {
  return comparedPairs(modes)[0] ?? null;
}

/** How precise a point's comparisons of its precision pair got, and whether that reached the target. */
export interface Precision {
  /** Blocks (or segments) behind the best-supported comparison. */
  pairs: number;
  /** The widest interval (0.03 = ±3%); null when a comparison has none, or there is none. */
  worstHalfWidth: number | null;
  /** Every compared metric has a comparison within the target; null without a target. */
  reached: boolean | null;
}

/**
 * The one "reached" rule: a point reached `targetCiPct` when each of its `expected` compared metrics
 * has an interval within ±targetCiPct % of its ratio, on pairs that decide (`restsOnNoisyPairs`).
 */
export function pointPrecision(
  comparisons: readonly (Pick<Estimated, "n" | "halfWidth" | "noisyIncluded"> &
    Pick<Comparison, "undecidedReason">)[],
  expected: number,
  targetCiPct: number | undefined,
): Precision {
  const widths = comparisons.map((c) => c.halfWidth);
  const noisy = comparisons.some(restsOnNoisyPairs);
  const worst =
    widths.length === 0 || widths.some((w) => w === null) ? null : Math.max(...(widths as number[]));
  return {
    pairs: Math.max(0, ...comparisons.map((c) => c.n)),
    worstHalfWidth: worst,
    reached:
      targetCiPct === undefined
        ? null
        : worst !== null && worst <= targetCiPct / 100 && comparisons.length >= expected && !noisy,
  };
}
