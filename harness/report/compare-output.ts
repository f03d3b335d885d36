/** The outputs of `routebench compare`: terminal table, JUnit XML, Markdown. Pure. */
import { styleText } from "node:util";
import type { Analysis, CompareReport, ModeComparison, PointComparison } from "../stats/regression.js";
import { formatNumber, formatRatio, ratioRange } from "./format.js";
import { escapeHtml as xml } from "./html.js";

const COLORS: Record<string, Parameters<typeof styleText>[0]> = {
  regression: "red",
  improvement: "green",
  inconclusive: "yellow",
  missing: "magenta",
  unchanged: "dim",
};

const GATE_TITLES: Record<CompareReport["gate"]["decision"], string> = {
  pass: "PASS",
  regression: "REGRESSION",
  undecided: "UNDECIDED",
};

function change(value: number | null): string {
  if (value === null) return "–";
  const pct = value * 100;
  return `${pct >= 0 ? "+" : "-"}${Math.abs(pct).toFixed(1)}%`;
}

function interval(p: PointComparison): string {
  return ratioRange(p.ciLow, p.ciHigh, 3) ?? "–";
}

function pText(p: number | null): string {
  if (p === null) return "–";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

function basisTitle(analysis: Analysis): string {
  return analysis.basis.kind === "raw" ? "raw values" : `normalised by ${analysis.basis.reference}`;
}

function summaryLine(report: CompareReport, analysis: Analysis): string {
  const c = analysis.counts;
  return `${basisTitle(analysis)}: ${c.regression} regression(s), ${c.improvement} improvement(s), ${c.unchanged} unchanged, ${c.inconclusive} inconclusive, ${c.missing} missing (threshold ${report.maxRegressionPct}%)`;
}

function gateLine(report: CompareReport): string {
  return `gate: ${GATE_TITLES[report.gate.decision]} (exit ${report.gate.exitCode}): ${report.gate.reason}`;
}

function modeLine(m: ModeComparison): string {
  const bound = m.goodLow === null ? "" : `, one-sided 95% bound ${change(m.goodLow)}`;
  return `mode ${m.mode}: ${change(m.goodChange)} on average over ${m.points} points (n = ${m.n}${bound}): ${m.verdict}: ${m.reason}`;
}

const HEADER = ["point", "baseline", "candidate", "ratio", "simult. 95% CI", "p (Holm)", "change", "verdict"];

function cells(p: PointComparison): string[] {
  return [
    p.name,
    formatNumber(p.baselineMedian),
    formatNumber(p.candidateMedian),
    p.ratio === null ? "–" : formatRatio(p.ratio, 3),
    interval(p),
    pText(p.pWorseAdjusted),
    change(p.goodChange),
    p.verdict,
  ];
}

function table(analysis: Analysis, color: boolean): string[] {
  const rows = analysis.points.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(HEADER),
    ...analysis.points.map((p, i) => {
      const text = line(rows[i] ?? []);
      const style = COLORS[p.verdict];
      // the caller decided colour (a terminal, no NO_COLOR): styleText must not decide again from process.stdout
      return color && style ? styleText(style, text, { validateStream: false }) : text;
    }),
  ];
}

/** A fixed-width table; colour only when `color` (a terminal). The decision and what it needs come first. */
export function terminalTable(report: CompareReport, color: boolean): string {
  const { analysis, raw } = report;
  const out = [
    `baseline ${report.baseline.label} (${report.baseline.runId}) → candidate ${report.candidate.label} (${report.candidate.runId})`,
    gateLine(report),
    ...(report.requirement ? [report.requirement] : []),
    ...(report.normalisation ? [report.normalisation] : []),
    `sensitivity: ${analysis.sensitivity}`,
    "",
    ...table(analysis, color),
    summaryLine(report, analysis),
    ...analysis.modes.map(modeLine),
  ];
  if (raw) {
    out.push("", "raw values, not normalised (beside the gate, not judged by it):", ...table(raw, color));
    out.push(summaryLine(report, raw), ...raw.modes.map(modeLine));
  }
  out.push("");
  for (const note of report.notes) out.push(`note: ${note}`);
  for (const line of report.method) out.push(`method: ${line}`);
  for (const p of analysis.points.filter((p) => p.verdict === "inconclusive" || p.verdict === "missing")) {
    out.push(`  ${p.name}: ${p.reason}`);
  }
  return out.join("\n");
}

/** JUnit XML's pieces, shared by the gate's report and `history check`'s. */
export const junit = {
  testcase: (classname: string, name: string, body: string) =>
    `    <testcase classname="${xml(classname)}" name="${xml(name)}">${body}</testcase>`,
  failure: (message: string, detail: string) =>
    `\n      <failure message="${xml(message)}" type="regression">${xml(detail)}</failure>\n    `,
  undecided: (message: string) =>
    `\n      <error message="${xml(`UNDECIDED: ${message}`)}" type="undecided"/>\n    `,
  passed: (detail: string) => `\n      <system-out>${xml(detail)}</system-out>\n    `,
};

/**
 * JUnit XML: the gate, each mode's pooled test and each point as test cases. Regressions fail;
 * an undecided gate and each undecided mode are errors (type "undecided"), so a CI page shows
 * them in red beside failures rather than greyed out; undecided and missing points are skipped
 * with a message that starts "UNDECIDED".
 */
