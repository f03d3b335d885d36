/**
 * What a run's side of a point is on the tested scale: log values, or (normalised) log ratios
 * to an in-run reference mode by repetition, so that drift every mode shares cancels; and
 * which mode is that reference. Pure.
 */
import { median } from "simple-statistics";
import { UsageError } from "../util/errors.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import type { Series } from "./regression-match.js";
import { type LogSample, logSample, sampleOf } from "./welch.js";

/** One run's side of a point on the tested scale: log values, or log ratios to the reference by repetition. */
export interface Side {
  /** Tested values (log scale) by repetition. */
  logs: Map<number, number>;
  sample: LogSample;
  median: number;
}

export function side(series: Series, reference: Series | undefined): Side | "non-positive" | "empty" {
  const logs = new Map<number, number>();
  let resolution: number;
  if (reference) {
    for (const [block, value] of series.byBlock) {
      const ref = reference.byBlock.get(block);
      if (ref === undefined) continue;
      if (!(value > 0 && ref > 0)) return "non-positive";
      logs.set(block, Math.log(value / ref));
    }
    if (logs.size === 0) return "empty";
    const blocks = [...logs.keys()];
    resolution =
      logSample(blocks.map((b) => series.byBlock.get(b) as number)).resolutionVariance +
      logSample(blocks.map((b) => reference.byBlock.get(b) as number)).resolutionVariance;
  } else {
    if (series.byBlock.size === 0) return "empty";
    for (const [block, value] of series.byBlock) {
      if (!(value > 0)) return "non-positive";
      logs.set(block, Math.log(value));
    }
    resolution = logSample([...series.byBlock.values()]).resolutionVariance;
  }
  const values = [...logs.values()];
  return { logs, sample: sampleOf(values, resolution), median: Math.exp(median(values)) };
}

/**
 * The reference mode for normalisation: the one asked for, or (`auto`) `host` where both runs
 * measured it (node-to-node, no pod datapath at all), else `legacy`. It must be in both runs
 * beside at least one other mode.
 */
export function normalisationReference(
  requested: Mode | "auto",
  baseModes: ReadonlySet<Mode>,
  candModes: ReadonlySet<Mode>,
): Mode {
  const inBoth = (mode: Mode) => baseModes.has(mode) && candModes.has(mode);
  const reference = requested !== "auto" ? requested : inBoth("host") ? "host" : "legacy";
  const others = [...baseModes].filter((m) => m !== reference && candModes.has(m));
  if (!inBoth(reference) || others.length === 0) {
    throw new UsageError(
      `--normalise needs a reference mode measured in both runs beside another mode; ${reference} is not usable: the baseline has ${[...baseModes].join(", ")}, the candidate ${[...candModes].join(", ")}`,
      "name a mode both runs measured, e.g. --normalise legacy, or compare without --normalise",
    );
  }
  return reference;
}
