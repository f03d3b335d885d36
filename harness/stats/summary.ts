/**
 * From trial records to the summary a report shows: per point and mode, the median with its
 * distribution-free 95% interval; per point, each candidate mode against its baseline as one
 * quantity, the mean log ratio (paired by block when interleaved), with its estimate, 95%
 * interval and t test (ratio.ts). The run's comparisons are one family: a verdict needs the
 * Holm-adjusted p below 5%, so a run where nothing differs headlines nothing in ≥ 95% of runs
 * (summary.test.ts, seeded simulation). Only completed trials count: failed and rejected
 * (wrong path, mode switched, machine too busy) attempts never do. Pure.
 *
 * Over 300 lines on purpose: a third is the stored shapes (PointSummary, Comparison, Summary),
 * which results/summary-schema.ts mirrors and files.test.ts checks equal at compile time, and
 * the rest is the one estimator (describe, compare, judge the family) that those shapes hold;
 * splitting it would put the shapes and the code that fills them in different files.
 */
import { isStreamTest } from "../netperf/argv.js";
import { rateMetric, remoteCpuMeasured, serviceDemandMetrics } from "../netperf/parse.js";
import type { TrialRecord } from "../results/schema.js";
import {
  designLine,
  type Point,
  plannedSwitches,
  planSweep,
  type Segment,
  sweepSegments,
  switchCostOf,
} from "../sweep/plan.js";
import type { Sweep } from "../sweep/schema.js";
import {
  lowerIsBetter,
  type MetricName,
  type Mode,
  type Placement,
  switchesRouting,
} from "../vocabulary/vocabulary.js";
import { type Description, describe } from "./describe.js";
import { holmAdjust } from "./holm.js";
import { medianInterval } from "./median-interval.js";
import { MIN_PAIRS, pairedRatio, type RatioEstimate, relativeHalfWidth, unpairedRatio } from "./ratio.js";
import { segmentRatio } from "./segments.js";
import { collectWarnings, type Warning } from "./warnings.js";
import { type WitnessRow, witnessDisagreement, witnessRows } from "./witness.js";

/** Seconds the records' attempts took (start to finish). */
export function trialSeconds(records: readonly TrialRecord[]): number {
  return records.reduce((sum, r) => {
    const took = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
    return sum + (Number.isFinite(took) && took > 0 ? took : 0);
  }, 0);
}

export interface PointSummary extends Description {
  mode: Mode;
  placement: Placement;
  test: Point["test"];
  size: string;
  metric: MetricName;
  ciLow: number | null;
  ciHigh: number | null;
}

/**
 * Each word means one thing: `better` / `worse` (tested, significant after Holm), `no
 * significant difference` (tested, not significant) and `undecided` (not tested, or tested on
 * pairs that cannot decide: `undecidedReason` says which, `caveat` says it in words).
 */
export type Verdict = "better" | "worse" | "no significant difference" | "undecided";

/**
 * Why a comparison is undecided: fewer than MIN_PAIRS pairs; pairs whose log ratios have no
 * spread (no interval can be formed); or pairs in which a trial was kept although the machine
 * stayed noisy (busy, stolen, or unsteady within the trial) after every allowed repeat; a
 * segmented run with fewer than 3 segments; a before/after (blocked) run, whose drift and mode
 * are confounded.
 */
export const UNDECIDED_REASONS = [
  "too-few-pairs",
  "no-interval",
  "noisy-pairs",
  "too-few-segments",
  "confounded-design",
] as const;
export type UndecidedReason = (typeof UNDECIDED_REASONS)[number];

