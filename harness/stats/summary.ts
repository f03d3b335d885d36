/**
 * From trial records to the summary a report shows: per point and mode, the median with its
 * 95% bootstrap CI; per point, each candidate mode against its baseline as a ratio with a
 * CI and a permutation p-value. Pure and seeded.
 */
import { lowerIsBetter, type MetricName } from "../netperf/parse.js";
import type { TrialRecord } from "../results/schema.js";
import type { Placement, Point } from "../sweep/plan.js";
import type { Mode, Sweep } from "../sweep/schema.js";
import { seededRandom } from "../util/random.js";
import { medianInterval, ratioInterval } from "./bootstrap.js";
import { type Description, describe } from "./describe.js";
import { permutationPValue } from "./permutation.js";
import { collectWarnings, type Warning } from "./warnings.js";

export interface PointSummary extends Description {
  mode: Mode;
  placement: Placement;
  test: Point["test"];
  size: string;
  metric: MetricName;
  ciLow: number | null;
  ciHigh: number | null;
}

export type Verdict = "better" | "worse" | "no significant difference";

export interface Comparison {
  placement: Placement;
  test: Point["test"];
  size: string;
  metric: MetricName;
  baseline: Mode;
  candidate: Mode;
  /** candidate median / baseline median */
  ratio: number;
  ciLow: number | null;
  ciHigh: number | null;
  pValue: number | null;
  /** Paired by block (interleaved order) or independent samples. */
  paired: boolean;
  n: number;
  lowerIsBetter: boolean;
  verdict: Verdict;
}

export interface Summary {
  completedTrials: number;
  failedTrials: number;
  points: PointSummary[];
  comparisons: Comparison[];
  warnings: Warning[];
}

export const SIGNIFICANCE = 0.05;

/** Metrics summarised for each test. */
export function summaryMetrics(sweep: Sweep, test: Point["test"]): MetricName[] {
  if (test === "TCP_STREAM") return ["throughputMbps", "localCpuPct", "remoteCpuPct"];
  const rr = sweep.tests.find((t) => t.test === "TCP_RR");
  const percentiles = rr && rr.test === "TCP_RR" ? rr.percentiles : [50, 90, 99];
  return [
    "transactionsPerSec",
    ...percentiles.map((p) => `p${p}Us` as MetricName),
    "meanLatencyUs",
    "localCpuPct",
    "remoteCpuPct",
  ];
}

/** Metrics compared between modes (CPU is described, not judged). */
export function comparedMetrics(sweep: Sweep, test: Point["test"]): MetricName[] {
  return summaryMetrics(sweep, test).filter((m) => m !== "localCpuPct" && m !== "remoteCpuPct");
}

/** Mode pairs compared: eBPF against legacy, and each against the host baseline. */
export const COMPARED_PAIRS: readonly { baseline: Mode; candidate: Mode }[] = [
  { baseline: "legacy", candidate: "ebpf" },
  { baseline: "host", candidate: "ebpf" },
  { baseline: "host", candidate: "legacy" },
];

export function judge(
  ratio: number,
  ci: { low: number; high: number } | null,
  pValue: number | null,
  lower: boolean,
): Verdict {
  if (!ci || pValue === null || pValue >= SIGNIFICANCE) return "no significant difference";
  if (ci.low <= 1 && ci.high >= 1) return "no significant difference";
  const higher = ratio > 1;
  return higher !== lower ? "better" : "worse";
}

/** Completed values of one point, mode and metric, keyed by block. */
function valuesByBlock(
  trials: readonly TrialRecord[],
  pointKey: string,
  mode: Mode,
  metric: MetricName,
): Map<number, number> {
  const byBlock = new Map<number, number>();
  for (const t of trials) {
    if (t.state !== "completed" || t.mode !== mode || t.point.key !== pointKey) continue;
    const value = t.metrics?.[metric];
    if (value !== undefined) byBlock.set(t.block, value);
  }
  return byBlock;
}

/** Compares two modes at one point and metric. Pairs by block when the sweep interleaved them. */
export function compareModes(
  baselineByBlock: Map<number, number>,
  candidateByBlock: Map<number, number>,
  interleaved: boolean,
  lower: boolean,
  seed: number,
): Omit<Comparison, "placement" | "test" | "size" | "metric" | "baseline" | "candidate"> | null {
  if (baselineByBlock.size === 0 || candidateByBlock.size === 0) return null;
  const shared = [...baselineByBlock.keys()]
    .filter((block) => candidateByBlock.has(block))
    .sort((a, b) => a - b);
  const paired = interleaved && shared.length >= 2;
  const baseline = paired
    ? shared.map((b) => baselineByBlock.get(b) as number)
    : [...baselineByBlock.values()];
  const candidate = paired
    ? shared.map((b) => candidateByBlock.get(b) as number)
    : [...candidateByBlock.values()];
  const baselineMedian = describe(baseline).median;
  const ratio = baselineMedian === 0 ? Number.NaN : describe(candidate).median / baselineMedian;
  const ci = ratioInterval(baseline, candidate, paired, seededRandom(seed));
  const pValue = permutationPValue(baseline, candidate, paired, seededRandom(seed + 1));
  return {
    ratio,
    ciLow: ci?.low ?? null,
    ciHigh: ci?.high ?? null,
    pValue,
    paired,
    n: paired ? shared.length : Math.min(baseline.length, candidate.length),
    lowerIsBetter: lower,
    verdict: judge(ratio, ci, pValue, lower),
  };
}

function hashSeed(seed: number, text: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** Summarises a run's trials. `points` are the sweep's points (missing ones are reported as warnings). */
export function summarise(sweep: Sweep, points: readonly Point[], trials: readonly TrialRecord[]): Summary {
  const pointSummaries: PointSummary[] = [];
  const comparisons: Comparison[] = [];
  for (const point of points) {
    for (const metric of summaryMetrics(sweep, point.test)) {
      const byMode = new Map<Mode, Map<number, number>>();
      for (const mode of sweep.modes) {
        const values = valuesByBlock(trials, point.key, mode, metric);
        byMode.set(mode, values);
        if (values.size === 0) continue;
        const data = [...values.values()];
        const ci = medianInterval(data, seededRandom(hashSeed(sweep.seed, `${point.key}|${mode}|${metric}`)));
        pointSummaries.push({
          mode,
          placement: point.placement,
          test: point.test,
          size: point.size,
          metric,
          ...describe(data),
          ciLow: ci?.low ?? null,
          ciHigh: ci?.high ?? null,
        });
      }
      if (!comparedMetrics(sweep, point.test).includes(metric)) continue;
      for (const { baseline, candidate } of COMPARED_PAIRS) {
        const b = byMode.get(baseline);
        const c = byMode.get(candidate);
        if (!b || !c) continue;
        const compared = compareModes(
          b,
          c,
          sweep.order === "interleaved",
          lowerIsBetter(metric),
          hashSeed(sweep.seed, `${point.key}|${baseline}|${candidate}|${metric}`),
        );
        if (compared) {
          comparisons.push({
            placement: point.placement,
            test: point.test,
            size: point.size,
            metric,
            baseline,
            candidate,
            ...compared,
          });
        }
      }
    }
  }
  return {
    completedTrials: trials.filter((t) => t.state === "completed").length,
    failedTrials: trials.filter((t) => t.state === "failed").length,
    points: pointSummaries,
    comparisons,
    warnings: collectWarnings(sweep, points, trials, pointSummaries, comparisons),
  };
}
