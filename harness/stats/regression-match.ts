/** Matching points between two runs: each run's completed values by point and repetition, and why two runs share none. Pure. */
import { dimensions, keyOf } from "../sweep/point.js";
import type { MetricName, Mode } from "../vocabulary/vocabulary.js";
import { comparedMetrics } from "./metrics.js";
import type { CompareInput } from "./regression-types.js";
import { type SeriesKey, SeriesMap } from "./series.js";

/** One run's completed values of a point. */
export interface Series {
  key: SeriesKey;
  /** Completed values by repetition (block). */
  byBlock: Map<number, number>;
  /** Repetitions whose trial was kept although the machine stayed noisy after every allowed repeat. */
  noisy: Set<number>;
}

/** Every compared series (point, mode, metric) of a run with its values by repetition, by its typed key. */
export function indexRun(run: CompareInput, metrics?: readonly MetricName[]): SeriesMap<Series> {
  const index = new SeriesMap<Series>();
  for (const t of run.trials) {
    if (t.state !== "completed") continue;
    for (const metric of comparedMetrics(run.sweep, t.point.test)) {
      if (metrics && !metrics.includes(metric)) continue;
      const value = t.metrics?.[metric];
      if (value === undefined) continue;
      const key: SeriesKey = { mode: t.mode, ...keyOf(t.point), metric };
      const series = index.upsert(key, () => ({ key, byBlock: new Map(), noisy: new Set<number>() }));
      series.byBlock.set(t.block, value);
      if (t.noisy) series.noisy.add(t.block);
    }
  }
  return index;
}

function describeSet(keys: SeriesKey[], pick: (k: SeriesKey) => string): string {
  return [...new Set(keys.map(pick))].sort().join(", ") || "none";
}

/** Explains why two runs share no point: which dimension differs. */
export function incompatibility(baseline: SeriesKey[], candidate: SeriesKey[]): string {
  const dims: [string, (k: SeriesKey) => string][] = [
    ["modes", (k) => k.mode],
    ["placements", (k) => k.placement],
    ["tests", (k) => k.test],
    ["sizes", (k) => [k.test, k.size, ...dimensions(k)].join(" ")],
    ["metrics", (k) => k.metric],
  ];
  const differences = dims
    .map(([name, pick]) => [name, describeSet(baseline, pick), describeSet(candidate, pick)] as const)
    .filter(([, a, b]) => a !== b)
    .map(([name, a, b]) => `${name}: baseline has ${a}; candidate has ${b}`);
  return differences.length ? differences.join("\n  ") : "the runs have no completed trials in common";
}

/** The modes a run measured. */
export function modesOf(index: SeriesMap<Series>): Set<Mode> {
  return new Set([...index.values()].map((s) => s.key.mode));
}
