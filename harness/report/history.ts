/**
 * `routebench history`: each point's median and 95% CI across runs, in time order, labelled
 * by run label, with the steps `history check` detects marked on the charts and listed with
 * links to the runs on either side. Built from the same pieces as the report (vega-lite specs,
 * headless SVG, the HTML page shell). The specs are pure; `renderHistory` renders them.
 */
import type { TopLevelSpec } from "vega-lite";
import type { RunsAgreement } from "../history/agreement.js";
import type { HistoryCheck, StepKind } from "../history/check.js";
import { chronological, type HistoryRun } from "../history/runs.js";
import { seriesName } from "../stats/series.js";
import { keyOf } from "../sweep/point.js";
import { METRICS, type MetricName } from "../vocabulary/vocabulary.js";
import { AGREEMENT_METHOD, acrossRuns, agreementVerdict, machines, runRatios } from "./agreement-output.js";
import { text } from "./cells.js";
import { type ChartSpec, FONT, VEGA_LITE_SCHEMA } from "./chart-style.js";
import { formatWithInterval } from "./format.js";
import { stepLine } from "./history-output.js";
import { escapeHtml, htmlFigures, htmlPage, htmlTable } from "./html.js";
import { pointName } from "./points.js";
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
  /** The run's row in the page's run table. */
  href: string;
  /** A detected step starts at this run in this series. */
  step: StepKind | null;
}

/** The anchor of a run's row on the page (1-based, oldest first). */
export const runAnchor = (index: number) => `run-${index + 1}`;

/** Trend rows of the given runs, oldest first; the steps of `check` (if given) marked on the run they start at. */
export function trendRows(runs: readonly HistoryRun[], check?: HistoryCheck): TrendRow[] {
  // the steps of each series (its point, mode and metric: stats/series.ts), by the run they start at
  const steps = new Map<string, Map<string, StepKind>>();
  for (const s of check?.series ?? [])
    steps.set(s.name, new Map(s.steps.map((step) => [step.run.runId, step.kind])));
  return chronological(runs).flatMap((run, order) =>
    run.points
      .filter((p) => TREND_METRICS.includes(p.metric))
      .map((p) => {
        const series = seriesName({ ...keyOf(p), mode: p.mode, metric: p.metric });
        return {
          run: `${order + 1}. ${run.label}`,
          order,
          startedAt: run.startedAt,
          point: pointName(p),
          mode: p.mode,
          metric: p.metric,
          median: p.median,
          low: p.ciLow,
          high: p.ciHigh,
          href: `#${runAnchor(order)}`,
          step: steps.get(series)?.get(run.runId) ?? null,
        };
      }),
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
              href: { field: "href" },
              tooltip: [
                { field: "run" },
                { field: "mode" },
                { field: "median" },
                { field: "low" },
                { field: "high" },
              ],
            },
          },
          {
            transform: [{ filter: "datum.step != null" }],
            mark: { type: "point", shape: "triangle-down", size: 160, filled: true, yOffset: -12 },
            encoding: {
              x,
              y,
              // fill, not color: color is the mode's scale, and sharing it would merge the two
              fill: {
                field: "step",
                type: "nominal",
                title: "step starts",
                scale: {
                  domain: ["worse", "better", "within tolerance"],
                  range: ["#9b2c2c", "#276749", "#744210"],
                },
              },
              href: { field: "href" },
              tooltip: [{ field: "run" }, { field: "mode" }, { field: "step" }],
            },
          },
        ],
      },
    } as TopLevelSpec;
    return [
      {
        id: `trend-${metric}`,
        title: `${label.name} across runs`,
        caption: `Median and 95% CI of ${label.name} per point and mode, run by run; a triangle marks the run where a detected step starts. Each point links to its run.`,
        spec,
      },
    ];
  });
}

function runLink(index: number, label: string): string {
  return `<a href="#${runAnchor(index)}">${escapeHtml(`${index + 1}. ${label}`)}</a>`;
}