export interface Comparison {
  placement: Placement;
  test: Point["test"];
  size: string;
  metric: MetricName;
  baseline: Mode;
  candidate: Mode;
  /** Geometric mean of candidate/baseline (per-block ratios when paired). */
  ratio: number;
  /** 95% interval of the ratio (t on the log ratios); null when too few pairs to decide. */
  ciLow: number | null;
  ciHigh: number | null;
  /** Two-sided p of the t test, before the multiplicity adjustment. */
  pValue: number | null;
  /** Holm-adjusted over the run's comparisons: what the verdict uses. */
  pAdjusted: number | null;
  /** Paired by block (interleaved order) or independent samples. */
  paired: boolean;
  /** Pairs, or (segmented design) the segments the interval rests on. */
  n: number;
  /** Segmented design: the contrast of segment means (stats/segments.ts) from this many segments. */
  segments?: number;
  /** Half the interval's width relative to the ratio (0.03 = ±3%). */
  halfWidth: number | null;
  /** Pairs in which a trial was kept although the machine stayed above the noise thresholds. */
  noisyPairs: number;
  /** Pairs left out because other work on the machine hit one trial of the pair and not the other. */
  unbalancedPairs: number;
  lowerIsBetter: boolean;
  verdict: Verdict;
  /** Set exactly when the verdict is `undecided`: why. */
  undecidedReason?: UndecidedReason;
  /** Why the comparison is not a finding although its figures are shown (too few pairs, too noisy), in words. */
  caveat?: string;
}

/** How long a point took and how precise its eBPF/legacy comparison got. */
export interface PointPrecision {
  key: string;
  placement: Placement;
  test: Point["test"];
  size: string;
  /** Blocks in which both modes completed. */
  pairs: number;
  /** Seconds its attempts took, start to finish (repeats and rejected attempts included). */
  seconds: number;
  /** The widest eBPF/legacy interval over its compared metrics (0.03 = ±3%); null without one. */
  worstHalfWidth: number | null;
  /** Whether every interval got within the sweep's target; null without a target. */
  reached: boolean | null;
}

export interface Summary {
  completedTrials: number;
  failedTrials: number;
  /** Attempts that ran but were not counted: wrong path, mode switched, machine too busy. */
  rejectedTrials: number;
  /** How the comparisons were made, named in every output. */
  method: { estimator: string; multiplicity: string; significance: number };
  points: PointSummary[];
  comparisons: Comparison[];
  /** Per point: pairs, time and the precision reached (what --target-ci and the profiles stop on). */
  precision: PointPrecision[];
  warnings: Warning[];
  /** The second witnesses' ratios beside netperf's, where the sweep ran any (stats/witness.ts). */
  witness?: WitnessRow[];
  /** The run's design (sweep/plan.ts): absent in files written before it was recorded. */
  design?: DesignSummary;
}

/** How the modes were ordered in time, what a switch costs, and what the design can and cannot separate. */
export interface DesignSummary {
  order: Sweep["order"];
  /** designLine: the design and what it can and cannot separate from the mode, in words. */
  description: string;
  /** Switches the plan makes on the system under test (0: one cluster per mode). */
  plannedSwitches: number;
  /** Seconds one switch was expected to take (sweep/switch-cost.ts, or the sweep's switchCostSec). */
  expectedSwitchSec: number;
  /** A switch replaces the nodes under the run. */
  replacesNodes: boolean;
  /** Segmented: each segment's routing mode and blocks, in time order. */
  segments: Segment[];
}

/** Family-wise error rate of a run's verdicts (Holm across all its comparisons). */
export const SIGNIFICANCE = 0.05;
export const MULTIPLICITY_METHOD = "Holm (family-wise α = 5% over the run's comparisons)";
export const ESTIMATOR =
  "geometric mean of per-block candidate/baseline ratios, 95% Student-t interval and paired t test on their logs (Welch on log values when modes ran in separate blocks)";
/** The estimator of the segmented design's eBPF/legacy contrast (stats/segments.ts). */
export const SEGMENT_ESTIMATOR =
  "eBPF/legacy: ratio of the modes' mean segment geometric means, 95% Student-t interval on the segments' pooled spread (segments − 2 degrees of freedom); baselines: per-block ratios as above";

/** The caveat of a before/after (blocked) comparison of the two routing modes: it is not a test of the mode. */
export const BLOCKED_CAVEAT =
  "before/after design (one switch): drift over the run and the mode are confounded, not a finding";

