/**
 * The numbers behind the report's charts, one row per mark, in the units the charts show
 * (throughput in Gbit/s, latency in µs), with the published figures set beside them. Pure.
 */
import type { Results } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import { type PublishedSource, shortSourceLabel } from "./published.js";

/** Chart rows by chart: each array is one vega-lite data set. */
export interface ChartData {
  throughput: {
    placement: string;
    mode: Mode;
    size: number;
    gbps: number;
    low: number | null;
    high: number | null;
    n: number;
  }[];
  gain: {
    placement: string;
    size: number;
    ratio: number;
    low: number | null;
    high: number | null;
    verdict: string;
  }[];
  publishedGain: { placement: string; ratio: number; label: string }[];
  latency: {
    placement: string;
    mode: Mode;
    percentile: string;
    us: number;
    low: number | null;
    high: number | null;
  }[];
  tps: {
    source: string;
    placement: string;
    mode: string;
    tps: number;
    low: number | null;
    high: number | null;
    ours: boolean;
  }[];
  repetitions: { placement: string; mode: Mode; order: number; block: number; tps: number }[];
}

/** The chart rows of a run; `comparisons` are its eBPF/legacy comparisons. */
export function chartData(
  results: Results,
  comparisons: Comparison[],
  published: PublishedSource[],
): ChartData {
  const points = results.summary.points;
  const throughput = points
    .filter((p) => p.metric === "throughputMbps")
    .map((p) => ({
      placement: p.placement,
      mode: p.mode,
      size: Number(p.size),
      gbps: p.median / 1000,
      low: p.ciLow === null ? null : p.ciLow / 1000,
      high: p.ciHigh === null ? null : p.ciHigh / 1000,
      n: p.n,
    }));
  const gain = comparisons
    .filter((c) => c.metric === "throughputMbps")
    .map((c) => ({
      placement: c.placement,
      size: Number(c.size),
      ratio: c.ratio,
      low: c.ciLow,
      high: c.ciHigh,
      verdict: c.verdict,
    }));
  const publishedGain = published.flatMap((s) =>
    s.figures
      .filter((f) => f.metric.startsWith("throughputGainRatio"))
      .map((f) => ({
        placement: f.placement,
        ratio: f.value,
        label: `${shortSourceLabel(s)}: ${f.placement} ${f.metric.endsWith("SmallMessages") ? "small messages " : ""}~${f.value}×`,
      })),
  );
  const latency = points
    .filter((p) => p.test === "TCP_RR" && /^p\d+Us$/.test(p.metric))
    .map((p) => ({
      placement: p.placement,
      mode: p.mode,
      percentile: p.metric.replace(/^p(\d+)Us$/, "P$1"),
      us: p.median,
      low: p.ciLow,
      high: p.ciHigh,
    }));
  const tps: ChartData["tps"] = points
    .filter((p) => p.metric === "transactionsPerSec")
    .map((p) => ({
      source: `this run (${p.size})`,
      placement: p.placement,
      mode: p.mode,
      tps: p.median,
      low: p.ciLow,
      high: p.ciHigh,
      ours: true,
    }));
  for (const source of published) {
    for (const f of source.figures.filter(
      (f) => f.metric === "transactionsPerSec" && (f.streams ?? 1) === 1,
    )) {
      tps.push({
        source: shortSourceLabel(source),
        placement: f.placement,
        mode: f.mode,
        tps: f.value,
        low: null,
        high: null,
        ours: false,
      });
    }
  }
  const rrTrials = results.trials
    .filter(
      (t) =>
        t.state === "completed" && t.point.test === "TCP_RR" && t.metrics?.transactionsPerSec !== undefined,
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const repetitions = rrTrials.map((t, order) => ({
    placement: t.point.placement,
    mode: t.mode,
    order: order + 1,
    block: t.block,
    tps: t.metrics?.transactionsPerSec as number,
  }));
  return { throughput, gain, publishedGain, latency, tps, repetitions };
}
