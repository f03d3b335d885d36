/**
 * summarise() checked against an independent computation from the trials: the figures every
 * report prints (medians with their 95% intervals, the paired log-ratio comparisons, Holm)
 * recomputed here by direct order statistics, exact binomial sums (BigInt) and jStat's t,
 * without the harness's stats helpers. The report goldens come from a stored summary, so
 * only this file says that the summary itself is right.
 *
 * Over 300 lines on purpose: the oracle (an independent computation of every figure) and the
 * checks against it belong together.
 */
import { readFileSync } from "node:fs";
import jstatModule from "jstat";
import { describe, expect, it } from "vitest";
import type { Results, TrialRecord } from "../../../harness/results/schema.js";
import { summarise } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints } from "../../../harness/sweep/plan.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import { seededRandom } from "../../../harness/util/random.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

const { studentt } = (
  jstatModule as unknown as {
    jStat: { studentt: { cdf(x: number, df: number): number; inv(p: number, df: number): number } };
  }
).jStat;

/** P(Binomial(n, ½) ≤ j), exactly, as a fraction's value. */
function binomialCdf(n: number, j: number): number {
  let sum = 0n;
  let c = 1n; // C(n, 0)
  for (let i = 0; i <= j; i++) {
    sum += c;
    c = (c * BigInt(n - i)) / BigInt(i + 1);
  }
  return Number((sum * 10n ** 15n) / 2n ** BigInt(n)) / 1e15;
}

/**
 * The widest pair of order statistics [x(k), x(n−k+1)] whose coverage of the median,
 * 1 − 2·P(B ≤ k − 1), is at least 95%; null when not even [min, max] reaches it.
 */
function medianCi(values: number[]): { low: number; high: number; coverage: number } | null {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let best: { low: number; high: number; coverage: number } | null = null;
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    const coverage = 1 - 2 * binomialCdf(n, k - 1);
    if (coverage >= 0.95) best = { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage };
  }
  return best;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
};

describe("the independent oracle itself", () => {
  it("matches published order-statistic ranks and refuses a 50% interval", () => {
    // R: 1 - 2*pbinom(1, 10, 0.5) = 0.9785 (k = 2); n = 6 is the first n with an interval
    expect(binomialCdf(10, 1)).toBeCloseTo(11 / 1024, 12);
    const ten = medianCi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ten).toMatchObject({ low: 2, high: 9 });
    expect(ten?.coverage).toBeCloseTo(0.978515625, 9);
    expect(medianCi([1, 2, 3, 4, 5])).toBeNull();
    expect(medianCi([1, 2, 3, 4, 5, 6])).toMatchObject({ low: 1, high: 6 });
    // n = 12: P(B ≤ 2) = 79/4096 = 0.0193 → k = 3; n = 30: k = 10 (R: qbinom(0.025, 30, 0.5) = 10)
    expect(medianCi(Array.from({ length: 12 }, (_, i) => i + 1))).toMatchObject({ low: 3, high: 10 });
    expect(medianCi(Array.from({ length: 30 }, (_, i) => i + 1))).toMatchObject({ low: 10, high: 21 });
  });
});

const sweep = parseSweep(
  [
    "modes: [legacy, ebpf, host]",
    "placements: [same-node, cross-node]",
    "tests:",
    "  - {test: TCP_RR}",
    "repetitions: 13",
    "duration: 1",
    "cpu: {client: 0, server: 1}",
  ].join("\n"),
  "oracle.yaml",
);

/**
 * Seeded trials with different effects per mode and metric, per-block drift, one failed and
 * one rejected attempt, and one block whose pair ran under unequal load on the other CPUs.
 */
