/**
 * `routebench history`: each point's median and 95% CI across runs, in time order, labelled
 * by run label. Built from the same pieces as the report (vega-lite specs, headless SVG, the
 * HTML page shell). The specs are pure; `renderHistory` renders them.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../results/schema.js";
import { METRICS, type MetricName } from "../vocabulary/vocabulary.js";
import { count, text } from "./cells.js";
import { type ChartSpec, FONT, VEGA_LITE_SCHEMA } from "./chart-style.js";
import { formatWithInterval } from "./format.js";
import { escapeHtml, htmlFigures, htmlPage, htmlTable } from "./html.js";
import { renderSvg } from "./render.js";

const TREND_METRICS: MetricName[] = ["throughputMbps", "transactionsPerSec", "p99Us"];

export interface TrendRow {
  run: string;
  order: number;
  startedAt: string;
  point: string;
  mode: string;
  metric: MetricName;
  median: number;
  low: number | null;
  high: number | null;
}

/** Trend rows of the given runs, oldest first. */
export function trendRows(runs: readonly Results[]): TrendRow[] {
  const sorted = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return sorted.flatMap((results, order) =>
    results.summary.points
      .filter((p) => TREND_METRICS.includes(p.metric))
      .map((p) => ({
        run: `${order + 1}. ${results.label}`,
        order,
        startedAt: results.startedAt,
        point: `${p.placement} ${p.test} ${p.size}`,
        mode: p.mode,
        metric: p.metric,
        median: p.median,
        low: p.ciLow,
        high: p.ciHigh,
      })),
  );
}

export function trendCharts(rows: readonly TrendRow[]): ChartSpec[] {
  const runs = [...new Map(rows.map((r) => [r.run, r.order])).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([run]) => run);
  return TREND_METRICS.flatMap((metric) => {
    const data = rows.filter((r) => r.metric === metric);
    if (data.length === 0) return [];
    const label = METRICS[metric];
    const x = {
      field: "run",
      type: "ordinal" as const,
      sort: runs,
      title: "run (oldest first)",
      axis: { labelAngle: -30, labelLimit: 200 },
    };
    const y = {
      field: "median",
      type: "quantitative" as const,
      title: `${label.name} (${label.unit})`,
      scale: { zero: false },
    };
    const color = { field: "mode", type: "nominal" as const, title: "host routing" };
    const spec = {
      $schema: VEGA_LITE_SCHEMA,
      title: `${label.name} across runs`,
      background: "white",
      config: { font: FONT },
      data: { values: data },
      facet: { row: { field: "point", type: "nominal", title: null } },
      resolve: { scale: { y: "independent" } },
      spec: {
        width: 560,
        height: 110,
        layer: [
          {
            mark: { type: "errorbar", ticks: true },
            encoding: {
              x,
              y: { field: "low", type: "quantitative", title: y.title },
              y2: { field: "high" },
              color,
            },
          },
          {
            mark: { type: "line", point: true },
            encoding: {
              x,
              y,
              color,
              tooltip: [
                { field: "run" },
                { field: "mode" },
                { field: "median" },
                { field: "low" },
                { field: "high" },
              ],
            },
          },
        ],
      },
    } as TopLevelSpec;
    return [
      {
        id: `trend-${metric}`,
        title: `${label.name} across runs`,
        caption: `Median and 95% CI of ${label.name} per point and mode, run by run.`,
        spec,
      },
    ];
  });
}

/** The history page: trend charts and a table of every run's medians. */
export async function renderHistory(runs: readonly Results[]): Promise<string> {
  const rows = trendRows(runs);
  const charts = [];
  for (const chart of trendCharts(rows)) charts.push({ ...chart, svg: await renderSvg(chart.spec) });
  const sorted = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const table = htmlTable({
    id: "runs",
    title: "Runs",
    columns: ["#", "Label", "Run", "Started", "State", "Kernel", "Commit"],
    rows: sorted.map((r, i) => [
      count(i + 1),
      text(r.label),
      text(r.runId),
      text(r.startedAt),
      text(r.state),
      text(r.environment.kernel),
      text(r.environment.gitCommit ?? "–"),
    ]),
  });
  const medians = htmlTable({
    id: "medians",
    title: "Medians with 95% CIs",
    columns: ["Run", "Point", "Mode", "Metric", "Median"],
    rows: rows.map((r) => [
      text(r.run),
      text(r.point),
      text(r.mode),
      text(METRICS[r.metric].name),
      text(formatWithInterval(r.median, r.low, r.high)),
    ]),
  });
  return htmlPage(
    "routebench history",
    `<header><h1>routebench history</h1><p class="meta">${escapeHtml(`${runs.length} runs, ${sorted[0]?.startedAt ?? ""} → ${sorted.at(-1)?.startedAt ?? ""}`)}</p></header>
<h2>Trends</h2><div class="charts">${htmlFigures(charts)}</div>
<h2>Runs</h2>${table}${medians}`,
  );
}
