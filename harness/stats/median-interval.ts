/**
 * A distribution-free confidence interval for a median: the order statistics
 * [x(k), x(n−k+1)] with the largest k such that P(Binomial(n, ½) < k) ≤ (1 − confidence)/2.
 * Its coverage is at least the confidence for any continuous distribution, at every n; below
 * n = 6 no pair of order statistics reaches 95% and there is no interval. Pure.
 * reference: n = 10 → k = 2, coverage 1 − 2·P(B ≤ 1) = 0.9785 (R: 1 - 2*pbinom(1, 10, 0.5))
 */

function binomialHalfCdf(n: number, k: number): number {
  // P(Binomial(n, 1/2) ≤ k), summed in log space so n in the thousands does not overflow
  let logTerm = -n * Math.LN2; // C(n,0) / 2^n
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return sum;
}

/** The 1-based rank k of the interval's lower end, or null when n is too small for `confidence`. */
export function medianIntervalRank(n: number, confidence = 0.95): number | null {
  const tail = (1 - confidence) / 2;
  let k = 0;
  while (k + 1 <= Math.floor(n / 2) && binomialHalfCdf(n, k) <= tail) k++;
  return k >= 1 ? k : null;
}

/** The interval, or null when n is too small for `confidence`. */
export function medianInterval(
  values: readonly number[],
  confidence = 0.95,
): { low: number; high: number } | null {
  const k = medianIntervalRank(values.length, confidence);
  if (k === null) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { low: sorted[k - 1] as number, high: sorted[values.length - k] as number };
}