function trials(): TrialRecord[] {
  const random = seededRandom(2026);
  const drift = new Map<string, number>();
  const effect: Record<Mode, number> = { legacy: 1, ebpf: 1.08, host: 1.1, direct: 1 };
  return planSweep(sweep).map((trial): TrialRecord => {
    const key = `${trial.block}:${trial.point.key}`;
    if (!drift.has(key)) drift.set(key, 0.8 + 0.4 * random());
    const jitter = () => 1 + 0.06 * (random() - 0.5);
    const tps = 15000 * effect[trial.mode] * (drift.get(key) ?? 1) * jitter();
    const failed = trial.block === 3 && trial.mode === "ebpf" && trial.point.placement === "same-node";
    const rejected = trial.block === 5 && trial.mode === "host" && trial.point.placement === "cross-node";
    const unequal = trial.block === 7 && trial.mode === "legacy" && trial.point.placement === "same-node";
    return {
      id: trial.id,
      block: trial.block,
      mode: trial.mode,
      point: trial.point,
      durationSec: 1,
      state: failed ? "failed" : rejected ? "rejected" : "completed",
      attempt: 1,
      startedAt: "",
      finishedAt: "",
      argv: [],
      exitCode: failed ? 255 : 0,
      signal: null,
      timedOut: false,
      stdout: "",
      stderrTail: "",
      ...(failed ? { error: "no control connection" } : {}),
      metrics: failed
        ? undefined
        : {
            transactionsPerSec: tps,
            p50Us: (1e6 / tps) * jitter(),
            p90Us: (1.3e6 / tps) * jitter(),
            // the tail does not move with the mode: a comparison that should find nothing
            p99Us: 200 * (drift.get(key) ?? 1) * jitter(),
            meanLatencyUs: (1.05e6 / tps) * jitter(),
            localCpuPct: 40 * jitter(),
          },
      noise: {
        cpuBusyPct: 50,
        cpuStealPct: 0,
        loadAvg1: 1,
        loadPerCpu: 0.5,
        benchCpus: [0, 1],
        otherCpusBusyPct: unequal ? 70 : 10 + 5 * random(),
      },
    };
  });
}

/** The expected summary, from the trials alone. */
function oracle(s: Sweep, records: TrialRecord[]) {
  const compared: MetricName[] = ["transactionsPerSec", "p50Us", "p90Us", "p99Us", "meanLatencyUs"];
  const described: MetricName[] = [...compared, "localCpuPct"];
  const lower = (m: string) => m !== "transactionsPerSec";
  const points: Record<string, unknown>[] = [];
  const comparisons: (Record<string, unknown> & { p: number })[] = [];
  for (const point of sweepPoints(s)) {
    const mine = records.filter((t) => t.point.key === point.key && t.state === "completed");
    // blocks whose trials' other-CPU load differs by more than 20 points are left out
    const skip = new Set<number>();
    for (const block of new Set(mine.map((t) => t.block))) {
      const loads = mine.filter((t) => t.block === block).map((t) => t.noise?.otherCpusBusyPct ?? 0);
      if (Math.max(...loads) - Math.min(...loads) > 20) skip.add(block);
    }
    const kept = mine.filter((t) => !skip.has(t.block));
    const at = (mode: string, metric: MetricName) =>
      new Map(kept.filter((t) => t.mode === mode).map((t) => [t.block, t.metrics?.[metric] as number]));
    for (const metric of described) {
      for (const mode of s.modes) {
        const xs = [...at(mode, metric).values()];
        const ci = medianCi(xs);
        points.push({
          mode,
          placement: point.placement,
          test: point.test,
          metric,
          n: xs.length,
          median: medianOf(xs),
          mean: mean(xs),
          stddev: sd(xs),
          min: Math.min(...xs),
          max: Math.max(...xs),
          ciLow: ci?.low ?? null,
          ciHigh: ci?.high ?? null,
        });
      }
    }
    for (const metric of compared) {
      for (const [baseline, candidate] of [
        ["legacy", "ebpf"],
        ["host", "ebpf"],
        ["host", "legacy"],
      ] as const) {
        const b = at(baseline, metric);
        const c = at(candidate, metric);
        const d = [...b.keys()]
          .filter((k) => c.has(k))
          .map((k) => Math.log((c.get(k) ?? 0) / (b.get(k) ?? 0)));
        const n = d.length;
        const se = sd(d) / Math.sqrt(n);
        const q = studentt.inv(0.975, n - 1);
        const t = mean(d) / se;
        comparisons.push({
          placement: point.placement,
          metric,
          baseline,
          candidate,
          n,
          ratio: Math.exp(mean(d)),
          ciLow: Math.exp(mean(d) - q * se),
          ciHigh: Math.exp(mean(d) + q * se),
          pValue: 2 * (1 - studentt.cdf(Math.abs(t), n - 1)),
          p: 2 * (1 - studentt.cdf(Math.abs(t), n - 1)),
          lowerIsBetter: lower(metric),
        });
      }
    }
  }
  // Holm: the i-th smallest p times (m − i + 1), running maximum, capped at 1
  const sorted = [...comparisons].sort((a, b) => a.p - b.p);
  let running = 0;
  const adjusted = new Map<object, number>();
  sorted.forEach((c, i) => {
    running = Math.max(running, Math.min(1, (sorted.length - i) * c.p));
    adjusted.set(c, running);
  });
  return {
    points,
    comparisons: comparisons.map(({ p: _, ...c }) => c),
    adjusted: comparisons.map((c) => adjusted.get(c) as number),
  };
}

