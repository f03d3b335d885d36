/**
 * The agreement of runs (history/agreement.ts) in words: the lines `routebench history` prints
 * and the rows of the history page's "Do the runs agree?" table. Pure.
 */
import type { ComparisonAgreement, RunsAgreement } from "../history/agreement.js";
import { formatRatio, ratioRange } from "./format.js";

export const AGREEMENT_METHOD =
  "each run's ratio and 95% CI per comparison; Welch's one-way test of equal ratios with unequal within-run variances, Holm over the comparisons at α = 0.05; between-run sd by DerSimonian–Laird; the ratio across the runs is their random-effects mean with the Hartung–Knapp–Sidik–Jonkman 95% CI (its variance factor floored at 1)";

/** Each run's ratio with its interval: `1.06 [0.93–1.21]`, or the ratio alone without one. */
export function runRatios(row: ComparisonAgreement): string {
  return row.runs
    .map((r) => {
      const range = ratioRange(r.ciLow, r.ciHigh);
      return range ? `${formatRatio(r.ratio)} [${range}]` : formatRatio(r.ratio);
    })
    .join(", ");
}

/** The ratio across the runs with its interval and the between-run sd, or why there is none. */
export function acrossRuns(row: ComparisonAgreement): string {
  const a = row.agreement;
  if (!a) return "fewer than two runs with a paired interval";
  return `${formatRatio(a.ratio)} [${ratioRange(a.ciLow, a.ciHigh)}], between-run sd ${(a.tau * 100).toFixed(1)}%`;
}

/** `Holm-adjusted p = 0.017`, or null when the runs were not tested. */
function holmP(row: ComparisonAgreement): string | null {
  if (row.pAdjusted === null) return null;
  return `Holm-adjusted p ${row.pAdjusted < 0.001 ? "< 0.001" : `= ${row.pAdjusted.toFixed(3)}`}`;
}

/** The verdict with its Holm-adjusted p: `differ, Holm-adjusted p = 0.017`. */
export function agreementVerdict(row: ComparisonAgreement): string {
  const p = holmP(row);
  return p ? `${row.verdict}, ${p}` : row.verdict;
}

/** `on 1 machine`, or `on 2 machines (vm-a: 3 runs, vm-b: 1 run)`: runs of several hosts differ by host too. */
export function machines(result: RunsAgreement): string {
  const counts = new Map<string, number>();
  for (const run of result.runs) counts.set(run.hostname, (counts.get(run.hostname) ?? 0) + 1);
  if (counts.size <= 1) return "on 1 machine";
  const each = [...counts.entries()].map(([host, n]) => `${host}: ${n} run${n === 1 ? "" : "s"}`).join(", ");
  return `on ${counts.size} machines (${each}): where they differ, part of the spread may be the machines'`;
}

/** What `routebench history` prints of it: the comparisons whose runs differ, then a count of the rest. */
export function agreementText(result: RunsAgreement): string {
  const tested = result.comparisons.filter((c) => c.verdict !== "undecided");
  const differ = result.comparisons.filter((c) => c.verdict === "differ");
  const undecided = result.comparisons.length - tested.length;
  const lines = [
    `do the runs agree? ${result.runs.length} run${result.runs.length === 1 ? "" : "s"} ${machines(result)}, ${tested.length} comparison${tested.length === 1 ? "" : "s"} tested${undecided ? `, ${undecided} undecided (fewer than two runs with a paired interval)` : ""}`,
    ...differ.map(
      (c) =>
        `  runs differ: ${c.name}: ${runRatios(c)}; across the runs ${acrossRuns(c)} (${holmP(c)}): the runs differ by more than their CIs allow, so one run's CI understates the spread between runs`,
    ),
  ];
  if (tested.length > 0)
    lines.push(
      differ.length === 0
        ? "  no comparison shows a significant difference between the runs"
        : `  ${tested.length - differ.length} comparison(s): no significant difference between the runs`,
    );
  return lines.join("\n");
}