export function junitXml(report: CompareReport): string {
  const { analysis } = report;
  const { testcase, failure, undecided, passed } = junit;
  const gate = testcase(
    "routebench.gate",
    `gate (${basisTitle(analysis)})`,
    report.gate.decision === "regression"
      ? failure(`regression: ${report.gate.reason}`, report.gate.reason)
      : report.gate.decision === "undecided"
        ? undecided(`${report.gate.reason}${report.requirement ? `. ${report.requirement}` : ""}`)
        : passed(report.gate.reason),
  );
  const modes = analysis.modes.map((m) =>
    testcase(
      "routebench.mode",
      `mode/${m.mode}`,
      m.verdict === "regression"
        ? failure(`regression: ${change(m.goodChange)} on average`, modeLine(m))
        : m.verdict === "inconclusive"
          ? undecided(modeLine(m))
          : passed(modeLine(m)),
    ),
  );
  const points = analysis.points.map((p) => {
    const detail = `ratio ${p.ratio === null ? "–" : formatRatio(p.ratio, 3)}, simultaneous 95% CI ${interval(p)}, Holm-adjusted p ${pText(p.pWorseAdjusted)}, change ${change(p.goodChange)}: ${p.reason}`;
    return testcase(
      `routebench.${p.placement}.${p.test}`,
      p.name,
      p.verdict === "regression"
        ? failure(`regression: ${change(p.goodChange)}`, detail)
        : p.verdict === "inconclusive" || p.verdict === "missing"
          ? `\n      <skipped message="${xml(`UNDECIDED (${p.verdict}): ${p.reason}`)}"/>\n    `
          : passed(`${p.verdict}: ${detail}`),
    );
  });
  const cases = [gate, ...modes, ...points];
  const failures =
    analysis.counts.regression +
    analysis.modes.filter((m) => m.verdict === "regression").length +
    (report.gate.decision === "regression" ? 1 : 0);
  const errors =
    analysis.modes.filter((m) => m.verdict === "inconclusive").length +
    (report.gate.decision === "undecided" ? 1 : 0);
  const skipped = analysis.counts.inconclusive + analysis.counts.missing;
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="routebench compare" ${counts}>
  <testsuite name="${xml(`${report.baseline.label} → ${report.candidate.label}`)}" ${counts}>
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}

const MARKDOWN_HEAD =
  "| point | baseline | candidate | ratio [simult. 95% CI] | p (Holm) | change | verdict |\n| --- | --- | --- | --- | --- | --- | --- |";

function markdownRow(p: PointComparison): string {
  return `| ${p.name} | ${formatNumber(p.baselineMedian)} | ${formatNumber(p.candidateMedian)} | ${p.ratio === null ? "–" : formatRatio(p.ratio, 3)} [${interval(p)}] | ${pText(p.pWorseAdjusted)} | ${change(p.goodChange)} | **${p.verdict}** |`;
}

function markdownModes(analysis: Analysis): string[] {
  return [
    "| mode | points | n | change | one-sided 95% bound | p (Holm) | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...analysis.modes.map(
      (m) =>
        `| ${m.mode} | ${m.points} | ${m.n} | ${change(m.goodChange)} | ${change(m.goodLow)} | ${pText(m.pWorseAdjusted)} | **${m.verdict}** |`,
    ),
  ];
}

/** Markdown for a pull-request comment: the decision and what it needs first, then modes, points needing a look, the rest. */
export function compareMarkdown(report: CompareReport): string {
  const { analysis, raw } = report;
  const icon = { pass: "✅", regression: "❌", undecided: "⚠️" }[report.gate.decision];
  const attention = analysis.points.filter((p) => p.verdict !== "unchanged" && p.verdict !== "improvement");
  const rest = analysis.points.filter((p) => p.verdict === "unchanged" || p.verdict === "improvement");
  const out = [
    `## routebench: ${icon} ${GATE_TITLES[report.gate.decision]} (exit ${report.gate.exitCode})`,
    "",
    `${report.gate.reason}.`,
    "",
    ...(report.requirement ? [`**${report.requirement}**`, ""] : []),
    ...(report.normalisation ? [`${report.normalisation}.`, ""] : []),
    `Baseline **${report.baseline.label}** (\`${report.baseline.runId}\`) → candidate **${report.candidate.label}** (\`${report.candidate.runId}\`), ${summaryLine(report, analysis)}. Sensitivity: ${analysis.sensitivity}.`,
    "",
    "### Per mode (pooled over its points)",
    "",
    ...markdownModes(analysis),
    "",
  ];
  if (attention.length > 0) {
    out.push("### Points that need a look", "", MARKDOWN_HEAD, ...attention.map(markdownRow), "");
    for (const p of attention) out.push(`- \`${p.name}\`: ${p.reason}`);
    out.push("");
  }
  if (rest.length > 0)
    out.push(
      "<details><summary>Unchanged and improved points</summary>",
      "",
      MARKDOWN_HEAD,
      ...rest.map(markdownRow),
      "",
      "</details>",
      "",
    );
  if (raw)
    out.push(
      "<details><summary>Raw values, not normalised (beside the gate, not judged by it)</summary>",
      "",
      `${summaryLine(report, raw)}.`,
      "",
      ...markdownModes(raw),
      "",
      MARKDOWN_HEAD,
      ...raw.points.map(markdownRow),
      "",
      "</details>",
      "",
    );
  out.push(...report.notes.map((note) => `> ${note}`), ...(report.notes.length ? [""] : []));
  out.push(
    `_Method: ${report.method.join("; ")}. Lower is better for latency; change is in the good direction._`,
    "",
  );
  return out.join("\n");
}
