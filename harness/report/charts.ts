/**
 * The report's charts as vega-lite specifications: pure functions of the report model,
 * data inlined, so the same spec renders to SVG, PNG and HTML and is tested as a file.
 * Their shared look is in chart-style.ts.
 */
import type { TopLevelSpec } from "vega-lite";
import { METRICS, type MetricName, MODES, PLACEMENTS } from "../vocabulary/vocabulary.js";
import {
  costCharts,
  directChart,
  facetedBars,
  streamThroughputChart,
  udpStreamCharts,
} from "./bar-charts.js";
import type { ChartData } from "./chart-data.js";
import {
  base,
  type ChartSpec,
  frame,
  modeColor,
  modeColors,
  PLACEMENT_COLORS,
  sizeAxis,
} from "./chart-style.js";
import { serviceCountCharts } from "./service-count-chart.js";

function throughputChart(data: ChartData, placement: string): ChartSpec | null {
  const rows = data.throughput.filter((r) => r.placement === placement);
  if (rows.length === 0) return null;
  const x = sizeAxis(rows.map((r) => r.size));
  const color = modeColor(rows.map((r) => r.mode));
  return {
    id: `throughput-${placement}`,
    title: `TCP_STREAM throughput, ${placement}`,
    caption: `Median throughput per message size with its distribution-free 95% interval (band; none below 6 repetitions), ${placement}.`,
    spec: {
      ...base(`TCP_STREAM throughput vs message size (${placement})`),
      data: { values: rows },
      layer: [
        {
          mark: { type: "errorband", opacity: 0.25 },
          encoding: {
            x,
            y: { field: "low", type: "quantitative", title: "throughput (Gbit/s)" },
            y2: { field: "high" },
            color,
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "gbps", type: "quantitative", title: "throughput (Gbit/s)" },
            color,
            tooltip: [
              { field: "mode" },
              { field: "size", title: "bytes" },
              { field: "gbps", format: ".2f", title: "Gbit/s" },
              { field: "low", format: ".2f", title: "CI low" },
              { field: "high", format: ".2f", title: "CI high" },
              { field: "n" },
            ],
          },
        },
      ],
    } as TopLevelSpec,
  };
}

function gainChart(data: ChartData): ChartSpec | null {
  if (data.gain.length === 0) return null;
  const x = sizeAxis(data.gain.map((r) => r.size));
  const color = { field: "placement", type: "nominal" as const, scale: PLACEMENT_COLORS, title: "placement" };
  const published = data.publishedGain;
  return {
    id: "gain",
    title: "eBPF / legacy throughput gain",
    caption:
      "eBPF / legacy throughput: the geometric mean of the per-pair ratios with its 95% Student-t interval; 1.0 means no difference. Dashed lines: published gains from other setups, for orientation.",
    spec: {
      ...base("Throughput gain, eBPF / legacy host routing"),
      layer: [
        {
          data: { values: [{ y: 1 }] },
          mark: { type: "rule", color: "#4a5568", strokeWidth: 1.5 },
          encoding: { y: { field: "y", type: "quantitative" } },
        },
        {
          data: { values: published },
          mark: { type: "rule", strokeDash: [6, 4], opacity: 0.8 },
          encoding: { y: { field: "ratio", type: "quantitative" }, color },
        },
        {
          data: { values: data.gain.filter((r) => r.low !== null) },
          mark: { type: "errorbar", ticks: true },
          encoding: {
            x,
            y: { field: "low", type: "quantitative", title: "eBPF / legacy" },
            y2: { field: "high" },
            color,
          },
        },
        {
          data: { values: data.gain },
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "ratio", type: "quantitative", title: "eBPF / legacy" },
            color,
            tooltip: [
              { field: "placement" },
              { field: "size" },
              { field: "ratio", format: ".3f" },
              { field: "low", format: ".3f" },
              { field: "high", format: ".3f" },
              { field: "verdict" },
            ],
          },
        },
        // Labels last, over the data; a white halo under each keeps it legible where a line crosses it.
        ...["white", "#4a5568"].map((colour) => ({
          data: { values: published },
          mark: {
            type: "text",
            align: "left",
            dx: 4,
            dy: -6,
            fontSize: 10,
            color: colour,
            ...(colour === "white" ? { stroke: "white", strokeWidth: 4 } : {}),
          },
          encoding: {
            y: { field: "ratio", type: "quantitative" },
            x: { value: 0 },
            text: { field: "label" },
          },
        })),
      ],
    } as TopLevelSpec,
  };
}

/** TCP_RR keeps its plain chart ids (chart-latency.svg); other tests' ids name the test. */
const testId = (prefix: string, test: string) => (test === "TCP_RR" ? prefix : `${prefix}-${test}`);

