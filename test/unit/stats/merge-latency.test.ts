import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseNetperfOutput } from "../../../harness/netperf/parse.js";
import { boundPooledPercentile, type InstanceLatency } from "../../../harness/stats/merge-latency.js";
import { mergeStreams } from "../../../harness/stats/merge-streams.js";
import { type Random, seededRandom } from "../../../harness/util/random.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/netperf/${name}`, import.meta.url), "utf8");

// --- netperf's own bookkeeping, transcribed from HewlettPackard/netperf src/netlib.c (2.7.0) ---
const SUB_BUCKETS = 100; // hist.h HIST_NUM_OF_BUCKET
const DECADES = 8; // UNIT_USEC .. TEN_SEC

/** HIST_add: row = decade of the latency, sub-bucket = (int)(latency / 10^decade * 10). */
function histAdd(rows: number[][], latencyUs: number): void {
  let value = latencyUs;
  for (let decade = 0; decade < DECADES; decade++) {
    if (value < 10) {
      const row = rows[decade] as number[];
      const index = Math.floor(value * (SUB_BUCKETS / 10));
      row[index] = (row[index] ?? 0) + 1;
      return;
    }
    value /= 10;
  }
}

function netperfRows(latencies: readonly number[]): number[][] {
  const rows = Array.from({ length: DECADES }, () => new Array<number>(SUB_BUCKETS).fill(0));
  for (const latency of latencies) histAdd(rows, latency);
  return rows;
}

/**
 * HIST_get_percentile/HIST_search_bucket: the sub-bucket holding sample (int)(p·total),
 * interpolated, times scale/base (base = HIST_NUM_OF_BUCKET / 10), truncated to int.
 */
function netperfPercentile(rows: number[][], total: number, p: number): number {
  const num = Math.floor(p * total);
  if (num === 0) return 0;
  let current = 0;
  for (const [decade, row] of rows.entries()) {
    for (const [i, count] of row.entries()) {
      const last = current;
      current += count;
      if (current >= num)
        return Math.trunc(((i + (num - last) / (current - last)) * 10 ** decade) / (SUB_BUCKETS / 10));
    }
  }
  return 1e8;
}

// --- seeded instances with different latency distributions (whole µs, as netperf times them) ---
function logNormal(random: Random, medianUs: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(1, Math.round(medianUs * Math.exp(sigma * z)));
}

/** A closed-loop instance: its transaction count is what it can do in the same time. */
function instance(random: Random, count: number, draw: (r: Random) => number): number[] {
  return Array.from({ length: count }, () => draw(random));
}

function instancesFor(seed: number): number[][] {
  const random = seededRandom(seed);
  return [
    instance(random, 20_000 + Math.floor(random() * 5000), (r) => logNormal(r, 18, 0.3)),
    instance(random, 8_000, (r) => logNormal(r, 45, 0.6)),
    // bimodal: mostly fast, a slow mode behind a busy CPU
    instance(random, 12_000, (r) => (r() < 0.85 ? logNormal(r, 25, 0.2) : logNormal(r, 400, 0.5))),
    instance(random, 1_500, (r) => logNormal(r, 900, 1.0)),
  ];
}