/** The detected steps, each with links to the last run before it and the first after it. */
function stepsSection(check: HistoryCheck): string {
  const rows = check.series.flatMap((s) =>
    s.steps.map(
      (step) =>
        `<tr class="${step.kind === "worse" ? "worse" : step.kind === "better" ? "better" : "ns"}"><td>${escapeHtml(s.name)}</td><td>${runLink(step.previous.index, step.previous.label)} → ${runLink(step.run.index, step.run.label)}</td><td>${escapeHtml(step.run.gitCommit ?? "–")}</td><td>${escapeHtml(stepLine(step))}</td></tr>`,
    ),
  );
  const body = rows.length
    ? `<table><thead><tr><th>Series</th><th>Between runs</th><th>Commit</th><th>Step</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`
    : "<p>No step detected.</p>";
  return `<section class="table" id="table-steps"><h3>Detected steps</h3>${body}<p class="table-note">${escapeHtml(
    `${check.decision.reason}. Method: ${check.method}.`,
  )}</p></section>`;
}

/** The runs, each row an anchor the charts and the steps link to, with links to its neighbours. */
function runsSection(sorted: readonly HistoryRun[]): string {
  const rows = sorted.map((r, i) => {
    const previous = i > 0 ? runLink(i - 1, sorted[i - 1]?.label ?? "") : "–";
    const next = i + 1 < sorted.length ? runLink(i + 1, sorted[i + 1]?.label ?? "") : "–";
    const cells = [r.label, r.runId, r.startedAt, r.state, r.kernel, r.gitCommit ?? "–", r.sweepName].map(
      (c) => `<td>${escapeHtml(c)}</td>`,
    );
    return `<tr id="${runAnchor(i)}"><td>${i + 1}</td>${cells.join("")}<td>${previous}</td><td>${next}</td></tr>`;
  });
  return `<section class="table" id="table-runs"><h3>Runs</h3><table><thead><tr><th>#</th><th>Label</th><th>Run</th><th>Started</th><th>State</th><th>Kernel</th><th>Commit</th><th>Sweep</th><th>Previous</th><th>Next</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

/** Each comparison's ratio run by run, whether the runs differ, and the ratio across them. */
function agreementSection(result: RunsAgreement): string {
  return htmlTable({
    id: "agreement",
    title: "Do the runs agree?",
    columns: ["Comparison", "Each run (95% CI)", "Across the runs (95% CI)", "Runs"],
    rows: result.comparisons.map((c) => [
      text(c.name),
      text(runRatios(c)),
      text(acrossRuns(c)),
      text(agreementVerdict(c)),
    ]),
    note: `${result.runs.length} runs ${machines(result)}. A run's CI covers what varied within it. When the runs differ by more than those CIs allow (the host's state moved the ratio between runs, or the runs' CIs are too narrow), one run's CI understates the spread between runs; the ratio across the runs is the mean over runs like these, with its confidence interval (not a prediction of the next run). Method: ${AGREEMENT_METHOD}.`,
  });
}

/** The history page: trend charts with detected steps, the steps, the agreement of runs, the runs and every run's medians. */
export async function renderHistory(
  runs: readonly HistoryRun[],
  check?: HistoryCheck,
  agreement?: RunsAgreement,
): Promise<string> {
  const rows = trendRows(runs, check);
  const charts = [];
  for (const chart of trendCharts(rows)) charts.push({ ...chart, svg: await renderSvg(chart.spec) });
  const sorted = chronological(runs);
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
  const warning = check?.mixedSweeps
    ? `<p class="note">${escapeHtml(`Runs of different sweeps: ${check.mixedSweeps}. Their figures are drawn side by side but measure different things; steps were searched in the newest sweep's runs only.`)}</p>`
    : "";
  return htmlPage(
    "routebench history",
    `<header><h1>routebench history</h1><p class="meta">${escapeHtml(`${runs.length} runs, ${sorted[0]?.startedAt ?? ""} → ${sorted.at(-1)?.startedAt ?? ""}`)}</p></header>
${warning}<h2>Trends</h2><div class="charts">${htmlFigures(charts)}</div>
${check ? `<h2>Changes</h2>${stepsSection(check)}` : ""}
${agreement ? `<h2>Agreement</h2>${agreementSection(agreement)}` : ""}
<h2>Runs</h2>${runsSection(sorted)}${medians}`,
  );
}
