/** The outputs of `routebench history check`: terminal text and JUnit XML. Pure. */
import type { DetectedStep, HistoryCheck, RunRef, SeriesCheck } from "../history/check.js";
import { junit } from "./compare-output.js";
import { formatNumber, formatRatio } from "./format.js";

const TITLES: Record<HistoryCheck["decision"]["decision"], string> = {
  pass: "PASS",
  regression: "REGRESSION",
  undecided: "UNDECIDED",
};

function change(value: number): string {
  const pct = value * 100;
  return `${pct >= 0 ? "+" : "-"}${Math.abs(pct).toFixed(1)}%`;
}

function pText(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** "run 8 (label, commit abc123)". */
export function runName(run: RunRef): string {
  return `run ${run.index + 1} (${run.label}${run.gitCommit ? `, commit ${run.gitCommit}` : ""})`;
}

export function stepLine(step: DetectedStep): string {
  return `from ${runName(step.run)}: ${formatNumber(step.before)} → ${formatNumber(step.after)} (×${formatRatio(step.ratio, 3)}, ${change(step.goodChange)} in the good direction, adjusted p ${pText(step.p)}): ${step.kind}`;
}

function seriesLines(s: SeriesCheck): string[] {
  return [
    ...s.steps.map((step) => `${s.name}: step ${stepLine(step)}`),
    ...(s.suspect
      ? [
          `${s.name}: the newest ${runName(s.suspect.run)} is ${change(s.suspect.goodChange)} off the runs before it (p ${pText(s.suspect.p)}): unconfirmed, run again`,
        ]
      : []),
  ];
}

/** What `history check` prints. */
export function historyCheckText(check: HistoryCheck): string {
  const lines = [
    `history check: ${check.runs.length} run${check.runs.length === 1 ? "" : "s"}, ${check.series.length} series, tolerance ${check.maxRegressionPct}%`,
    `method: ${check.method}`,
    ...check.series.flatMap(seriesLines),
    `decision: ${TITLES[check.decision.decision]} (exit ${check.decision.exitCode}): ${check.decision.reason}`,
  ];
  return lines.join("\n");
}

/** JUnit XML: one test case for the decision and one per series; a step for the worse is a failure. */
export function historyJunitXml(check: HistoryCheck): string {
  const { testcase, failure, undecided, passed } = junit;
  const { decision } = check;
  const cases = [
    testcase(
      "routebench.history",
      "history check",
      decision.decision === "regression"
        ? failure(`regression: ${decision.reason}`, decision.reason)
        : decision.decision === "undecided"
          ? undecided(decision.reason)
          : passed(decision.reason),
    ),
    ...check.series.map((s) => {
      const detail = seriesLines(s).join("\n") || `no step over ${s.runs.length} runs`;
      const worst = s.steps.find((step) => step.kind === "worse");
      return testcase(
        `routebench.history.${s.placement}.${s.test}`,
        s.name,
        worst
          ? failure(`step for the worse ${stepLine(worst)}`, detail)
          : s.suspect
            ? undecided(detail)
            : passed(detail),
      );
    }),
  ];
  const failures =
    check.series.filter((s) => s.verdict === "regression").length +
    (decision.decision === "regression" ? 1 : 0);
  const errors =
    check.series.filter((s) => s.verdict === "suspect").length + (decision.decision === "undecided" ? 1 : 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="routebench history" tests="${cases.length}" failures="${failures}" errors="${errors}">
  <testsuite name="routebench history check" tests="${cases.length}" failures="${failures}" errors="${errors}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}