/** Exact percentile of the pooled raw samples at 1-based rank. */
function atRank(sorted: readonly number[], rank: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

const PERCENTS = [50, 90, 99] as const;
const SEEDS = Array.from({ length: 12 }, (_, i) => 7001 + i);

describe("Debian's netperf -v 2 (why streams never ask for a histogram)", () => {
  it("prints no histogram and drops the -o selectors: its line does not parse as ours", () => {
    const stdout = fixture("tcp_rr_1_1.v2.stdout.txt");
    expect(stdout).not.toMatch(/Histogram of/);
    // verbose omni output: buffer sizes, request/response sizes, elapsed, rate — not our 21 selectors
    expect(() => parseNetperfOutput("TCP_RR", stdout)).toThrow(/expected 21 comma-separated values/);
  });
});

/** What Debian's netperf prints per instance: min, max and HIST_get_percentile's P50/P90/P99. */
function netperfSelectors(latencies: readonly number[]): InstanceLatency {
  const rows = netperfRows(latencies);
  return {
    transactions: latencies.length,
    minUs: Math.min(...latencies),
    maxUs: Math.max(...latencies),
    percentilesUs: PERCENTS.map((percent) => ({
      percent,
      us: netperfPercentile(rows, latencies.length, percent / 100),
    })),
  };
}

describe("bound merge (Debian's netperf: per-instance percentiles only)", () => {
  it("brackets the pooled raw percentile, 12 seeds × 4 skewed instances", () => {
    for (const seed of SEEDS) {
      const instances = instancesFor(seed);
      const selectors = instances.map(netperfSelectors);
      const sorted = instances.flat().sort((a, b) => a - b);
      for (const percent of PERCENTS) {
        const rank = Math.ceil((percent / 100) * sorted.length);
        const bound = boundPooledPercentile(selectors, percent);
        const where = `seed ${seed} p${percent}: ${JSON.stringify(bound)}`;
        // the guarantee as documented: rank ⌈pN⌉ above lowerUs, rank ⌈pN⌉ − k below upperUs
        expect(bound.lowerUs, where).toBeLessThanOrEqual(atRank(sorted, rank));
        expect(atRank(sorted, rank - instances.length), where).toBeLessThanOrEqual(bound.upperUs);
        expect(bound.valueUs).toBeNull();
      }
    }
  });

  it("shows that averaging the instances' percentiles misses the pooled percentile in a skewed case", () => {
    // closed loop, same 1 s: a fast stream completes ~25x the transactions of a slow one
    const random = seededRandom(42);
    const fast = instance(random, 50_000, (r) => logNormal(r, 20, 0.2));
    const slow = instance(random, 2_000, (r) => logNormal(r, 500, 0.3));
    const sorted = [...fast, ...slow].sort((a, b) => a - b);
    const selectors = [fast, slow].map(netperfSelectors);
    for (const percent of [50, 90] as const) {
      const truth = atRank(sorted, Math.ceil((percent / 100) * sorted.length));
      const averaged =
        selectors.reduce((sum, s) => sum + (s.percentilesUs.find((p) => p.percent === percent)?.us ?? 0), 0) /
        2;
      const bound = boundPooledPercentile(selectors, percent);
      // the bracket holds the truth and excludes the average: the average is wrong, and provably so
      expect(bound.lowerUs).toBeLessThanOrEqual(truth);
      expect(truth).toBeLessThanOrEqual(bound.upperUs);
      expect(averaged).toBeGreaterThan(bound.upperUs);
      expect(averaged / truth).toBeGreaterThan(5);
    }
  });
});

describe("mergeStreams on four real concurrent netperf TCP_RR instances", () => {
  const samples = [0, 1, 2, 3].map((i) =>
    parseNetperfOutput("TCP_RR", fixture(`tcp_rr_1_1.streams4.${i}.csv`)),
  );
  const merged = mergeStreams(samples, [50, 90, 99]);

  it("adds the transaction rates and keeps each instance's figures", () => {
    // reference: 41379.902 + 26584.301 + 34944.090 + 26175.115 (the fixtures' TRANSACTION_RATE)
    expect(merged.metrics.transactionsPerSec).toBeCloseTo(129083.408, 3);
    expect(merged.perInstance.map((m) => m.transactionsPerSec)).toEqual([
      41379.902, 26584.301, 34944.09, 26175.115,
    ]);
    expect(merged.metrics.maxLatencyUs).toBe(4190);
    expect(merged.streams).toBe(4);
  });

  it("weights the mean latency by transactions and brackets the percentiles, labelled as bounds", () => {
    const n = samples.map((s) => (s.metrics.transactionsPerSec as number) * (s.elapsedSec as number));
    const means = samples.map((s) => s.metrics.meanLatencyUs as number);
    const expected =
      n.reduce((sum, ni, i) => sum + ni * (means[i] as number), 0) / n.reduce((a, b) => a + b, 0);
    expect(merged.metrics.meanLatencyUs).toBeCloseTo(expected, 9);
    expect(merged.latency?.method).toBe("bound");
    expect(merged.metrics.p50Us).toBeUndefined();
    // one bracket per percentile asked for, in order: the loop below must not run over nothing
    expect(merged.latency?.percentiles.map((p) => p.percent)).toEqual([50, 90, 99]);
    for (const estimate of merged.latency?.percentiles ?? []) {
      const metric = `p${estimate.percent}Us` as "p50Us" | "p90Us" | "p99Us";
      const own = samples.map((s) => s.metrics[metric] as number);
      // a pooled percentile lies between the instances' own (widened by netperf's resolution)
      expect(estimate.lowerUs).toBeGreaterThanOrEqual(Math.min(...own) - 10);
      expect(estimate.upperUs).toBeLessThanOrEqual(Math.max(...own) + 10);
      expect(estimate.lowerUs).toBeLessThanOrEqual(estimate.upperUs);
    }
  });
});
