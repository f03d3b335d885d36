/**
 * Two-sided permutation test of "the modes do not differ".
 * paired: sign flips of the per-block log ratios, statistic |mean log ratio| (exact over
 *   all 2^n flips when n <= 12);
 * unpaired: relabel the pooled values, statistic |log ratio of medians| (exact when there
 *   are at most 5000 labellings).
 * Otherwise `samples` seeded random permutations, with the (k+1)/(N+1) estimate.
 */
import { mean, median } from "simple-statistics";
import { type Random, shuffled } from "../util/random.js";

const EXACT_PAIRED_MAX_N = 12;
const EXACT_UNPAIRED_MAX = 5000;
// Ties at the observed statistic count as extreme; floating-point noise must not break ties.
const EPSILON = 1e-12;

/** Signed log ratio of medians (a difference when a median is not positive). */
function statistic(baseline: readonly number[], candidate: readonly number[]): number {
  const b = median([...baseline]);
  const c = median([...candidate]);
  if (b <= 0 || c <= 0) return c - b;
  return Math.log(c / b);
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

function* combinations(n: number, k: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === k) {
    yield chosen;
    return;
  }
  for (let i = start; i <= n - (k - chosen.length); i++) yield* combinations(n, k, i + 1, [...chosen, i]);
}

/** p-value; null when either sample has fewer than 2 values. */
export function permutationPValue(
  baseline: readonly number[],
  candidate: readonly number[],
  paired: boolean,
  random: Random,
  samples = 5000,
): number | null {
  if (baseline.length < 2 || candidate.length < 2) return null;
  if (paired) {
    // Sign-flip test on the per-block log ratios: under "no difference" each block's ratio is
    // as likely to be r as 1/r. Block-to-block drift cancels within each ratio. The mean, not
    // the median: flipping a minority of equal ratios leaves a median unchanged (ties inflate p).
    const logRatios = baseline.map((b, i) => Math.log((candidate[i] as number) / b));
    if (logRatios.some((r) => !Number.isFinite(r))) return null;
    const observedPaired = Math.abs(mean(logRatios)) - EPSILON;
    const n = logRatios.length;
    const flipped = (flip: (i: number) => boolean) =>
      Math.abs(mean(logRatios.map((r, i) => (flip(i) ? -r : r))));
    if (n <= EXACT_PAIRED_MAX_N) {
      let extreme = 0;
      const total = 2 ** n;
      for (let m = 0; m < total; m++) if (flipped((i) => ((m >> i) & 1) === 1) >= observedPaired) extreme++;
      return extreme / total;
    }
    let extreme = 0;
    for (let s = 0; s < samples; s++) if (flipped(() => random() < 0.5) >= observedPaired) extreme++;
    return (extreme + 1) / (samples + 1);
  }
  return unpairedPermutation(baseline, candidate, statistic, random, samples).twoSided;
}

export interface PermutationPValues {
  twoSided: number;
  /** Evidence that the statistic is below 0 (e.g. the candidate is smaller). */
  less: number;
  /** Evidence that the statistic is above 0. */
  greater: number;
}

/**
 * Relabelling test of two independent samples on a signed statistic (0 under no
 * difference): exact when there are at most 5000 labellings, else seeded sampling.
 */
export function unpairedPermutation(
  baseline: readonly number[],
  candidate: readonly number[],
  signed: (baseline: readonly number[], candidate: readonly number[]) => number,
  random: Random,
  samples = 5000,
): PermutationPValues {
  const observed = signed(baseline, candidate);
  const pooled = [...baseline, ...candidate];
  const k = baseline.length;
  let two = 0;
  let less = 0;
  let greater = 0;
  let total = 0;
  const visit = (inBaseline: Set<number>) => {
    const b: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < pooled.length; i++) (inBaseline.has(i) ? b : c).push(pooled[i] as number);
    const value = signed(b, c);
    total++;
    if (Math.abs(value) >= Math.abs(observed) - EPSILON) two++;
    if (value <= observed + EPSILON) less++;
    if (value >= observed - EPSILON) greater++;
  };
  if (binomial(pooled.length, k) <= EXACT_UNPAIRED_MAX) {
    for (const chosen of combinations(pooled.length, k)) visit(new Set(chosen));
    return { twoSided: two / total, less: less / total, greater: greater / total };
  }
  const indices = pooled.map((_, i) => i);
  for (let s = 0; s < samples; s++) visit(new Set(shuffled(indices, random).slice(0, k)));
  // the identity labelling counts once more: (k + 1) / (N + 1)
  return {
    twoSided: (two + 1) / (total + 1),
    less: (less + 1) / (total + 1),
    greater: (greater + 1) / (total + 1),
  };
}
