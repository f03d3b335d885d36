/**
 * The summary as results.json stores it. stats/summary.ts computes it and declares the same
 * types for its own use; test/unit/results/files.test.ts checks at compile time that the two
 * agree, so a field added on one side and not the other fails `tsc`. It lives here, below
 * stats, so that the results layer does not import upward.
 */
import { z } from "zod";
import { ORDERS } from "../sweep/schema.js";
import { METRIC_NAMES, MODES, NETPERF_TESTS, PLACEMENTS, ROUTING_MODES } from "../vocabulary/vocabulary.js";
import { WITNESSES } from "../witness/witness.js";

const mode = z.enum(MODES);
const placement = z.enum(PLACEMENTS);
const test = z.enum(NETPERF_TESTS);
const metric = z.enum(METRIC_NAMES);

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
  placement,
  test,
  size: z.string(),
  metric,
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
});

/** One candidate/baseline comparison and its verdict. */
const comparisonSchema = z.strictObject({
  placement,
  test,
  size: z.string(),
  metric,
  baseline: mode,
  candidate: mode,
  ratio: z.number(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  pValue: z.number().nullable(),
  pAdjusted: z.number().nullable(),
  paired: z.boolean(),
  n: z.number().int(),
  /** Segmented design: the segments the eBPF/legacy interval rests on. */
  segments: z.number().int().optional(),
  halfWidth: z.number().nullable(),
  noisyPairs: z.number().int(),
  /** Pairs not counted because the machine's other CPUs were busy in one trial of the pair and not the other. */
  unbalancedPairs: z.number().int(),
  lowerIsBetter: z.boolean(),
  /** better/worse: tested, significant after Holm; no significant difference: tested, not; undecided: see undecidedReason. */
  verdict: z.enum(["better", "worse", "no significant difference", "undecided"]),
  /** Set exactly when the verdict is undecided (stats/summary.ts `UNDECIDED_REASONS`). */
  undecidedReason: z
    .enum(["too-few-pairs", "no-interval", "noisy-pairs", "too-few-segments", "confounded-design"])
    .optional(),
  caveat: z.string().optional(),
});

/** How long a point took and how precise its eBPF/legacy comparison got. */
const pointPrecisionSchema = z.strictObject({
  key: z.string(),
  placement,
  test,
  size: z.string(),
  pairs: z.number().int(),
  seconds: z.number(),
  worstHalfWidth: z.number().nullable(),
  reached: z.boolean().nullable(),
});

/** Warnings as data: what looks wrong, why it matters, and what to try. */
const warningSchema = z.strictObject({
  kind: z.enum([
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
  ]),
  reason: z.string(),
  hint: z.string(),
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
export type PersistedSummary = z.output<typeof summarySchema>;
export type PersistedPointSummary = z.output<typeof pointSummarySchema>;
export type PersistedComparison = z.output<typeof comparisonSchema>;