function latencyCharts(data: ChartData): ChartSpec[] {
  return data.latency.map(({ test, rows }) =>
    facetedBars({
      id: testId("latency", test),
      title: `${test} latency percentiles`,
      caption:
        "Median of each percentile across repetitions with its distribution-free 95% interval (whiskers). Lower is better.",
      heading: `${test} latency by percentile (µs, lower is better)`,
      rows,
      x: { field: "percentile", sort: ["P50", "P90", "P99"] },
      y: { field: "us", title: "latency (µs)", format: ".1f" },
      ...(rows.some((r) => r.point !== undefined) ? { row: "point" } : {}),
    }),
  );
}

/** "transactions" or "connections": what a request/response test's rate counts. */
const countedUnit = (metric: MetricName) => METRICS[metric].counts ?? "transactions";

function rateChart({ test, metric, rows: data }: ChartData["rates"][number]): ChartSpec {
  const rows = data.map((r) => ({ ...r, row: `${r.source} · ${r.placement}` }));
  const withPublished = rows.some((r) => !r.ours);
  const per = countedUnit(metric);
  const y = {
    field: "row",
    type: "nominal" as const,
    title: null,
    // published bars below this run's; with none, the data's own order
    sort: withPublished ? { field: "ours", order: "descending" as const } : null,
    axis: { labelLimit: 320 },
  };
  const yOffset = { field: "mode", sort: [...MODES] };
  const color = modeColor(rows.map((r) => r.mode));
  const opacity = withPublished
    ? {
        opacity: {
          field: "ours",
          type: "ordinal" as const,
          scale: { domain: [true, false], range: [1, 0.4] },
          legend: { title: "source", labelExpr: "datum.label == 'true' ? 'this run' : 'published'" },
        },
      }
    : {};
  return {
    id: testId("tps", test),
    title: test === "TCP_RR" ? "Transactions per second" : `${test} ${per} per second`,
    caption: withPublished
      ? `${test} ${per} per second, median with 95% CI, beside published figures (lighter bars) measured on other machines with other setups: they orient, they do not validate.`
      : `${test} ${per} per second, median with 95% CI.`,
    spec: {
      ...base(
        `${test} ${per} per second${withPublished ? ": this run and published figures" : ""}`,
        520,
        Math.max(160, 42 * new Set(rows.map((r) => r.row)).size),
      ),
      data: { values: rows },
      layer: [
        {
          mark: "bar",
          encoding: {
            y,
            yOffset,
            x: { field: "perSec", type: "quantitative", title: `${per}/second` },
            color,
            ...opacity,
            tooltip: [
              { field: "source" },
              { field: "placement" },
              { field: "mode" },
              { field: "perSec", title: "tps", format: ",.0f" },
              { field: "low", format: ",.0f" },
              { field: "high", format: ",.0f" },
            ],
          },
        },
        {
          transform: [{ filter: "datum.low != null" }],
          mark: { type: "errorbar", ticks: true, color: "#1a202c" },
          encoding: {
            y,
            yOffset,
            x: { field: "low", type: "quantitative", title: `${per}/second` },
            x2: { field: "high" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

function repetitionsChart({ test, metric, rows }: ChartData["repetitions"][number]): ChartSpec {
  return {
    id: testId("repetitions", test),
    title: `Every ${test} repetition`,
    caption: `Each dot is one ${test} trial in run order: the noise, drift and outliers the medians summarise.`,
    spec: {
      ...frame(`Every ${test} repetition, in run order`),
      data: { values: rows },
      facet: { row: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] } },
      spec: {
        width: 560,
        height: 150,
        mark: { type: "point", filled: true, size: 50, opacity: 0.85 },
        encoding: {
          x: { field: "order", type: "quantitative", title: `trial order in the run (${test} trials)` },
          y: { field: "perSec", type: "quantitative", title: METRICS[metric].unit, scale: { zero: false } },
          color: {
            field: "mode",
            type: "nominal",
            scale: modeColors(rows.map((r) => r.mode)),
            title: "host routing",
          },
          tooltip: [{ field: "mode" }, { field: "block" }, { field: "perSec", title: "tps", format: ",.0f" }],
        },
      },
    } as TopLevelSpec,
  };
}

/** Every chart the data supports, in report order. */
export function buildCharts(data: ChartData): ChartSpec[] {
  return [
    throughputChart(data, "same-node"),
    throughputChart(data, "cross-node"),
    streamThroughputChart(data),
    gainChart(data),
    ...latencyCharts(data),
    ...data.rates.map(rateChart),
    ...serviceCountCharts(data.services),
    ...data.repetitions.map(repetitionsChart),
    ...udpStreamCharts(data),
    ...costCharts(data),
    directChart(data),
  ].filter((c): c is ChartSpec => c !== null);
}
