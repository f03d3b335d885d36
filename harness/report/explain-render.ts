/** "Where the time goes" in HTML (figures inline) and Markdown (figures as SVG files beside it). Pure. */
import type { ExplainSection } from "./explain-section.js";
import { escapeHtml, htmlTable } from "./html.js";
import { markdownTable } from "./markdown.js";

export interface ExplainFigure {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

const INTRO =
  "Each mode's CPU time per unit of work on the benchmark CPU, divided among kernel subsystems by the call chains of perf samples taken during a profiled twin of each measured trial. A subsystem's figure is its share of the busy samples × the CPU time per unit of work measured (unsampled) in the same block. Call chains, not self time: on a VM without a hardware PMU, clock samples land where interrupts are re-enabled.";

export function explainHtml(
  section: ExplainSection,
  figures: readonly ExplainFigure[],
  missing: readonly string[],
): string {
  const findings = section.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join("\n");
  const svgs = figures
    .map(
      (f) =>
        `<figure id="chart-${escapeHtml(f.id)}"><div class="chart">${f.svg}</div><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`,
    )
    .join("\n");
  return `<h2 id="where-the-time-goes">Where the time goes</h2>
<p>${escapeHtml(INTRO)}</p>
<ul>${findings}</ul>
${svgs}
${section.tables.map(htmlTable).join("\n")}
<p class="table-note">Method: ${escapeHtml(section.method)}.${missing.length ? ` ${missing.length} profiled trial(s) had no folded stacks beside results.json: the flame graphs leave them out.` : ""}</p>`;
}

export function explainMarkdown(section: ExplainSection, figures: readonly ExplainFigure[]): string {
  const out = ["## Where the time goes", "", INTRO, ""];
  for (const f of section.findings) out.push(`- ${f}`);
  out.push("");
  for (const f of figures) out.push(`![${f.title}](chart-${f.id}.svg)`, "", `_${f.caption}_`, "");
  for (const t of section.tables) out.push(markdownTable(t), "");
  out.push(`_Method: ${section.method}._`, "");
  return out.join("\n");
}
