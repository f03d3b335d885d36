/**
 * Latency percentiles of N netperf instances that ran at once (issue 14), merged from their
 * distributions: a percentile of the pooled transactions is not the average of the instances'
 * percentiles (merge-latency.test.ts shows a skewed case where the average lies outside the
 * truth's bracket). Pure.
 *
 * netperf 2.7.0 as Debian builds it prints only MIN/P50/P90/P99/MAX_LATENCY per instance (no
 * histogram: it is built without --enable-histogram). Each one pins a point of that instance's
 * distribution function (within netperf's sub-bucket resolution), so the pooled distribution
 * function is bracketed and so is its percentile: an interval, labelled as such, never a point.
 */
/** A percentile as a guaranteed interval. */
export interface PercentileEstimate {
  percent: number;
  /** Always null: any value in the bracket fits the data. */
  valueUs: number | null;
  lowerUs: number;
  upperUs: number;
}

/** The 1-based rank of the p-th percentile of n values: the smallest value with at least p% at or below it. */
function percentileRank(percent: number, n: number): number {
  return Math.max(1, Math.ceil((percent / 100) * n));
}

/** What one instance's omni selectors tell of its latency distribution. */
export interface InstanceLatency {
  /** Transactions it timed (TRANSACTION_RATE × ELAPSED_TIME): its weight in the pool. */
  transactions: number;
  minUs: number;
  maxUs: number;
  /** netperf's P50/P90/P99_LATENCY; a percentile netperf did not report is left out. */
  percentilesUs: ReadonlyArray<{ percent: number; us: number }>;
}

/**
 * How far a percentile netperf prints may be from the order statistic it stands for:
 * HIST_get_percentile (src/netlib.c) interpolates inside one of hist.h's HIST_NUM_OF_BUCKET
 * (100) sub-buckets per decade and truncates to whole µs, so the printed value and the order
 * statistic share a closed sub-bucket: 1 µs wide up to 100 µs, 10 µs to 1 ms, and so on.
 * Below 10 µs latencies are whole µs, each in its own sub-bucket, and netperf prints them exactly.
 */
export function netperfPercentileResolutionUs(printedUs: number, subBucketsPerDecade = 100): number {
  if (printedUs < 10) return 0;
  return 10 ** (Math.floor(Math.log10(printedUs)) + 1) / subBucketsPerDecade;
}

/** One known point of an instance's cumulative count: at most / at least `count` at or below `atUs`. */
interface CountStep {
  atUs: number;
  count: number;
}

/**
 * Brackets the p-th percentile of the pooled transactions from each instance's netperf
 * percentiles, min, max and transaction count (the `bound` method). Guarantee, with N pooled
 * transactions and k instances: lowerUs ≤ the pooled value of rank ⌈pN/100⌉, and upperUs ≥ the
 * pooled value of rank ⌈pN/100⌉ − k (netperf ranks each instance's percentile at ⌊p·n/100⌋, one
 * transaction short at most; for 8 streams of 50,000 transactions that is 0.002 percentage points).
 * Proven against pooled raw samples in merge-latency.test.ts.
 */
export function boundPooledPercentile(
  instances: readonly InstanceLatency[],
  percent: number,
  subBucketsPerDecade = 100,
): PercentileEstimate {
  if (instances.length === 0) throw new Error("boundPooledPercentile needs at least one instance");
  const counts = instances.map((i) => Math.round(i.transactions));
  const pooled = counts.reduce((sum, n) => sum + n, 0);
  if (pooled === 0) throw new Error("boundPooledPercentile: the instances timed no transaction");
  // at most `count` at or below any x < atUs (strictly below, hence the steps are "x < atUs")
  const atMost: CountStep[][] = instances.map((instance, i) => [
    { atUs: instance.minUs, count: 0 },
    ...instance.percentilesUs.map(({ percent: p, us }) => ({
      atUs: us - netperfPercentileResolutionUs(us, subBucketsPerDecade),
      count: Math.max(0, Math.floor((p / 100) * (counts[i] ?? 0)) - 1),
    })),
  ]);
  // at least `count` at or below any x ≥ atUs
  const atLeast: CountStep[][] = instances.map((instance, i) => [
    ...instance.percentilesUs.map(({ percent: p, us }) => ({
      atUs: us + netperfPercentileResolutionUs(us, subBucketsPerDecade),
      count: Math.floor((p / 100) * (counts[i] ?? 0)),
    })),
    { atUs: instance.maxUs, count: counts[i] ?? 0 },
  ]);
  const mostAtOrBelow = (x: number) =>
    atMost.reduce(
      (sum, steps, i) =>
        sum + Math.min(counts[i] ?? 0, ...steps.filter((s) => x < s.atUs).map((s) => s.count)),
      0,
    );
  const leastAtOrBelow = (x: number) =>
    atLeast.reduce(
      (sum, steps) => sum + Math.max(0, ...steps.filter((s) => x >= s.atUs).map((s) => s.count)),
      0,
    );
  const rank = percentileRank(percent, pooled);
  // the count bounds change only at step edges; past the last edge they count every transaction
  const firstEdgeReaching = (steps: CountStep[][], countAt: (x: number) => number, target: number) => {
    const edges = [...new Set(steps.flat().map((s) => s.atUs))].sort((a, b) => a - b);
    const edge = edges.find((x) => countAt(x) >= target);
    if (edge === undefined)
      throw new Error("boundPooledPercentile: the steps do not reach every transaction");
    return edge;
  };
  // below lowerUs fewer than `rank` transactions can be at or below x, so the percentile is not there
  const lowerUs = firstEdgeReaching(atMost, mostAtOrBelow, rank);
  const upperUs = firstEdgeReaching(atLeast, leastAtOrBelow, Math.max(1, rank - instances.length));
  return { percent, valueUs: null, lowerUs, upperUs };
}
