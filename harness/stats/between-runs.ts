/**
 * Do runs of one sweep agree on a comparison's ratio? A run's interval (stats/ratio.ts) covers
 * what varies from pair to pair within that run; the host's state can also move a ratio from
 * one run to the next (on a noisy host, a stream whose legacy trials lose more to a slow stretch
 * than its eBPF trials do), and no single run's interval shows that. Runs that differ mean
 * either that, or that the runs' own intervals are too narrow: this cannot tell which. From each
 * run's estimate and interval of one comparison:
 *
 * - each run's mean log ratio y_i and its variance v_i = (half-width on the log scale /
 *   t(0.975, n_i − 1))², the interval's own Student's t undone (paired designs only: their
 *   interval has n_i − 1 degrees of freedom);
 * - whether the runs agree: Welch's (1951) one-way test of equal means with unequal variances,
 *   on (y_i, v_i, n_i), which does not treat the runs' variances as known (Cochran's Q does,
 *   and fires too often when each rests on 8–30 pairs);
 * - the between-run sd τ of the log ratio (DerSimonian–Laird's moment estimate, 0 when the runs
 *   spread no more than their intervals say);
 * - the ratio across the runs with its 95% interval: the random-effects mean (weights
 *   1/(v_i + τ²)) with the Hartung–Knapp–Sidik–Jonkman interval on k − 1 degrees of freedom, its
 *   variance factor floored at 1 (Röver, Knapp & Friede 2015), so that it is never narrower than
 *   the runs' own intervals allow. It is a confidence interval for the mean over runs like
 *   these, on these hosts, not a prediction of where the next run will land.
 *
 * False alarms, coverage and power under a seeded model of runs (heavy-tailed pairs, 8–40 pairs
 * a run, per-run spreads 2–12%): test/unit/stats/between-runs.test.ts. Pure.
 */
import type { Comparison } from "../results/summary-schema.js";
import { fisherFCdf, studentTQuantile } from "./student-t.js";

/** One run's estimate of a comparison, on the log scale. */
export interface RunLogEstimate {
  /** Mean log ratio. */
  y: number;
  /** Variance of that mean (its squared standard error). */
  v: number;
  /** Pairs it rests on. */
  n: number;
}

/**
 * A run's comparison as a log estimate: null when it has no interval, is not paired by block,
 * rests on segments (their interval's degrees of freedom are not n − 1), or is one its run
 * called undecided (its interval includes pairs the run would not count).
 */
export function runLogEstimate(
  comparison: Pick<
    Comparison,
    "ratio" | "ciLow" | "ciHigh" | "n" | "paired" | "segments" | "undecidedReason"
  >,
): RunLogEstimate | null {
  const { ratio, ciLow, ciHigh, n, paired, segments, undecidedReason } = comparison;
  if (!paired || segments !== undefined || undecidedReason !== undefined) return null;
  if (ciLow === null || ciHigh === null || n < 2) return null;
  if (!(ratio > 0 && ciLow > 0 && ciHigh > ciLow)) return null;
  const halfWidth = (Math.log(ciHigh) - Math.log(ciLow)) / 2;
  const se = halfWidth / studentTQuantile(0.975, n - 1);
  return { y: Math.log(ratio), v: se * se, n };
}

export interface Agreement {
  runs: number;
  /** Welch's F, its degrees of freedom and p (the runs' ratios differ by more than their intervals). */
  f: number;
  df1: number;
  df2: number;
  p: number;
  /** Between-run sd of the log ratio (≈ the relative spread of the ratio from run to run). */
  tau: number;
  /** The ratio across the runs and its 95% interval. */
  ratio: number;
  ciLow: number;
  ciHigh: number;
}

/** How the runs' estimates of one comparison agree; null with fewer than 2 runs, or when their figures overflow. */
export function agreement(estimates: readonly RunLogEstimate[]): Agreement | null {
  const k = estimates.length;
  if (k < 2) return null;
  // Welch's heteroscedastic one-way test
  const w = estimates.map((e) => 1 / e.v);
  const sumW = w.reduce((a, b) => a + b, 0);
  const yw = estimates.reduce((sum, e, i) => sum + (w[i] as number) * e.y, 0) / sumW;
  const q = estimates.reduce((sum, e, i) => sum + (w[i] as number) * (e.y - yw) ** 2, 0);
  const lambda = estimates.reduce((sum, e, i) => sum + (1 - (w[i] as number) / sumW) ** 2 / (e.n - 1), 0);
  const f = q / (k - 1) / (1 + (2 * (k - 2) * lambda) / (k * k - 1));
  const df1 = k - 1;
  const df2 = (k * k - 1) / (3 * lambda);
  const p = 1 - fisherFCdf(f, df1, df2);
  // DerSimonian–Laird τ², then the random-effects mean with the (floored) HKSJ interval
  const c = sumW - w.reduce((a, b) => a + b * b, 0) / sumW;
  const tau2 = c > 0 ? Math.max(0, (q - (k - 1)) / c) : 0;
  const ws = estimates.map((e) => 1 / (e.v + tau2));
  const sumWs = ws.reduce((a, b) => a + b, 0);
  const mu = estimates.reduce((sum, e, i) => sum + (ws[i] as number) * e.y, 0) / sumWs;
  const spread = estimates.reduce((sum, e, i) => sum + (ws[i] as number) * (e.y - mu) ** 2, 0) / (k - 1);
  const se = Math.sqrt(Math.max(1, spread) / sumWs);
  const t = studentTQuantile(0.975, k - 1);
  if (![f, df2, p, mu, se].every(Number.isFinite)) return null;
  return {
    runs: k,
    f,
    df1,
    df2,
    p,
    tau: Math.sqrt(tau2),
    ratio: Math.exp(mu),
    ciLow: Math.exp(mu - t * se),
    ciHigh: Math.exp(mu + t * se),
  };
}
