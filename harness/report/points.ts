/** Finding a run's points and eBPF/legacy comparisons, and naming them in the report's words. Pure. */

import type { Results } from "../results/schema.js";
import type { Comparison, PointSummary } from "../stats/summary.js";
import { allSweepPoints, type Point, writtenSize } from "../sweep/plan.js";
import { dimensions, keyOf, type PointKey, PointMap } from "../sweep/point.js";
import type { MetricName, Mode, Placement } from "../vocabulary/vocabulary.js";

export const MODE_NAMES: Record<string, string> = {
  ebpf: "eBPF host routing",
  legacy: "Legacy host routing",
  host: "Node to node (host)",
  direct: "Direct path",
};

/** The CPU cost metrics the report charts, tabulates and headlines, in report order. */
export const COST_METRICS = ["cpuUsPerTrans", "cpuSecPerGB"] as const satisfies readonly MetricName[];

/**
 * The report's name of a point: its placement in words, its test and `sizeText` ("Same node
 * TCP_RR 1,1", "Cross node TCP_STREAM 1024 ×4", "Same node TCP_CRR 1,1 service ipv6").
 */
export function pointName(key: PointKey): string {
  return [placementName(key.placement), key.test, sizeText(key)].join(" ");
}

/** The report's name of the point a plan id names (a witness row's, an explain file's); the id itself if the run has no such point. */
export function plannedName(index: RunIndex, planKey: string): string {
  const point = index.planned(planKey);
  return point ? pointName(point) : planKey;
}

export const placementName = (p: string) =>
  p === "same-node" ? "Same node" : p === "cross-node" ? "Cross node" : p;

/**
 * A run's points, summary rows and comparisons, indexed once by point key (sweep/point.ts): the
 * report's one lookup. `point` gives the plan's typed point behind a key (its stream count and
 * sizes as numbers), so no label is parsed back.
 */
export interface RunIndex {
  point(key: PointKey): Point | undefined;
  /** The point a plan id (`Point.key`, as trials and witness rows store it) names: found, never decoded. */
  planned(planKey: string): Point | undefined;
  /** The point's summary row in one mode and metric, if the run measured it. */
  summary(key: PointKey, mode: Mode, metric: MetricName): PointSummary | undefined;
  /** The point's comparison of one metric (eBPF against legacy unless asked otherwise). */
  comparison(key: PointKey, metric: MetricName, baseline?: Mode, candidate?: Mode): Comparison | undefined;
}

interface Entry {
  point?: Point;
  rows: Map<string, PointSummary>;
  comparisons: Map<string, Comparison>;
}

const indexes = new WeakMap<Results, RunIndex>();

/** The run's index, built once per results value. */
export function runIndex(results: Results): RunIndex {
  const known = indexes.get(results);
  if (known) return known;
  const entries = new PointMap<Entry>();
  const entry = (key: PointKey) => entries.upsert(key, () => ({ rows: new Map(), comparisons: new Map() }));
  const byPlanKey = new Map<string, Point>();
  for (const point of [...allSweepPoints(results.sweep), ...results.trials.map((t) => t.point)]) {
    const e = entry(point);
    e.point ??= point;
    if (!byPlanKey.has(point.key)) byPlanKey.set(point.key, point);
  }
  for (const row of results.summary.points) entry(row).rows.set(`${row.mode}/${row.metric}`, row);
  for (const c of results.summary.comparisons)
    entry(c).comparisons.set(`${c.baseline}/${c.candidate}/${c.metric}`, c);
  const index: RunIndex = {
    point: (key) => entries.get(key)?.point,
    planned: (planKey) => byPlanKey.get(planKey),
    summary: (key, mode, metric) => entries.get(key)?.rows.get(`${mode}/${metric}`),
    comparison: (key, metric, baseline = "legacy", candidate = "ebpf") =>
      entries.get(key)?.comparisons.get(`${baseline}/${candidate}/${metric}`),
  };
  indexes.set(results, index);
  return index;
}

/** The netperf instances a point ran at once (1 for one). */
export function streamsAt(index: RunIndex, key: PointKey): number {
  return index.point(key)?.streams ?? 1;
}

/** A stream size in bytes as text: "1024 B", or "1024 B ×4 streams" for several instances. */
export function bytesLabel(index: RunIndex, key: PointKey): string {
  const point = index.point(key);
  const streams = point?.streams ?? 1;
  return streams === 1 || point === undefined
    ? `${key.size} B`
    : `${writtenSize(point)} B ×${streams} streams`;
}

/** Orders points by their size's first number (message or request size), then by streams. */
export function sizeOrder(index: RunIndex): (a: PointKey, b: PointKey) => number {
  const first = (key: PointKey) => {
    const point = index.point(key);
    return point?.messageSize ?? point?.requestSize ?? Number.parseFloat(key.size);
  };
  return (a, b) => first(a) - first(b) || streamsAt(index, a) - streamsAt(index, b);
}

/**
 * How the report names a point within its placement and test: its size label, then any further
 * dimension that is not the default (e.g. "1,1", "1024 ×4", "1,1 service"). The one place the
 * report labels a point's size.
 */
export function sizeText(key: PointKey): string {
  return [key.size, ...dimensions(key)].join(" ");
}

/** One key per distinct `sizeText` of some rows (the first row of each), in first-seen order. */
export function distinctSizes(rows: readonly PointKey[]): PointKey[] {
  const bySize = new Map<string, PointKey>();
  for (const row of rows) if (!bySize.has(sizeText(row))) bySize.set(sizeText(row), keyOf(row));
  return [...bySize.values()];
}

/** `distinctSizes`, ordered by `sizeOrder`. */
export function sizesOf(index: RunIndex, rows: readonly PointKey[]): PointKey[] {
  return distinctSizes(rows).sort(sizeOrder(index));
}

/** The same point at another placement. */
export function atPlacement(key: PointKey, placement: Placement): PointKey {
  return { ...keyOf(key), placement };
}

/** The comparisons the report is about: eBPF against legacy host routing. */
export function mainComparisons(results: Results): Comparison[] {
  return results.summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
}
