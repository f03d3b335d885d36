/**
 * The Service-count view (issue 23): for a run whose points vary over the Service count
 * (`lab.services`), TCP_CRR connections per second and TCP_RR latency against the count, one
 * series per mode with each point's 95% interval, and eBPF/legacy at each count with its
 * interval. The figures are the summary's own (medians and intervals per point, comparisons),
 * found through the run's index. One figure is estimated here: how much each mode changed from
 * the fewest Services to each other count, the same per-block log-ratio estimator as the
 * modes' comparison (stats/ratio.ts), paired by block in an interleaved run (a block runs every
 * count), with its 95% interval. Pure.
 */
import type { Results } from "../results/schema.js";
import { PointTrials } from "../stats/point-comparison.js";
import { pairedRatio, unpairedRatio } from "../stats/ratio.js";
import type { Comparison } from "../stats/summary.js";
import { dimensions, distinctPoints, keyOf, type PointKey } from "../sweep/point.js";
import {
  METRICS,
  type MetricName,
  type Mode,
  PLACEMENTS,
  type RequestResponseTest,
} from "../vocabulary/vocabulary.js";
import { type Cell, count, empty, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { shownUnit } from "./format.js";
import { placementName, runIndex } from "./points.js";

/** One mode's figure at one Service count, in the unit the report shows the metric in. */
export interface ServiceCountRow {
  placement: string;
  /** The point without its Service count (`countedPointLabel`: "1,1 → pod", "1,1 → service ipv6"). */
  point: string;
  mode: Mode;
  services: number;
  value: number;
  low: number | null;
  high: number | null;
  n: number;
}

/** eBPF / legacy at one Service count: the run's comparison of the point. */
export interface ServiceCountRatio {
  placement: string;
  point: string;
  services: number;
  ratio: number;
  low: number | null;
  high: number | null;
  verdict: Comparison["verdict"];
}

/** One mode at one count against the same mode and point at the fewest Services of the run. */
export interface ServiceCountChange {
  placement: string;
  point: string;
  mode: Mode;
  /** The count compared, and the fewest it is compared with. */
  services: number;
  from: number;
  /** Geometric mean of value(services) / value(from) over the blocks that ran both, with its 95% interval. */
  ratio: number;
  low: number | null;
  high: number | null;
  n: number;
}

/** One test's metric against the Service count. */
export interface ServiceCountSeries {
  test: RequestResponseTest;
  metric: MetricName;
  rows: ServiceCountRow[];
  ratios: ServiceCountRatio[];
  changes: ServiceCountChange[];
}

/**
 * The figures plotted against the Service count, in this order: TCP_CRR's connection rate (a
 * new connection per transaction, so every transaction meets the Service translation), and
 * TCP_RR's median latency (its mean when the run summarised no P50).
 */
const PLOTTED: readonly { test: RequestResponseTest; metrics: readonly MetricName[] }[] = [
  { test: "TCP_CRR", metrics: ["connectionsPerSec"] },
  { test: "TCP_RR", metrics: ["p50Us", "meanLatencyUs"] },
];

/** The point a row belongs to once its Service count is set aside. */
const withoutCount = (key: PointKey): PointKey => {
  const { services: _count, ...rest } = keyOf(key);
  return rest;
};

/**
 * How a row names its point: the size and where the client connects, then any other dimension
 * not at its default ("1,1 → pod", "1,1 → service ipv6"). Both destinations are named, since
 * both meet the Service table (every new connection of the legacy path walks KUBE-SERVICES).
 */
export function countedPointLabel(key: PointKey): string {
  const { destination = "pod", ...rest } = withoutCount(key);
  return [`${key.size} → ${destination}`, ...dimensions(rest)].join(" ");
}

/** The metric a plotted test is shown by in this run, if the run summarised the test. */
function plottedMetric(results: Results, test: RequestResponseTest, metrics: readonly MetricName[]) {
  return metrics.find((m) => results.summary.points.some((p) => p.test === test && p.metric === m));
}

/**
 * The distinct points of `test` measured in `metric` at two Service counts or more (with the
 * same placement and every other dimension), by placement, then point, then count.
 */
function countedPoints(results: Results, test: RequestResponseTest, metric: MetricName): PointKey[] {
  const keys = distinctPoints(
    results.summary.points.filter((p) => p.test === test && p.metric === metric && p.services !== undefined),
  );
  const group = (key: PointKey) => `${key.placement}/${countedPointLabel(key)}`;
  const groups = [...new Set(keys.map(group))];
  const counts = (key: PointKey) => keys.filter((k) => group(k) === group(key)).length;
  return keys
    .filter((key) => counts(key) >= 2)
    .sort(
      (a, b) =>
        PLACEMENTS.indexOf(a.placement) - PLACEMENTS.indexOf(b.placement) ||
        groups.indexOf(group(a)) - groups.indexOf(group(b)) ||
        (a.services as number) - (b.services as number),
    );
}

/**
 * Per plotted test, its points at two or more Service counts: each mode's median and interval,
 * and eBPF/legacy per count. Empty when no point of the run varies over the count.
 */
export function serviceCountData(results: Results): ServiceCountSeries[] {
  const index = runIndex(results);
  return PLOTTED.flatMap(({ test, metrics }) => {
    const metric = plottedMetric(results, test, metrics);
    if (!metric) return [];
    const keys = countedPoints(results, test, metric);
    const { scale } = shownUnit(metric);
    const scaled = (x: number | null) => (x === null ? null : x * scale);
    const rows: ServiceCountRow[] = keys.flatMap((key) =>
      results.sweep.modes.flatMap((mode) => {
        const p = index.summary(key, mode, metric);
        return p
          ? [
              {
                placement: key.placement,
                point: countedPointLabel(key),
                mode,
                services: key.services as number,
                value: p.median * scale,
                low: scaled(p.ciLow),
                high: scaled(p.ciHigh),
                n: p.n,
              },
            ]
          : [];
      }),
    );
    if (rows.length === 0) return [];
    const ratios: ServiceCountRatio[] = keys.flatMap((key) => {
      const c = index.comparison(key, metric);
      return c
        ? [
            {
              placement: key.placement,
              point: countedPointLabel(key),
              services: key.services as number,
              ratio: c.ratio,
              low: c.ciLow,
              high: c.ciHigh,
              verdict: c.verdict,
            },
          ]
        : [];
    });
    return [{ test, metric, rows, ratios, changes: countChanges(results, keys, metric) }];
  });
}

/**
 * Per counted point and mode, the change from the fewest Services of its group: paired by
 * block where the run interleaved (each block ran every count), else unpaired.
 */
function countChanges(results: Results, keys: readonly PointKey[], metric: MetricName): ServiceCountChange[] {
  const index = runIndex(results);
  const fewest = new Map<string, PointKey>();
  for (const key of keys) {
    const group = `${key.placement}/${countedPointLabel(key)}`;
    const known = fewest.get(group);
    if (!known || (key.services as number) < (known.services as number)) fewest.set(group, key);
  }
  const valuesOf = (key: PointKey, mode: Mode) => {
    const planned = index.point(key)?.key;
    return planned
      ? new PointTrials(planned, results.trials, results.sweep.order).values(mode, metric)
      : new Map<number, number>();
  };
  return keys.flatMap((key) => {
    const base = fewest.get(`${key.placement}/${countedPointLabel(key)}`) as PointKey;
    if (base.services === key.services) return [];
    return results.sweep.modes.flatMap((mode) => {
      const before = valuesOf(base, mode);
      const after = valuesOf(key, mode);
      const estimate =
        results.sweep.order === "interleaved"
          ? (() => {
              const blocks = [...before.keys()].filter((b) => after.has(b)).sort((a, b) => a - b);
              return pairedRatio(
                blocks.map((b) => before.get(b) as number),
                blocks.map((b) => after.get(b) as number),
              );
            })()
          : unpairedRatio([...before.values()], [...after.values()]);
      if (!estimate) return [];
      return [
        {
          placement: key.placement,
          point: countedPointLabel(key),
          mode,
          services: key.services as number,
          from: base.services as number,
          ratio: estimate.ratio,
          low: estimate.ciLow,
          high: estimate.ciHigh,
          n: estimate.n,
        },
      ];
    });
  });
}

/**
 * Per plotted test, a table by Service count: each mode's median and interval and eBPF/legacy
 * with its interval and verdict (the run's comparison at that point).
 */
export function serviceCountTables(results: Results): Table[] {
  const index = runIndex(results);
  const modes = results.sweep.modes;
  return PLOTTED.flatMap(({ test, metrics }) => {
    const metric = plottedMetric(results, test, metrics);
    const keys = metric ? countedPoints(results, test, metric) : [];
    if (!metric || keys.length === 0) return [];
    const changes = countChanges(results, keys, metric);
    const unit = shownUnit(metric).unit;
    return [
      {
        id: `services-${test}`,
        title: `${test} ${METRICS[metric].name} by Service count`,
        columns: [
          "Placement",
          "Point",
          "Services",
          ...modes.map((m) => `${m} (${unit})`),
          ...modes.map((m) => `${m}: vs fewest Services`),
          "eBPF / legacy",
        ],
        rows: keys.map((key): Cell[] => {
          const change = (mode: Mode): Cell => {
            const c = changes.find(
              (x) =>
                x.placement === key.placement &&
                x.point === countedPointLabel(key) &&
                x.services === key.services &&
                x.mode === mode,
            );
            return c ? { kind: "ratio", ratio: c.ratio, low: c.low, high: c.high } : empty("–");
          };
          return [
            text(placementName(key.placement)),
            text(countedPointLabel(key)),
            count(key.services as number),
            ...modes.map((mode) => estimateCell(index.summary(key, mode, metric))),
            ...modes.map(change),
            ratioCell(index.comparison(key, metric)),
          ];
        }),
        note: `How ${METRICS[metric].name} changes with the number of Services on the client's node (legacy: kube-proxy iptables chains; eBPF: socket-LB map entries). Cells: median ± half its distribution-free 95% interval (or [low, high] when asymmetric); vs fewest Services: the mode's figure at this count over its figure at the run's fewest, geometric mean of per-block ratios [95% t interval] (described, not judged); eBPF / legacy: the run's comparison at that count, geometric mean of per-pair ratios [95% t interval], with its verdict after Holm.`,
      },
    ];
  });
}
