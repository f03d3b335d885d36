/**
 * The summary as results.json stores it, and the types the code computes it as: stats/summary.ts
 * fills these shapes and takes its types from here (one declaration, no mirror). It lives here,
 * below stats, so that the results layer does not import upward. The words a summary row can
 * hold (verdicts, undecided reasons, warning kinds) are listed here once.
 */
import { z } from "zod";
import { pointKeyShape } from "../sweep/point.js";
import { ORDERS } from "../sweep/schema.js";
import { METRIC_NAMES, MODES, NETPERF_TESTS, PLACEMENTS, ROUTING_MODES } from "../vocabulary/vocabulary.js";
import { WITNESSES } from "../witness/witness.js";

const mode = z.enum(MODES);
const _placement = z.enum(PLACEMENTS);
const _test = z.enum(NETPERF_TESTS);
const metric = z.enum(METRIC_NAMES);

/**
 * Each word means one thing: `better` / `worse` (tested, significant after Holm), `no
 * significant difference` (tested, not significant) and `undecided` (not tested, or tested on
 * pairs that cannot decide: `undecidedReason` says which, `caveat` says it in words).
 */
export const VERDICTS = ["better", "worse", "no significant difference", "undecided"] as const;
export type Verdict = (typeof VERDICTS)[number];

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

/** The kinds of warning a summary holds (stats/warnings.ts has one rule per kind). */
export const WARNING_KINDS = [
  "high-cv",
  "cpu-steal",
  "steal-imbalance",
  "high-load",
  "noise-repeats",
  "noisy-kept",
  "unbalanced-pairs",
  "failed-trials",
  "few-repetitions",
  "missing-points",
  "path-mismatch",
  "datapath",
  "wide-interval",
  "witness-disagrees",
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

/** Descriptive statistics and the median's interval of one point in one mode. */
const pointSummarySchema = z.strictObject({
  n: z.number().int(),
  median: z.number(),
  mean: z.number(),
  stddev: z.number().nullable(),
  cv: z.number().nullable(),
  min: z.number(),
  max: z.number(),
  mode,
  ...pointKeyShape,
  metric,
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
});

/** One candidate/baseline comparison and its verdict. */
export const comparisonSchema = z.strictObject({
  ...pointKeyShape,
  metric,
  baseline: mode,
  candidate: mode,
  /** Geometric mean of candidate/baseline (per-block ratios when paired). */
  ratio: z.number(),
  /** 95% interval of the ratio (t on the log ratios); null when too few pairs to decide. */
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  /** Two-sided p of the t test, before the multiplicity adjustment. */
  pValue: z.number().nullable(),
  /** Holm-adjusted over the run's comparisons: what the verdict uses. */
  pAdjusted: z.number().nullable(),
  /** Paired by block (interleaved order) or independent samples. */
  paired: z.boolean(),
  /** Pairs, or (segmented design) the segments the interval rests on. */
  n: z.number().int(),
  /** Segmented design: the segments the eBPF/legacy interval rests on. */
  segments: z.number().int().optional(),
  /** Half the interval's width relative to the ratio (0.03 = ±3%). */
  halfWidth: z.number().nullable(),
  /**
   * Pairs in which a trial was kept although the machine stayed above the noise thresholds: left
   * out of the estimate, or, when the pairs left were too few, the estimate is every pair's and
   * the comparison undecided ("noisy-pairs").
   */
  noisyPairs: z.number().int(),
  /**
   * The point's blocks left out because the machine's other CPUs were busy in one trial of a
   * block and not another (stats/point-comparison.ts `PointTrials.unbalanced`): a count of the
   * point's blocks, the same for each of its comparisons, not of this pair's; the stored name
   * stays as results files have it.
   */
  unbalancedPairs: z.number().int(),
  lowerIsBetter: z.boolean(),
  /** better/worse: tested, significant after Holm; no significant difference: tested, not; undecided: see undecidedReason. */
  verdict: z.enum(VERDICTS),
  /** Set exactly when the verdict is `undecided`: why. */
  undecidedReason: z.enum(UNDECIDED_REASONS).optional(),
  /** Why the comparison is not a finding although its figures are shown (too few pairs, too noisy), in words. */
  caveat: z.string().optional(),
});

/** How long a point took and how precise the comparison of its precision pair got (eBPF/legacy when both ran). */
const pointPrecisionSchema = z.strictObject({
  key: z.string(),
  ...pointKeyShape,
  /** Blocks in which both modes completed. */
  pairs: z.number().int(),
  /** Seconds its attempts took, start to finish (repeats and rejected attempts included). */
  seconds: z.number(),
  /** The precision pair's widest interval over its compared metrics (0.03 = ±3%); null without one. */
  worstHalfWidth: z.number().nullable(),
  /** Whether every interval got within the sweep's target; null without a target or a compared pair. */
  reached: z.boolean().nullable(),
});

/** Warnings as data: what looks wrong, why it matters, and what to try. */
const warningSchema = z.strictObject({
  kind: z.enum(WARNING_KINDS),
  reason: z.string(),
  hint: z.string(),
  /** Trial ids, or the points concerned as `pointId` (sweep/point.ts) with the mode or metric after a slash. */
  subjects: z.array(z.string()),
});

/** stats/ratio.ts's `RatioEstimate`, as stored. */
const ratioEstimateSchema = z.strictObject({
  ratio: z.number(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  pValue: z.number().nullable(),
  n: z.number().int(),
  paired: z.boolean(),
  sdLogRatio: z.number().nullable(),
  decidable: z.boolean(),
});

/** stats/witness.ts's `WitnessRow`: netperf's and a second witness's ratio at one point and metric. */
const witnessRowSchema = z.strictObject({
  point: z.string(),
  metric: z.enum(METRIC_NAMES),
  witness: z.enum(WITNESSES),
  blocks: z.array(z.number().int()),
  netperf: ratioEstimateSchema.nullable(),
  witnessRatio: ratioEstimateSchema.nullable(),
  agreement: z.enum(["agree", "disagree", "undecided"]),
});

/** stats/summary.ts's `Summary`, as stored. */
export const summarySchema = z.strictObject({
  completedTrials: z.number().int(),
  failedTrials: z.number().int(),
  rejectedTrials: z.number().int(),
  method: z.strictObject({ estimator: z.string(), multiplicity: z.string(), significance: z.number() }),
  points: z.array(pointSummarySchema),
  comparisons: z.array(comparisonSchema),
  precision: z.array(pointPrecisionSchema),
  warnings: z.array(warningSchema),
  witness: z.array(witnessRowSchema).optional(),
  /** stats/summary.ts's `DesignSummary`: absent in files written before the design was recorded. */
  design: z
    .strictObject({
      order: z.enum(ORDERS),
      description: z.string(),
      plannedSwitches: z.number().int(),
      expectedSwitchSec: z.number(),
      replacesNodes: z.boolean(),
      segments: z.array(z.strictObject({ mode: z.enum(ROUTING_MODES), blocks: z.array(z.number().int()) })),
    })
    .optional(),
});
export type Summary = z.output<typeof summarySchema>;
export type PointSummary = z.output<typeof pointSummarySchema>;
export type Comparison = z.output<typeof comparisonSchema>;
export type PointPrecision = z.output<typeof pointPrecisionSchema>;
export type Warning = z.output<typeof warningSchema>;
export type WitnessRow = z.output<typeof witnessRowSchema>;
export type DesignSummary = NonNullable<Summary["design"]>;
