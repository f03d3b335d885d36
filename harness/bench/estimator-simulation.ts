/**
 * Seeded simulation behind the choice of the within-run estimator (issue 21): the per-pair
 * log-ratio mean with its Student-t interval (stats/ratio.ts, what routebench uses) against
 * robust ones on the same log ratios: the 20% trimmed mean with the Tukey–McLaughlin interval,
 * and the Hodges–Lehmann estimate with its exact Wilcoxon signed-rank interval.
 *
 * The burst model seen on a noisy host: per-pair log-ratio noise N(0, sd²) around the quiet
 * ratio, and in a share of the pairs one trial 15–30% slow (uniform). `bursts: "either"` slows
 * either mode's trial at random (a symmetric disturbance: noise), `"candidate"` only ever the
 * candidate's (a disturbance that favours one mode: a bias no interval can absorb). Coverage,
 * width and error are of the quiet ratio. Pure; the test (test/unit/stats/estimators.test.ts)
 * and `npm run bench:estimators` run it.
 */
import { studentTQuantile } from "../stats/student-t.js";
import { type Random, seededRandom } from "../util/random.js";

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** An estimator of the centre of the log ratios, with its 95% interval (null: none at this n). */
export type Estimator = (d: readonly number[]) => Interval | null;

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** routebench's: mean with the Student-t interval. */
export const meanT: Estimator = (d) => {
  const n = d.length;
  if (n < 2) return null;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const h = studentTQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { estimate: mean, low: mean - h, high: mean + h };
};

/** 20% trimmed mean, Tukey–McLaughlin interval (winsorised variance, n − 2g − 1 df). */
export const trimmedT: Estimator = (d) => {
  const n = d.length;
  const g = Math.floor(0.2 * n);
  if (n - 2 * g < 2) return null;
  const x = sorted(d);
  const kept = x.slice(g, n - g);
  const estimate = kept.reduce((s, v) => s + v, 0) / kept.length;
  const low = x[g] as number;
  const high = x[n - g - 1] as number;
  const w = x.map((v) => Math.min(Math.max(v, low), high));
  const wMean = w.reduce((s, v) => s + v, 0) / n;
  const wVar = w.reduce((s, v) => s + (v - wMean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(wVar) / ((1 - (2 * g) / n) * Math.sqrt(n));
  const h = studentTQuantile(0.975, n - 2 * g - 1) * se;
  return { estimate, low: estimate - h, high: estimate + h };
};

const signedRankCache = new Map<number, number>();

/**
 * The largest c with P(W⁺ ≤ c) ≤ 2.5% under the null (exact, by counting rank subsets), or
 * −1 when even W⁺ = 0 is likelier (n < 6): the interval's order statistic is c + 1.
 */
export function signedRankCritical(n: number): number {
  const cached = signedRankCache.get(n);
  if (cached !== undefined) return cached;
  const max = (n * (n + 1)) / 2;
  let counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    const next = [...counts];
    for (let w = rank; w <= max; w++) next[w] = (next[w] as number) + (counts[w - rank] as number);
    counts = next;
  }
  const total = 2 ** n;
  let cumulative = 0;
  let c = -1;
  for (let w = 0; w <= max; w++) {
    cumulative += counts[w] as number;
    if (cumulative / total > 0.025) break;
    c = w;
  }
  signedRankCache.set(n, c);
  return c;
}

/** Hodges–Lehmann: the median of the Walsh averages, exact signed-rank 95% interval. */
export const hodgesLehmann: Estimator = (d) => {
  const n = d.length;
  const c = signedRankCritical(n);
  if (c < 0) return null;
  const walsh: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) walsh.push(((d[i] as number) + (d[j] as number)) / 2);
  walsh.sort((a, b) => a - b);
  const m = walsh.length;
  const estimate =
    m % 2 ? (walsh[(m - 1) / 2] as number) : ((walsh[m / 2 - 1] as number) + (walsh[m / 2] as number)) / 2;
  return { estimate, low: walsh[c] as number, high: walsh[m - 1 - c] as number };
};

export const ESTIMATORS: Record<string, Estimator> = {
  "mean, t (routebench)": meanT,
  "20% trimmed, Tukey–McLaughlin": trimmedT,
  "Hodges–Lehmann, exact": hodgesLehmann,
};

export interface Scenario {
  /** Per-pair log-ratio noise sd (0.03 ≈ the noisy host's paired spread). */
  sd: number;
  /** Share of pairs in which one trial is slowed. */
  burstShare: number;
  /** Which trial a burst slows. */
  bursts: "either" | "candidate";
}

function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** n per-pair log ratios (candidate/baseline of a rate) around log(1.15). */
export function burstPairs(random: Random, n: number, s: Scenario): number[] {
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    let x = Math.log(1.15) + s.sd * normal(random);
    if (random() < s.burstShare) {
      const slow = Math.log(1 - (0.15 + 0.15 * random()));
      x += s.bursts === "candidate" || random() < 0.5 ? slow : -slow;
    }
    d.push(x);
  }
  return d;
}

export interface Row {
  estimator: string;
  n: number;
  /** Share of 95% intervals that held the quiet ratio. */
  coverage: number;
  /** Mean relative half-width of the ratio's interval (0.03 = ±3%). */
  halfWidth: number;
  /** Mean error of the ratio estimate, relative (bias; −0.01 = 1% low). */
  bias: number;
  /** 95th percentile of the absolute relative error. */
  error95: number;
}

/** `runs` seeded runs of n pairs per estimator; the same data for every estimator. */
export function simulate(scenario: Scenario, n: number, runs: number, seed: number): Row[] {
  const random = seededRandom(seed);
  const truth = Math.log(1.15);
  const data = Array.from({ length: runs }, () => burstPairs(random, n, scenario));
  return Object.entries(ESTIMATORS).map(([name, estimator]) => {
    let covered = 0;
    let width = 0;
    let counted = 0;
    const errors: number[] = [];
    for (const d of data) {
      const r = estimator(d);
      if (!r) continue;
      counted++;
      if (r.low <= truth && truth <= r.high) covered++;
      width += (Math.exp(r.high) - Math.exp(r.low)) / 2 / Math.exp(r.estimate);
      errors.push(Math.exp(r.estimate - truth) - 1);
    }
    const abs = errors.map(Math.abs).sort((a, b) => a - b);
    return {
      estimator: name,
      n,
      coverage: counted ? covered / counted : Number.NaN,
      halfWidth: counted ? width / counted : Number.NaN,
      bias: counted ? errors.reduce((s, e) => s + e, 0) / counted : Number.NaN,
      error95: abs.length ? (abs[Math.floor(0.95 * (abs.length - 1))] as number) : Number.NaN,
    };
  });
}

/** The pair counts of the profiles: quick, full, standard's minimum and its budget's reach. */
export const PAIR_COUNTS = [6, 8, 12, 20, 39] as const;
