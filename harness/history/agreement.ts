/**
 * Do the runs agree on each comparison's ratio (eBPF/legacy and the others a run makes)? For
 * every comparison of the runs of one sweep design: each run's ratio and interval, whether the
 * runs differ by more than their intervals allow (stats/between-runs.ts, Welch's test, Holm over
 * the comparisons at α = 0.05), the between-run sd, and the ratio across the runs with its
 * interval. A run's interval says how precisely that run measured; this says whether the runs
 * differ by more than those intervals allow. Pure.
 */
import { type Agreement, agreement, type RunLogEstimate, runLogEstimate } from "../stats/between-runs.js";
import { holmAdjust } from "../stats/holm.js";
import { keyOf, type PointKey, pointId } from "../sweep/point.js";
import type { MetricName, Mode } from "../vocabulary/vocabulary.js";
import { HISTORY_ALPHA, HISTORY_METRICS } from "./check.js";
import { type HistoryRun, newestDesignRuns } from "./runs.js";

export type AgreementVerdict = "differ" | "no significant difference" | "undecided";

export interface RunRatio {
  /** Index of the run among the runs compared (oldest first). */
  run: number;
  ratio: number;
  ciLow: number | null;
  ciHigh: number | null;
  n: number;
}

export interface ComparisonAgreement extends PointKey {
  metric: MetricName;
  baseline: Mode;
  candidate: Mode;
  /** `pointId/metric candidate/baseline`. */
  name: string;
  /** Every run that made this comparison, oldest first. */
  runs: RunRatio[];
  /** From the runs with a paired interval their run decided on; null with fewer than two. */
  agreement: Agreement | null;
  /** Holm-adjusted over the comparisons tested. */
  pAdjusted: number | null;
  /** differ: the runs' ratios differ beyond their intervals (Holm); undecided: fewer than two runs with a paired interval. */
  verdict: AgreementVerdict;
}

export interface RunsAgreement {
  /** The runs compared: the newest sweep design's, oldest first. */
  runs: HistoryRun[];
  comparisons: ComparisonAgreement[];
  mixedSweeps: string | null;
}

/** The agreement of the runs (any order) on each comparison of the rate and percentile metrics. */
export function runsAgreement(
  allRuns: readonly HistoryRun[],
  metrics: readonly MetricName[] = HISTORY_METRICS,
): RunsAgreement {
  const { runs, mixed } = newestDesignRuns(allRuns);
  type Row = Omit<ComparisonAgreement, "agreement" | "pAdjusted" | "verdict"> & {
    estimates: RunLogEstimate[];
  };
  const byName = new Map<string, Row>();
  runs.forEach((run, index) => {
    for (const c of run.comparisons) {
      if (!metrics.includes(c.metric) || !(c.ratio > 0)) continue;
      const name = `${pointId(c)}/${c.metric} ${c.candidate}/${c.baseline}`;
      const row: Row = byName.get(name) ?? {
        ...keyOf(c),
        metric: c.metric,
        baseline: c.baseline,
        candidate: c.candidate,
        name,
        runs: [],
        estimates: [],
      };
      row.runs.push({ run: index, ratio: c.ratio, ciLow: c.ciLow, ciHigh: c.ciHigh, n: c.n });
      const estimate = runLogEstimate(c);
      if (estimate) row.estimates.push(estimate);
      byName.set(name, row);
    }
  });
  const rows = [...byName.values()].map(({ estimates, ...row }) => ({
    ...row,
    agreement: agreement(estimates),
  }));
  const adjusted = holmAdjust(rows.map((row) => row.agreement?.p ?? null));
  return {
    runs,
    mixedSweeps: mixed,
    comparisons: rows.map((row, i) => {
      const pAdjusted = adjusted[i] ?? null;
      const verdict: AgreementVerdict =
        pAdjusted === null ? "undecided" : pAdjusted < HISTORY_ALPHA ? "differ" : "no significant difference";
      return { ...row, pAdjusted, verdict };
    }),
  };
}
