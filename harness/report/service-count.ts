/**
 * The Service-count view (issue 23): for a run whose points vary over the Service count
 * (`lab.services`), TCP_CRR connections per second and TCP_RR latency against the count, one
 * series per mode with each point's 95% interval, and eBPF/legacy at each count with its
 * interval. The figures are the summary's own (medians and intervals per point, comparisons),
 * found through the run's index; nothing is re-estimated here. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import { dimensions, distinctPoints, keyOf, type PointKey } from "../sweep/point.js";
import {
  METRICS,
  type MetricName,
  type Mode,
  PLACEMENTS,
  type RequestResponseTest,
} from "../vocabulary/vocabulary.js";
import { type Cell, count, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { type ChartSpec, frame, modeColor } from "./chart-style.js";
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

/** One test's metric against the Service count. */
export interface ServiceCountSeries {
  test: RequestResponseTest;
  metric: MetricName;
  rows: ServiceCountRow[];
  ratios: ServiceCountRatio[];
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
    return [{ test, metric, rows, ratios }];
  });
}

/** "connections/s" or "µs": what the chart's y axis counts. */
const axisTitle = (metric: MetricName) => `${METRICS[metric].name} (${shownUnit(metric).unit})`;

/**
 * One chart per plotted test: the metric against the Service count (log scale, ticks at the
 * counts measured), a line per mode with each point's 95% interval as whiskers; a panel per
 * placement, and a row per point when the run varied more than the count (destination, family).
 */
export function serviceCountCharts(series: readonly ServiceCountSeries[]): ChartSpec[] {
  return series.map(({ test, metric, rows }) => {
    const counts = [...new Set(rows.map((r) => r.services))].sort((a, b) => a - b);
    const x = {
      field: "services",
      type: "quantitative" as const,
      scale: { type: "log" as const, base: 10 },
      title: "Services on the client's node (log scale)",
      axis: { values: counts, format: "," },
    };
    const title = axisTitle(metric);
    const y = { field: "value", type: "quantitative" as const, title, scale: { zero: false } };
    const color = modeColor(rows.map((r) => r.mode));
    const better = `${METRICS[metric].better} is better`;
    return {
      id: `services-${test}`,
      title: `${test} ${METRICS[metric].name} by Service count`,
      caption: `${test} ${METRICS[metric].name} against the number of Services set up on the client's node (legacy: kube-proxy iptables chains; eBPF: socket-LB map entries), ${better}: median across repetitions per mode with its distribution-free 95% interval (whiskers; none below 6 repetitions). eBPF/legacy at each count, with its interval, is in the table of the same name.`,
      spec: {
        ...frame(`${test} ${METRICS[metric].name} vs Service count (${better})`),
        data: { values: rows },
        facet: {
          column: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] },
          row: { field: "point", type: "nominal", title: null },
        },
        spec: {
          width: 260,
          height: 200,
          layer: [
            {
              transform: [{ filter: "datum.low != null" }],
              mark: { type: "errorbar", ticks: true },
              encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color },
            },
            {
              mark: { type: "line", point: true },
              encoding: {
                x,
                y,
                color,
                tooltip: [
                  { field: "mode" },
                  { field: "point" },
                  { field: "services", title: "Services", format: "," },
                  { field: "value", title, format: ",.1f" },
                  { field: "low", format: ",.1f" },
                  { field: "high", format: ",.1f" },
                  { field: "n" },
                ],
              },
            },
          ],
        },
      } as TopLevelSpec,
    };
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
    const unit = shownUnit(metric).unit;
    return [
      {
        id: `services-${test}`,
        title: `${test} ${METRICS[metric].name} by Service count`,
        columns: ["Placement", "Point", "Services", ...modes.map((m) => `${m} (${unit})`), "eBPF / legacy"],
        rows: keys.map((key): Cell[] => [
          text(placementName(key.placement)),
          text(countedPointLabel(key)),
          count(key.services as number),
          ...modes.map((mode) => estimateCell(index.summary(key, mode, metric))),
          ratioCell(index.comparison(key, metric)),
        ]),
        note: `How ${METRICS[metric].name} changes with the number of Services on the client's node (legacy: kube-proxy iptables chains; eBPF: socket-LB map entries). Cells: median ± half its distribution-free 95% interval (or [low, high] when asymmetric); eBPF / legacy: the run's comparison at that count, geometric mean of per-pair ratios [95% t interval], with its verdict after Holm.`,
      },
    ];
  });
}