describe("summarise against an independent computation from the trials", () => {
  // computed inside each test: Stryker attributes the code a test runs to it only there
  const both = () => {
    const records = trials();
    return { summary: summarise(sweep, sweepPoints(sweep), records), expected: oracle(sweep, records) };
  };

  it("counts the attempts by state", () => {
    const { summary } = both();
    expect(summary).toMatchObject({ completedTrials: 2 * 3 * 13 - 2, failedTrials: 1, rejectedTrials: 1 });
  });

  it("describes each point and mode: n, median, mean, sd, range and the median's 95% interval", () => {
    const { summary, expected } = both();
    expect(summary.points.length).toBe(expected.points.length);
    expect(summary.points.length).toBeGreaterThan(0);
    for (const want of expected.points) {
      const got = summary.points.find(
        (p) => p.mode === want.mode && p.placement === want.placement && p.metric === want.metric,
      );
      const where = `${want.placement} ${want.mode} ${want.metric}`;
      expect(got, where).toBeDefined();
      expect(got?.n, where).toBe(want.n);
      for (const field of ["median", "mean", "stddev", "min", "max", "ciLow", "ciHigh"] as const)
        expect(got?.[field], `${where} ${field}`).toBeCloseTo(want[field] as number, 9);
    }
    // the sample sizes the oracle exercised: 12 (a failed or left-out trial) and 13 → k = 3 both,
    // 11 (failed and left out) → k = 2; each interval covers ≥ 95% by the exact binomial
    expect(new Set(expected.points.map((p) => p.n))).toEqual(new Set([11, 12, 13]));
  });

  it("compares the modes by the paired log ratio, with Student's t and Holm across the run", () => {
    const { summary, expected } = both();
    expect(summary.comparisons.length).toBe(expected.comparisons.length);
    expect(summary.comparisons.length).toBe(2 * 5 * 3);
    for (const [i, want] of expected.comparisons.entries()) {
      const got = summary.comparisons.find(
        (c) =>
          c.placement === want.placement &&
          c.metric === want.metric &&
          c.baseline === want.baseline &&
          c.candidate === want.candidate,
      );
      const where = `${want.placement} ${want.metric} ${want.candidate}/${want.baseline}`;
      expect(got, where).toBeDefined();
      expect(got?.paired, where).toBe(true);
      expect(got?.n, where).toBe(want.n);
      expect(got?.lowerIsBetter, where).toBe(want.lowerIsBetter);
      for (const field of ["ratio", "ciLow", "ciHigh"] as const)
        expect(got?.[field], `${where} ${field}`).toBeCloseTo(want[field] as number, 9);
      expect(got?.pValue, `${where} p`).toBeCloseTo(want.pValue as number, 9);
      const pAdjusted = expected.adjusted[i] as number;
      expect(got?.pAdjusted, `${where} Holm`).toBeCloseTo(pAdjusted, 9);
      const ratio = want.ratio as number;
      const verdict =
        pAdjusted >= 0.05
          ? "no significant difference"
          : ratio > 1 !== want.lowerIsBetter
            ? "better"
            : "worse";
      expect(got?.verdict, where).toBe(verdict);
    }
    // every outcome is exercised: eBPF and host ahead of legacy, eBPF behind host, the unmoved tail
    const verdicts = new Set(summary.comparisons.map((c) => c.verdict));
    expect(verdicts).toEqual(new Set(["better", "worse", "no significant difference"]));
  });
});

describe("the stored summary of a real run", () => {
  it("is what summarise computes from that run's trials today", () => {
    const run = JSON.parse(
      readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
    ) as Results;
    // the stored file predates the recorded design (summary.design, optional: sweep/design.test.ts checks it)
    const { design, ...again } = summarise(run.sweep, sweepPoints(run.sweep), run.trials);
    expect(design?.order).toBe("interleaved");
    expect(JSON.parse(JSON.stringify(again))).toEqual(JSON.parse(JSON.stringify(run.summary)));
    // and its point figures agree with the oracle (2 repetitions: no interval, none printed)
    const expected = oracle(run.sweep, run.trials);
    expect(run.summary.points.length).toBeGreaterThan(0);
    for (const p of run.summary.points.filter((p) => p.metric === "transactionsPerSec")) {
      const want = expected.points.find(
        (w) => w.mode === p.mode && w.placement === p.placement && w.test === p.test && w.metric === p.metric,
      );
      expect(p.median).toBeCloseTo(want?.median as number, 9);
      expect([p.ciLow, p.ciHigh]).toEqual([null, null]);
    }
  });
});
