/**
 * index.html: one self-contained file (inline CSS and SVG charts, no script, no network)
 * that reads on a laptop screen and prints. Pure: charts arrive rendered.
 */
import { cellText, type Table } from "./cells.js";
import type { ReportModel } from "./model.js";

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

const CSS = `
:root { --ink: #1a202c; --muted: #4a5568; --line: #e2e8f0; --better: #276749; --worse: #9b2c2c; --ns: #744210; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0 0 4px; } h2 { font-size: 1.25rem; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 20px 0 8px; }
.meta { color: var(--muted); font-size: 0.9rem; margin: 0; }
.note { background: #fffaf0; border-left: 4px solid #dd6b20; padding: 8px 12px; margin: 12px 0; }
ul.headlines { padding-left: 0; list-style: none; } ul.headlines li { margin: 8px 0; padding: 8px 12px; border-left: 4px solid var(--line); background: #f7fafc; }
li.better { border-left-color: var(--better) !important; } li.worse { border-left-color: var(--worse) !important; } li.ns { border-left-color: var(--ns) !important; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 24px; }
figure { margin: 0; break-inside: avoid; } figure .chart svg { max-width: 100%; height: auto; } figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin-bottom: 4px; break-inside: avoid; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; } th { background: #f7fafc; }
td { font-variant-numeric: tabular-nums; } .table-note { color: var(--muted); font-size: 0.8rem; margin: 0 0 16px; }
pre { background: #f7fafc; border: 1px solid var(--line); padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; }
@media print { body { max-width: none; padding: 0; } .charts { display: block; } figure { margin-bottom: 16px; } h2 { break-after: avoid; } a { color: inherit; } }
`;

function htmlTable(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cellText(cell))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<section class="table" id="table-${table.id}"><h3>${escapeHtml(table.title)}</h3>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>${table.note ? `<p class="table-note">${escapeHtml(table.note)}</p>` : ""}</section>`;
}

export interface RenderedChart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

const VERDICT_CLASS: Record<string, string> = {
  better: "better",
  worse: "worse",
  "no significant difference": "ns",
  undecided: "ns",
  missing: "ns",
  warning: "worse",
};

export function renderHtml(model: ReportModel, charts: RenderedChart[], explain = ""): string {
  const notes = model.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n");
  const headlines = model.headlines
    .map((h) => `<li class="${VERDICT_CLASS[h.verdict] ?? ""}">${escapeHtml(h.text)}</li>`)
    .join("\n");
  const figures = charts
    .map(
      (c) =>
        `<figure id="chart-${c.id}" data-chart="${c.id}"><div class="chart">${c.svg}</div><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
    )
    .join("\n");
  const warnings =
    model.warnings.length === 0
      ? "<p>None.</p>"
      : `<ul>${model.warnings.map((w) => `<li><strong>${escapeHtml(w.kind)}</strong>: ${escapeHtml(w.reason)}. <em>Hint: ${escapeHtml(w.hint)}.</em></li>`).join("\n")}</ul>`;
  return htmlPage(
    model.title,
    `<header><h1>${escapeHtml(model.title)}</h1>
<p class="meta">Run <code>${escapeHtml(model.runId)}</code> (${escapeHtml(model.label)}), ${escapeHtml(model.state)}, ${escapeHtml(model.startedAt)} → ${escapeHtml(model.finishedAt)}</p>
<p class="meta">Sweep: ${escapeHtml(model.sweepLine)}</p></header>
${notes}
<h2>Headlines</h2>
<p class="machine">${escapeHtml(model.machineLine)}</p>
<ul class="headlines">${headlines}</ul>
${explain}
<h2>Charts</h2>
<div class="charts">${figures}</div>
<h2>Tables</h2>
${model.tables.map(htmlTable).join("\n")}
<h2>Warnings</h2>
${warnings}
<h2>Reproduce</h2>
<pre>${escapeHtml(model.reproduce)}</pre>
<p class="meta">Every figure is computed from results.json; each trial's raw netperf output is in its trial record.</p>`,
  );
}

/** A self-contained page: inline CSS, no script, no network. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style></head>
<body>
${body}
</body></html>
`;
}

/** Charts as figures with their captions. */
export function htmlFigures(charts: RenderedChart[]): string {
  return charts
    .map(
      (c) =>
        `<figure id="chart-${c.id}" data-chart="${c.id}"><div class="chart">${c.svg}</div><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
    )
    .join("\n");
}

/** A table section. */
export { htmlTable };
