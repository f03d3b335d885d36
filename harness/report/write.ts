/** Writes a report folder: index.html, report.md, chart SVGs and PNGs, CSVs (witness.csv when a witness ran). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Results } from "../results/schema.js";
import { buildCharts } from "./charts.js";
import { datasetCsv } from "./csv.js";
import { explainFiles } from "./explain-files.js";
import { type ExplainFigure, explainHtml, explainMarkdown } from "./explain-render.js";
import { explainSection, stackedBarsSvg } from "./explain-section.js";
import { REPORT_FORMATS, type ReportFormat } from "./formats.js";
import { type RenderedChart, renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReportModel } from "./model.js";
import { loadPublished } from "./published.js";
import { renderPng, renderSvg } from "./render.js";

export async function writeReport(
  results: Results,
  outDir: string,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
  /** The run folder, where explain's folded stacks are (profiles/); without it the report has no flame graphs. */
  runDir?: string,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const model = buildReportModel(results, loadPublished());
  const specs = buildCharts(model.charts);
  const written: string[] = [];
  const write = async (name: string, content: string | Buffer) => {
    const file = join(outDir, name);
    await writeFile(file, content);
    written.push(file);
  };
  const rendered: RenderedChart[] = [];
  if (formats.some((f) => f === "html" || f === "svg" || f === "png")) {
    for (const chart of specs)
      rendered.push({
        id: chart.id,
        title: chart.title,
        caption: chart.caption,
        svg: await renderSvg(chart.spec),
      });
  }
  // explain: where the time goes (stacked bars, differential flame graphs, folded stacks)
  const section = explainSection(results);
  const files = section && runDir ? explainFiles(results, runDir) : null;
  const figures: ExplainFigure[] = section
    ? [
        {
          id: "explain-bars",
          title: "CPU time per unit of work by subsystem",
          caption:
            "Each mode's CPU time per unit of work on the benchmark CPU, by kernel subsystem (means over blocks; the tables give intervals). Bars of one unit share a scale.",
          svg: stackedBarsSvg(section),
        },
        ...(files?.flames ?? []),
      ]
    : [];
  if (formats.includes("html"))
    await write(
      "index.html",
      renderHtml(model, rendered, section ? explainHtml(section, figures, files?.missing ?? []) : ""),
    );
  if (formats.includes("md"))
    await write("report.md", renderMarkdown(model, specs, section ? explainMarkdown(section, figures) : ""));
  if (formats.includes("svg") || formats.includes("md"))
    for (const f of figures) await write(`chart-${f.id}.svg`, f.svg);
  for (const [name, text] of files?.folded ?? []) await write(name, text);
  for (const chart of rendered) {
    if (formats.includes("svg") || formats.includes("md")) await write(`chart-${chart.id}.svg`, chart.svg);
    if (formats.includes("png")) await write(`chart-${chart.id}.png`, renderPng(chart.svg));
  }
  if (formats.includes("csv")) {
    await write("points.csv", datasetCsv(model.datasets.points));
    await write("comparisons.csv", datasetCsv(model.datasets.comparisons));
    if (model.datasets.witness) await write("witness.csv", datasetCsv(model.datasets.witness));
  }
  return written;
}