/** Metrics summarised for each test: its outcome, then what the CPU spent on it. */
export function summaryMetrics(sweep: Sweep, test: Point["test"]): MetricName[] {
  const cost: MetricName[] = isStreamTest(test) ? ["cpuSecPerGB"] : ["cpuUsPerTrans"];
  const cpu: MetricName[] = [
    // CPU cost per unit of work: netperf's service demand and, on the lab, the benchmark CPU's time
    ...(sweep.cpu.serviceDemand
      ? [...serviceDemandMetrics(test), ...(sweep.backend === "lab" ? cost : [])]
      : []),
    "localCpuPct",
    ...(remoteCpuMeasured(test) ? (["remoteCpuPct"] as const) : []),
  ];
  if (test === "UDP_STREAM") return ["throughputMbps", "sentMbps", "lossPct", ...cpu];
  if (isStreamTest(test)) return ["throughputMbps", ...cpu];
  const entry = sweep.tests.find((t) => t.test === test);
  const percentiles = entry && "percentiles" in entry ? entry.percentiles : [50, 90, 99];
  return [rateMetric(test), ...percentiles.map((p) => `p${p}Us` as MetricName), "meanLatencyUs", ...cpu];
}

/**
 * Described, not judged: CPU utilisation (a faster mode keeps the CPU busier doing more work;
 * service demand, CPU per unit of work, is the cost to judge), UDP_STREAM's sent rate (the
 * offered load behind the received rate) and its loss, which can be 0 in every trial of a
 * mode and has no log ratio.
 */
const DESCRIBED_ONLY: ReadonlySet<MetricName> = new Set([
  "localCpuPct",
  "remoteCpuPct",
  "sentMbps",
  "lossPct",
]);

/** Metrics compared between modes. */
export function comparedMetrics(sweep: Sweep, test: Point["test"]): MetricName[] {
  return summaryMetrics(sweep, test).filter((m) => !DESCRIBED_ONLY.has(m));
}

/** Mode pairs compared: eBPF against legacy, and each against the host and direct baselines. */
export const COMPARED_PAIRS: readonly { baseline: Mode; candidate: Mode }[] = [
  { baseline: "legacy", candidate: "ebpf" },
  { baseline: "host", candidate: "ebpf" },
  { baseline: "host", candidate: "legacy" },
  { baseline: "direct", candidate: "ebpf" },
  { baseline: "direct", candidate: "legacy" },
];

/**
 * better/worse only when the adjusted p is below SIGNIFICANCE (lower is better for latency);
 * no p (no test) is `undecided`, never "no significant difference".
 */
export function judge(ratio: number, pAdjusted: number | null, lower: boolean): Verdict {
  if (pAdjusted === null) return "undecided";
  if (pAdjusted >= SIGNIFICANCE) return "no significant difference";
  const higher = ratio > 1;
  return higher !== lower ? "better" : "worse";
}

/** Completed values of one point, mode and metric, keyed by block; `exclude`d blocks left out. */
export function valuesByBlock(
  trials: readonly TrialRecord[],
  pointKey: string,
  mode: Mode,
  metric: MetricName,
  exclude: ReadonlySet<number> = new Set(),
): Map<number, number> {
  const byBlock = new Map<number, number>();
  for (const t of trials) {
    if (t.state !== "completed" || t.mode !== mode || t.point.key !== pointKey || exclude.has(t.block))
      continue;
    const value = t.metrics?.[metric];
    if (value !== undefined) byBlock.set(t.block, value);
  }
  return byBlock;
}

/**
 * A pair's two trials must run under the same conditions: when the CPUs the benchmark does
 * not use were busier by more than this (percentage points) in one trial than in the other,
 * the pair is not counted. Steady load (a busy loop on the other core) hits both trials and
 * passes; a burst of other work during one of them does not.
 */
export const PAIR_BALANCE_PP = 20;

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

