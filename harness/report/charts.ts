/**
 * The report's charts as vega-lite specifications: pure functions of the report model,
 * data inlined, so the same spec renders to SVG, PNG and HTML and is tested as a file.
 * Their shared look is in chart-style.ts.
 */
import type { TopLevelSpec } from "vega-lite";
import { MODES, PLACEMENTS } from "../vocabulary/vocabulary.js";
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

function latencyChart(data: ChartData): ChartSpec | null {
  if (data.latency.length === 0) return null;
  const color = modeColor(data.latency.map((r) => r.mode));
  return {
    id: "latency",
    title: "TCP_RR latency percentiles",
    caption:
      "Median of each percentile across repetitions with its distribution-free 95% interval (whiskers). Lower is better.",
    spec: {
      ...frame("TCP_RR latency by percentile (µs, lower is better)"),
      data: { values: data.latency },
      facet: {
        column: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] },
      },
      spec: {
        width: 260,
        height: 260,
        layer: [
          {
            mark: "bar",
            encoding: {
              x: {
                field: "percentile",
                type: "nominal",
                title: null,
                sort: ["P50", "P90", "P99"],
                axis: { labelAngle: 0 },
              },
              xOffset: { field: "mode", sort: [...MODES] },
              y: { field: "us", type: "quantitative", title: "latency (µs)" },
              color,
              tooltip: [
                { field: "mode" },
                { field: "percentile" },
                { field: "us", format: ".1f" },
                { field: "low", format: ".1f" },
                { field: "high", format: ".1f" },
              ],
            },
          },
          {
            mark: { type: "errorbar", ticks: true, color: "#1a202c" },
            encoding: {
              x: { field: "percentile", type: "nominal", sort: ["P50", "P90", "P99"] },
              xOffset: { field: "mode", sort: [...MODES] },
              y: { field: "low", type: "quantitative", title: "latency (µs)" },
              y2: { field: "high" },
            },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

function tpsChart(data: ChartData): ChartSpec | null {
  if (data.tps.length === 0) return null;
  const rows = data.tps.map((r) => ({ ...r, row: `${r.source} · ${r.placement}` }));
  const y = {
    field: "row",
    type: "nominal" as const,
    title: null,
    sort: { field: "ours", order: "descending" as const },
    axis: { labelLimit: 320 },
  };
  const yOffset = { field: "mode", sort: [...MODES] };
  const color = modeColor(rows.map((r) => r.mode));
  return {
    id: "tps",
    title: "Transactions per second",
    caption:
      "TCP_RR transactions per second, median with 95% CI, beside published figures (lighter bars) measured on other machines with other setups: they orient, they do not validate.",
    spec: {
      ...base(
        "TCP_RR transactions per second: this run and published figures",
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
            x: { field: "tps", type: "quantitative", title: "transactions/second" },
            color,
            opacity: {
              field: "ours",
              type: "ordinal",
              scale: { domain: [true, false], range: [1, 0.4] },
              legend: { title: "source", labelExpr: "datum.label == 'true' ? 'this run' : 'published'" },
            },
            tooltip: [
              { field: "source" },
              { field: "placement" },
              { field: "mode" },
              { field: "tps", format: ",.0f" },
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
            x: { field: "low", type: "quantitative", title: "transactions/second" },
            x2: { field: "high" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

function repetitionsChart(data: ChartData): ChartSpec | null {
  if (data.repetitions.length === 0) return null;
  return {
    id: "repetitions",
    title: "Every TCP_RR repetition",
    caption:
      "Each dot is one TCP_RR trial in run order: the noise, drift and outliers the medians summarise.",
    spec: {
      ...frame("Every TCP_RR repetition, in run order"),
      data: { values: data.repetitions },
      facet: { row: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] } },
      spec: {
        width: 560,
        height: 150,
        mark: { type: "point", filled: true, size: 50, opacity: 0.85 },
        encoding: {
          x: { field: "order", type: "quantitative", title: "trial order in the run (TCP_RR trials)" },
          y: { field: "tps", type: "quantitative", title: "trans/s", scale: { zero: false } },
          color: {
            field: "mode",
            type: "nominal",
            scale: modeColors(data.repetitions.map((r) => r.mode)),
            title: "host routing",
          },
          tooltip: [{ field: "mode" }, { field: "block" }, { field: "tps", format: ",.0f" }],
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
    gainChart(data),
    latencyChart(data),
    tpsChart(data),
    repetitionsChart(data),
  ].filter((c): c is ChartSpec => c !== null);
}
