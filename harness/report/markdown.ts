/** report.md: the report model as Markdown (for a PR comment, a wiki page, a blog draft). Pure. */

import { cellText, type Table } from "./cells.js";
import type { ChartSpec } from "./chart-style.js";
import type { ReportModel } from "./model.js";

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function markdownTable(table: Table): string {
  const lines = [`### ${table.title}`, ""];
  const header = table.columns.map((c) => escapeCell(c || " "));
  lines.push(`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`);
  for (const row of table.rows) lines.push(`| ${row.map((c) => escapeCell(cellText(c))).join(" | ")} |`);
  if (table.note) lines.push("", `_${table.note}_`);
  return lines.join("\n");
}

/** Markdown with charts linked as SVG files beside it (`chart-<id>.svg`). */
export function renderMarkdown(model: ReportModel, charts: ChartSpec[], explain = ""): string {
  const out = [
    `# ${model.title}`,
    "",
    `Run \`${model.runId}\` (${model.label}), ${model.state}, ${model.startedAt} → ${model.finishedAt}.`,
    "",
    `Sweep: ${model.sweepLine}.`,
  ];
  for (const note of model.notes) out.push("", `> **Note:** ${note}`);
  out.push("", "## Headlines", "", model.machineLine, "");
  for (const h of model.headlines) out.push(`- ${h.text}`);
  if (explain) out.push("", explain);
  out.push("", "## Charts", "");
  for (const chart of charts)
    out.push(`![${chart.title}](chart-${chart.id}.svg)`, "", `_${chart.caption}_`, "");
  out.push("## Tables", "");
  for (const table of model.tables) out.push(markdownTable(table), "");
  out.push("## Warnings", "");
  if (model.warnings.length === 0) out.push("None.");
  for (const w of model.warnings) out.push(`- **${w.kind}**: ${w.reason}. _Hint: ${w.hint}._`);
  out.push("", "## Reproduce", "", "```", model.reproduce, "```", "");
  out.push(
    "Every figure above is computed from `results.json`; each trial's raw netperf output is in its `trials` entries.",
    "",
  );
  return out.join("\n");
}