/** Blocks of a point whose completed trial in some mode was kept noisy. */
function noisyBlocks(trials: readonly TrialRecord[], pointKey: string): Set<number> {
  return new Set(
    trials.filter((t) => t.state === "completed" && t.noisy && t.point.key === pointKey).map((t) => t.block),
  );
}

/** Compares two modes at one point and metric. Pairs by block when the sweep interleaved them. */
export function compareModes(
  baselineByBlock: Map<number, number>,
  candidateByBlock: Map<number, number>,
  interleaved: boolean,
  lower: boolean,
  /** Segmented design: each segment's blocks and whether it ran the candidate mode; empty otherwise. */
  segments: readonly { candidate: boolean; blocks: readonly number[] }[] = [],
): Omit<
  Comparison,
  | "placement"
  | "test"
  | "size"
  | "metric"
  | "baseline"
  | "candidate"
  | "pAdjusted"
  | "noisyPairs"
  | "unbalancedPairs"
  | "undecidedReason"
  | "caveat"
> | null {
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
    lowerIsBetter: lower,
    verdict: judge(estimate.ratio, estimate.pValue, lower),
  };
}

/** Why a comparison cannot decide, in a word and in words; null when it can. */
export function undecided(
  c: Pick<Comparison, "n" | "ciLow" | "noisyPairs" | "segments" | "caveat">,
): { reason: UndecidedReason; caveat: string } | null {
  // the design's own limits (summarise sets these caveats): a before/after run tests nothing
  if (c.caveat === BLOCKED_CAVEAT) return { reason: "confounded-design", caveat: BLOCKED_CAVEAT };
  if (c.segments !== undefined) {
    // segmented: n counts segments, and 3 of them (A BB A) give an interval
    if (c.ciLow === null)
      return { reason: "too-few-segments", caveat: `${c.segments} segments: an interval needs 3 (A BB A)` };
  } else if (c.n < MIN_PAIRS)
    return {
      reason: "too-few-pairs",
      caveat: `too few pairs to decide (n = ${c.n}; an interval needs ${MIN_PAIRS})`,
    };
  if (c.noisyPairs > 0)
    return {
      reason: "noisy-pairs",
      caveat: `a trial stayed noisy (the machine too busy, or its rate unsteady within the trial) in ${c.noisyPairs} of ${c.n} pairs (kept after every allowed repeat): not a finding`,
    };
  if (c.ciLow === null)
    return {
      reason: "no-interval",
      caveat: `no interval: the ${c.n} pairs' ratios do not vary, so nothing can be tested`,
    };
  return null;
}

/** Applies the run's multiplicity adjustment and caveats to its comparisons (in place order). */
export function judgeFamily(comparisons: Comparison[]): Comparison[] {
  const adjusted = holmAdjust(comparisons.map((c) => c.pValue));
  return comparisons.map((c, i) => {
    const pAdjusted = adjusted[i] ?? null;
    const { undecidedReason: _reason, caveat: _caveat, ...rest } = c;
    const open = undecided(c);
    if (open)
      return { ...rest, pAdjusted, verdict: "undecided", undecidedReason: open.reason, caveat: open.caveat };
    return { ...rest, pAdjusted, verdict: judge(c.ratio, pAdjusted, c.lowerIsBetter) };
  });
}

