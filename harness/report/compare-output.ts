/** The outputs of `routebench compare`: terminal table, JUnit XML, Markdown. Pure. */
import type { CompareReport, PointComparison } from "../stats/regression.js";
import { formatNumber, formatPValue, formatRatio, ratioRange } from "./format.js";

const COLORS: Record<string, string> = {
  regression: "\x1b[31m",
  improvement: "\x1b[32m",
  inconclusive: "\x1b[33m",
  missing: "\x1b[35m",
  unchanged: "\x1b[2m",
};

function change(p: PointComparison): string {
  if (p.goodChange === null) return "–";
  const pct = p.goodChange * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
}

function interval(p: PointComparison): string {
  return ratioRange(p.ciLow, p.ciHigh, 3) ?? "–";
}

function summaryLine(report: CompareReport): string {
  const c = report.counts;
  return `${c.regression} regression(s), ${c.improvement} improvement(s), ${c.unchanged} unchanged, ${c.inconclusive} inconclusive, ${c.missing} missing (threshold ${report.maxRegressionPct}%)`;
}

/** A fixed-width table; colour only when `color` (a terminal). */
export function terminalTable(report: CompareReport, color: boolean): string {
  const header = ["point", "baseline", "candidate", "ratio", "95% CI", "p", "change", "verdict"];
  const rows = report.points.map((p) => [
    p.name,
    formatNumber(p.baselineMedian),
    formatNumber(p.candidateMedian),
    p.ratio === null ? "–" : formatRatio(p.ratio, 3),
    interval(p),
    p.pValue === null ? "–" : formatPValue(p.pValue).replace("p = ", "").replace("p < ", "<"),
    change(p),
    p.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [
    `baseline ${report.baseline.label} (${report.baseline.runId}) → candidate ${report.candidate.label} (${report.candidate.runId})`,
    line(header),
  ];
  report.points.forEach((p, i) => {
    const text = line(rows[i] ?? []);
    out.push(color ? `${COLORS[p.verdict] ?? ""}${text}\x1b[0m` : text);
  });
  out.push(summaryLine(report));
  for (const note of report.notes) out.push(`note: ${note}`);
  for (const p of report.points.filter((p) => p.verdict === "inconclusive" || p.verdict === "missing")) {
    out.push(`  ${p.name}: ${p.reason}`);
  }
  return out.join("\n");
}

function xml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** JUnit XML: one test case per point; regressions fail, inconclusive and missing are skipped with their reason. */
export function junitXml(report: CompareReport): string {
  const cases = report.points.map((p) => {
    const detail = `ratio ${p.ratio === null ? "–" : formatRatio(p.ratio, 3)}, 95% CI ${interval(p)}, ${p.pValue === null ? "p n/a" : formatPValue(p.pValue)}, change ${change(p)}: ${p.reason}`;
    const body =
      p.verdict === "regression"
        ? `\n      <failure message="${xml(`regression: ${change(p)}`)}" type="regression">${xml(detail)}</failure>\n    `
        : p.verdict === "inconclusive" || p.verdict === "missing"
          ? `\n      <skipped message="${xml(`${p.verdict}: ${p.reason}`)}"/>\n    `
          : `\n      <system-out>${xml(`${p.verdict}: ${detail}`)}</system-out>\n    `;
    return `    <testcase classname="routebench.${xml(p.placement)}.${xml(p.test)}" name="${xml(p.name)}">${body}</testcase>`;
  });
  const skipped = report.counts.inconclusive + report.counts.missing;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="routebench compare" tests="${report.points.length}" failures="${report.counts.regression}" skipped="${skipped}">
  <testsuite name="${xml(`${report.baseline.label} → ${report.candidate.label}`)}" tests="${report.points.length}" failures="${report.counts.regression}" skipped="${skipped}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}

/** Markdown for a pull-request comment: the verdict first, then the points that need a look, then the rest. */
export function compareMarkdown(report: CompareReport): string {
  const verdict =
    report.counts.regression > 0 ? `❌ ${report.counts.regression} regression(s)` : "✅ no regression";
  const row = (p: PointComparison) =>
    `| ${p.name} | ${formatNumber(p.baselineMedian)} | ${formatNumber(p.candidateMedian)} | ${p.ratio === null ? "–" : formatRatio(p.ratio, 3)} [${interval(p)}] | ${p.pValue === null ? "–" : formatPValue(p.pValue)} | ${change(p)} | **${p.verdict}** |`;
  const head =
    "| point | baseline | candidate | ratio [95% CI] | p | change | verdict |\n| --- | --- | --- | --- | --- | --- | --- |";
  const attention = report.points.filter((p) => p.verdict !== "unchanged" && p.verdict !== "improvement");
  const rest = report.points.filter((p) => p.verdict === "unchanged" || p.verdict === "improvement");
  const out = [
    `## routebench: ${verdict}`,
    "",
    `Baseline **${report.baseline.label}** (\`${report.baseline.runId}\`) → candidate **${report.candidate.label}** (\`${report.candidate.runId}\`): ${summaryLine(report)}.`,
    "",
    ...report.notes.map((note) => `> ${note}`),
    ...(report.notes.length ? [""] : []),
  ];
  if (attention.length > 0) {
    out.push("### Needs a look", "", head, ...attention.map(row), "");
    for (const p of attention) out.push(`- \`${p.name}\`: ${p.reason}`);
    out.push("");
  }
  if (rest.length > 0)
    out.push(
      "<details><summary>Unchanged and improved points</summary>",
      "",
      head,
      ...rest.map(row),
      "",
      "</details>",
      "",
    );
  out.push(
    "_Ratio: Hodges–Lehmann estimate of candidate/baseline with its 95% bootstrap CI; p: two-sided permutation test. Regression: worse than the threshold and worse than no change by one-sided tests at 5% (90% interval below 1, one-sided p < 0.05). Unchanged: the 90% interval lies within the threshold. Lower is better for latency._",
    "",
  );
  return out.join("\n");
}
