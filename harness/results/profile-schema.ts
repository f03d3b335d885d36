/**
 * What `explain` stores: each measured trial's profiled twin (a dedicated trial right after
 * it, same block, mode and point, with the benchmark CPU sampled by call chain), and the run's
 * attribution of CPU time per unit of work to kernel subsystems (profile/explain.ts). Kept in
 * its own file so results/schema.ts only hooks it in. Absent in files written without explain.
 */
import { z } from "zod";
import { pointKeyShape } from "../sweep/point.js";
import { METRIC_NAMES, MODES, SUBSYSTEMS } from "../vocabulary/vocabulary.js";

const bySubsystem = z.partialRecord(z.enum(SUBSYSTEMS), z.number());

/** The profiled twin of a measured trial. */
export const trialProfileSchema = z.strictObject({
  /** perf record's argv as run. */
  argv: z.array(z.string()),
  /** The netperf argv of the profiled trial. */
  netperfArgv: z.array(z.string()),
  frequencyHz: z.number(),
  /** Seconds perf sampled, inside the profiled netperf's measured window. */
  windowSec: z.number(),
  cpus: z.array(z.number().int()),
  startedAt: z.string(),
  /** Samples taken on the benchmark CPUs, and how they divide (profile/attribute.ts). */
  samples: z.number().int(),
  busySamples: z.number().int(),
  idleSamples: z.number().int(),
  /** Other tasks' samples on the benchmark CPUs: the trial shared its CPU with them. */
  foreignSamples: z.number().int(),
  /** The benchmark's busy samples by subsystem. */
  bySubsystem,
  /** The profiled trial's own figures (rate, CPU cost from /proc/stat): sampling's effect is read from them. */
  metrics: z.partialRecord(z.enum(METRIC_NAMES), z.number()).optional(),
  elapsedSec: z.number().optional(),
  /** Kubernetes: each test node's recording (pod, perf argv, CPUs, samples); `samples` sums them. */
  nodes: z
    .array(
      z.strictObject({
        node: z.string(),
        pod: z.string(),
        argv: z.array(z.string()),
        cpus: z.array(z.number().int()),
        samples: z.number().int(),
      }),
    )
    .optional(),
  /** The folded stacks, relative to the run folder (profiles/…folded). */
  foldedFile: z.string().optional(),
  /** Why the profiled twin gave no attribution (the measured trial still counts). */
  error: z.string().optional(),
});
export type TrialProfile = z.output<typeof trialProfileSchema>;

const interval = z.strictObject({
  mean: z.number(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  n: z.number().int(),
});
export type Interval = z.output<typeof interval>;

/** One mode at one point: CPU per unit of work by subsystem, across blocks. */
const explainModeSchema = z.strictObject({
  mode: z.enum(MODES),
  blocks: z.number().int(),
  samples: z.number().int(),
  /** Measured CPU per unit of work (unsampled trials, /proc/stat). */
  measured: interval,
  /** Shares of the benchmark's busy samples × measured CPU per unit, by subsystem. */
  bySubsystem: z.partialRecord(z.enum(SUBSYSTEMS), interval),
  /** Share of busy samples by subsystem (pooled over blocks), for charts. */
  shares: bySubsystem,
  /** CPU per unit of work read from the samples alone (busy samples / frequency / units of work in the sampled window). */
  sampled: interval.nullable(),
  /** Other tasks' share of all samples on the benchmark CPU. */
  foreignShare: z.number(),
});

export const explainPointSchema = z.strictObject({
  /** The plan's id of the point (`Point.key`). */
  key: z.string(),
  /** The point's key (sweep/point.ts): placement, test, size and the dimensions it names. */
  ...pointKeyShape,
  /** The unit of the figures: "µs per transaction", "µs per connection" or "ms per GB". */
  unit: z.string(),
  modes: z.array(explainModeSchema),
  /** legacy − eBPF where both modes were profiled: paired by block, or unpaired (`pairing`). */
  difference: z
    .strictObject({
      bySubsystem: z.partialRecord(z.enum(SUBSYSTEMS), interval),
      /** The measured difference in CPU per unit (unsampled trials). */
      measured: interval,
      /** The sum of the attributed differences (equal to `measured` by construction: shares sum to one). */
      attributedSum: z.number(),
      /** The difference read from the samples alone: the independent check of the attribution. */
      sampled: interval.nullable(),
      /** Whether `sampled`'s mean lies within `measured`'s interval, and by how much it misses. */
      sampledWithinMeasured: z.boolean().nullable(),
      missBy: z.number().nullable(),
      /** Absent: paired by block. "unpaired": no block held both modes (segmented or blocked design), Welch's intervals between the modes' blocks. */
      pairing: z.literal("unpaired").optional(),
    })
    .nullable(),
  /** eBPF/legacy ratio of the main metric, paired by block, from the measured and from the profiled trials. */
  sampling: z
    .strictObject({
      metric: z.string(),
      unsampled: interval,
      sampled: interval,
    })
    .nullable(),
});
export type ExplainPoint = z.output<typeof explainPointSchema>;

export const explainSchema = z.strictObject({
  method: z.string(),
  points: z.array(explainPointSchema),
});
export type Explain = z.output<typeof explainSchema>;