/** Summarises a run's trials. `points` are the sweep's points (missing ones are reported as warnings). */
export function summarise(sweep: Sweep, points: readonly Point[], trials: readonly TrialRecord[]): Summary {
  const segments = sweepSegments(sweep);
  const pointSummaries: PointSummary[] = [];
  const comparisons: Comparison[] = [];
  for (const point of points) {
    // this point's trials, sliced once: every helper below scans them per metric and mode
    const mine = trials.filter((t) => t.point.key === point.key);
    const unbalanced = sweep.order !== "blocked" ? unbalancedBlocks(mine, point.key) : new Set<number>();
    const noisy = noisyBlocks(mine, point.key);
    for (const metric of summaryMetrics(sweep, point.test)) {
      const byMode = new Map<Mode, Map<number, number>>();
      for (const mode of sweep.modes) {
        const values = valuesByBlock(mine, point.key, mode, metric, unbalanced);
        byMode.set(mode, values);
        if (values.size === 0) continue;
        const data = [...values.values()];
        const ci = medianInterval(data);
        pointSummaries.push({
          mode,
          placement: point.placement,
          test: point.test,
          size: point.size,
          metric,
          ...describe(data),
          ciLow: ci?.low ?? null,
          ciHigh: ci?.high ?? null,
        });
      }
      if (!comparedMetrics(sweep, point.test).includes(metric)) continue;
      for (const { baseline, candidate } of COMPARED_PAIRS) {
        const b = byMode.get(baseline);
        const c = byMode.get(candidate);
        if (!b || !c) continue;
        const routing = switchesRouting(baseline) && switchesRouting(candidate);
        const compared = compareModes(
          b,
          c,
          sweep.order !== "blocked",
          lowerIsBetter(metric),
          routing ? segments.map((s) => ({ candidate: s.mode === candidate, blocks: s.blocks })) : [],
        );
        if (compared) {
          const caveat =
            routing && sweep.order === "blocked"
              ? BLOCKED_CAVEAT
              : compared.segments !== undefined && compared.ciLow === null
                ? `${compared.segments} segments: an interval needs 3 (A BB A)`
                : undefined;
          comparisons.push({
            placement: point.placement,
            test: point.test,
            size: point.size,
            metric,
            baseline,
            candidate,
            ...compared,
            pAdjusted: null,
            noisyPairs: [...b.keys()].filter((block) => c.has(block) && noisy.has(block)).length,
            unbalancedPairs: unbalanced.size,
            ...(caveat ? { caveat } : {}),
          });
        }
      }
    }
  }
  const judged = judgeFamily(comparisons);
  const precision = points.map((point): PointPrecision => {
    const mine = judged.filter(
      (c) =>
        c.placement === point.placement &&
        c.test === point.test &&
        c.size === point.size &&
        c.baseline === "legacy" &&
        c.candidate === "ebpf",
    );
    const widths = mine.map((c) => c.halfWidth);
    const worst =
      widths.length === 0 || widths.some((w) => w === null) ? null : Math.max(...(widths as number[]));
    const records = trials.filter((t) => t.point.key === point.key);
    return {
      key: point.key,
      placement: point.placement,
      test: point.test,
      size: point.size,
      pairs: Math.max(0, ...mine.map((c) => c.n)),
      seconds: Math.round(trialSeconds(records) * 10) / 10,
      worstHalfWidth: worst,
      reached: sweep.targetCiPct === undefined ? null : worst !== null && worst <= sweep.targetCiPct / 100,
    };
  });
  const witness = witnessRows(sweep.witness ?? [], points, trials);
  const disagreement = witnessDisagreement(witness);
  const warnings = collectWarnings(sweep, points, trials, pointSummaries, judged);
  if (disagreement) warnings.push(disagreement);
  return {
    completedTrials: trials.filter((t) => t.state === "completed").length,
    failedTrials: trials.filter((t) => t.state === "failed").length,
    rejectedTrials: trials.filter((t) => t.state === "rejected").length,
    method: {
      estimator: sweep.order === "segmented" ? SEGMENT_ESTIMATOR : ESTIMATOR,
      multiplicity: MULTIPLICITY_METHOD,
      significance: SIGNIFICANCE,
    },
    points: pointSummaries,
    comparisons: judged,
    precision,
    warnings,
    ...(witness.length > 0 ? { witness } : {}),
    design: designSummary(sweep, segments),
  };
}

/** The design as the summary records it. */
export function designSummary(sweep: Sweep, segments: Segment[] = sweepSegments(sweep)): DesignSummary {
  const cost = switchCostOf(sweep);
  return {
    order: sweep.order,
    description: designLine(sweep),
    plannedSwitches: plannedSwitches(sweep, planSweep(sweep)),
    expectedSwitchSec: cost.typicalSec,
    replacesNodes: cost.replacesNodes,
    segments,
  };
}
