/**
 * Faceted bar charts with 95% whiskers (one panel per placement, bars by mode), and the charts
 * built from them for what the seed did not measure: UDP_STREAM rates and loss, several-stream
 * throughput, CPU cost per unit of work and the share of the direct path. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { METRICS, MODES, PLACEMENTS } from "../vocabulary/vocabulary.js";
import type { BarRow, ChartData } from "./chart-data.js";
import { type ChartSpec, frame, modeColor } from "./chart-style.js";

/** A faceted grouped-bar chart: one panel per placement, bars by mode at each `x`, with 95% whiskers. */
export interface FacetedBars {
  id: string;
  title: string;
  caption: string;
  /** The title drawn on the chart. */
  heading: string;
  rows: readonly { placement: string; mode: string; low: number | null; high: number | null }[];
  x: { field: string; sort: string[] };
  y: { field: string; title: string; format: string };
  /** Panel width in pixels. */
  width?: number;
  /** A dashed rule at this y value (e.g. 100 on a percentage-of-baseline axis). */
  reference?: number;
  /** A field whose values each get a row of panels (e.g. the point, when a test has several). */
  row?: string;
}

export function facetedBars(chart: FacetedBars): ChartSpec {
  const { x, y } = chart;
  const color = modeColor(chart.rows.map((r) => r.mode));
  const xOffset = { field: "mode", sort: [...MODES] };
  const reference =
    chart.reference === undefined
      ? []
      : [
          {
            mark: { type: "rule", color: "#4a5568", strokeDash: [4, 3] },
            encoding: { y: { datum: chart.reference } },
          },
        ];
  return {
    id: chart.id,
    title: chart.title,
    caption: chart.caption,
    spec: {
      ...frame(chart.heading),
      data: { values: chart.rows },
      facet: {
        column: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] },
        ...(chart.row ? { row: { field: chart.row, type: "nominal", title: null } } : {}),
      },
      spec: {
        width: chart.width ?? 260,
        height: 260,
        layer: [
          {
            mark: "bar",
            encoding: {
              x: { field: x.field, type: "nominal", title: null, sort: x.sort, axis: { labelAngle: 0 } },
              xOffset,
              y: { field: y.field, type: "quantitative", title: y.title },
              color,
              tooltip: [
                { field: "mode" },
                { field: x.field },
                { field: y.field, format: y.format },
                { field: "low", format: y.format },
                { field: "high", format: y.format },
              ],
            },
          },
          {
            mark: { type: "errorbar", ticks: true, color: "#1a202c" },
            encoding: {
              x: { field: x.field, type: "nominal", sort: x.sort },
              xOffset,
              y: { field: "low", type: "quantitative", title: y.title },
              y2: { field: "high" },
            },
          },
          ...reference,
        ],
      },
    } as TopLevelSpec,
  };
}

/** Bars grouped by `x` (in first-seen order), wide enough for labels such as "TCP_CRR 1024,1024". */
export function barsByX(
  chart: Omit<FacetedBars, "x" | "width" | "rows"> & { rows: readonly BarRow[] },
): ChartSpec | null {
  if (chart.rows.length === 0) return null;
  const sort = [...new Set(chart.rows.map((r) => r.x))];
  return facetedBars({ ...chart, x: { field: "x", sort }, width: Math.max(260, 120 * sort.length) });
}

export function udpStreamCharts(data: ChartData): (ChartSpec | null)[] {
  return [
    barsByX({
      id: "udp-stream-rate",
      title: "UDP_STREAM rate sent and received",
      caption:
        "UDP_STREAM per message size: the rate the sender offered and the rate the receiver got, medians with their distribution-free 95% intervals (whiskers). The gap between them is datagrams lost on the way; the received rate is the throughput.",
      heading: "UDP_STREAM sent and received rate (Gbit/s)",
      rows: data.udpStream.rate,
      y: { field: "value", title: "rate (Gbit/s)", format: ".2f" },
    }),
    barsByX({
      id: "udp-stream-loss",
      title: "UDP_STREAM datagram loss",
      caption:
        "Share of the datagrams sent that the receiver did not get, median across repetitions with its distribution-free 95% interval (whiskers). Lower is better. Described, not compared: loss can be 0 in every trial of a mode.",
      heading: "UDP_STREAM datagram loss (%, lower is better)",
      rows: data.udpStream.loss,
      y: { field: "value", title: "datagrams lost (%)", format: ".2f" },
    }),
  ];
}

export function streamThroughputChart(data: ChartData): ChartSpec | null {
  return barsByX({
    id: "throughput-streams",
    title: "TCP_STREAM throughput, several streams",
    caption:
      "TCP_STREAM run by several netperf instances at once: their throughputs summed, median across repetitions with its distribution-free 95% interval (whiskers).",
    heading: "TCP_STREAM throughput with several streams (Gbit/s)",
    rows: data.streamThroughput,
    y: { field: "value", title: "throughput (Gbit/s)", format: ".2f" },
  });
}

export function costCharts(data: ChartData): (ChartSpec | null)[] {
  return data.cost.map(({ metric, rows }) => {
    const { name, unit } = METRICS[metric];
    return barsByX({
      id: `cpu-${metric}`,
      title: name,
      caption: `${name}: the benchmark CPU's busy time divided by the work done, median across repetitions with its distribution-free 95% interval (whiskers). Lower is better. The method and its caveats are under the table of the same name.`,
      heading: `${name} (${unit}, lower is better)`,
      rows,
      y: { field: "value", title: `${name} (${unit})`, format: ".2f" },
    });
  });
}

export function directChart(data: ChartData): ChartSpec | null {
  return barsByX({
    id: "direct",
    title: "Share of the direct path",
    caption:
      "Legacy and eBPF host routing as a percentage of the direct path at the same point (two pods over one veth pair of their own, no host routing: the floor any host routing can reach on this machine): transaction rate for request/response tests, throughput for streams. Geometric mean of per-pair ratios with its 95% t interval (whiskers); the dashed line is the direct path.",
    heading: "Host routing as % of the direct path (higher is closer)",
    rows: data.direct,
    y: { field: "value", title: "% of the direct path", format: ".1f" },
    reference: 100,
  });
}
