/**
 * The numbers behind the report's charts, one row per mark, in the units the charts show
 * (throughput in Gbit/s, latency in µs), with the published figures set beside them. Charts of
 * one netperf test select its points by `p.test`, so one test's figures never mix into another's
 * chart (UDP_STREAM's received rate is a throughputMbps too). Pure.
 */

import type { Results } from "../results/schema.js";
import type { Comparison, PointSummary } from "../stats/summary.js";
import type { PointKey } from "../sweep/point.js";
import {
  isPercentile,
  METRICS,
  type MetricName,
  type Mode,
  REQUEST_RESPONSE_TESTS,
  type RequestResponseTest,
  rateMetric,
} from "../vocabulary/vocabulary.js";
import { directComparisons } from "./direct.js";
import { shownUnit } from "./format.js";
import { bytesLabel, COST_METRICS, runIndex, sizeOrder, sizesOf, sizeText, streamsAt } from "./points.js";
import { type PublishedSource, shortSourceLabel } from "./published.js";
import { type ServiceCountSeries, serviceCountData } from "./service-count.js";

/** A bar with its 95% interval, grouped on the x axis by `x` and coloured by mode. */
export interface BarRow {
  placement: string;
  mode: Mode;
  x: string;
  value: number;
  low: number | null;
  high: number | null;
}

/** A request/response test's rate rows: this run's and, for TCP_RR, published figures. */
export interface RateRow {
  source: string;
  placement: string;
  mode: string;
  /** Transactions, or connections (TCP_CRR), per second. */
  perSec: number;
  low: number | null;
  high: number | null;
  ours: boolean;
}

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
  /** TCP_STREAM points run by several netperf instances at once: summed throughput (Gbit/s). */
  streamThroughput: BarRow[];
  gain: {
    placement: string;
    size: number;
    ratio: number;
    low: number | null;
    high: number | null;
    verdict: string;
  }[];
  publishedGain: { placement: string; ratio: number; label: string }[];
  /** Per request/response test: each latency percentile by placement and mode. */
  latency: {
    test: RequestResponseTest;
    rows: {
      placement: string;
      /** The point (`sizeText`), only when the test has several: the chart gives each a row of panels. */
      point?: string;
      mode: Mode;
      percentile: string;
      us: number;
      low: number | null;
      high: number | null;
    }[];
  }[];
  /** Per request/response test: its rate (transactions or connections per second). */
  rates: { test: RequestResponseTest; metric: MetricName; rows: RateRow[] }[];
  /** Per request/response test: every completed trial's rate, in run order. */
  repetitions: {
    test: RequestResponseTest;
    metric: MetricName;
    rows: { placement: string; mode: Mode; order: number; block: number; perSec: number }[];
  }[];
  /** UDP_STREAM: the rate sent and the rate received (Gbit/s), and the datagrams lost (%). */
  udpStream: { rate: BarRow[]; loss: BarRow[] };
  /** Per CPU cost metric the run summarised: every mode's cost per placement, test and size. */
  cost: { metric: MetricName; rows: BarRow[] }[];
  /** Legacy and eBPF as a percentage of the direct path's rate or throughput, per point. */
  direct: (BarRow & { verdict: string })[];
  /** TCP_CRR's rate and TCP_RR's latency against the Service count, where points vary over it. */
  services: ServiceCountSeries[];
}

/** A point as a bar at `x`, in the stored unit times `scale`. */
function bar(p: PointSummary, x: string, scale = 1): BarRow {
  return {
    placement: p.placement,
    mode: p.mode,
    x,
    value: p.median * scale,
    low: p.ciLow === null ? null : p.ciLow * scale,
    high: p.ciHigh === null ? null : p.ciHigh * scale,
  };
}

/** The chart rows of a run; `comparisons` are its eBPF/legacy comparisons. */
export function chartData(
  results: Results,
  comparisons: Comparison[],
  published: PublishedSource[],
): ChartData {
  const points = results.summary.points;
  const index = runIndex(results);
  const oneStream = (key: PointKey) => streamsAt(index, key) === 1;
  const messageSize = (key: PointKey) => index.point(key)?.messageSize ?? Number(key.size);
  // the line charts' x axis is the message size: one stream only; several go to `streamThroughput`
  const throughput = points
    .filter((p) => p.test === "TCP_STREAM" && p.metric === "throughputMbps" && oneStream(p))
    .map((p) => ({
      placement: p.placement,
      mode: p.mode,
      size: messageSize(p),
      gbps: p.median / 1000,
      low: p.ciLow === null ? null : p.ciLow / 1000,
      high: p.ciHigh === null ? null : p.ciHigh / 1000,
      n: p.n,
    }));
  const streamThroughput = points
    .filter((p) => p.test === "TCP_STREAM" && p.metric === "throughputMbps" && !oneStream(p))
    .sort(sizeOrder(index))
    .map((p) => bar(p, bytesLabel(index, p), shownUnit(p.metric).scale));
  const gain = comparisons
    .filter((c) => c.test === "TCP_STREAM" && c.metric === "throughputMbps" && oneStream(c))
    .map((c) => ({
      placement: c.placement,
      size: messageSize(c),
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
  const latency = REQUEST_RESPONSE_TESTS.map((test) => {
    // one stream: several streams' merged percentiles are brackets, in the latency tables
    const shown = points.filter((p) => p.test === test && isPercentile(p.metric) && oneStream(p));
    // several points (sizes, destinations, Service counts) would stack their bars at one x: name each
    const several = new Set(shown.map((p) => sizeText(p))).size > 1;
    return {
      test,
      rows: shown.map((p) => ({
        placement: p.placement,
        ...(several ? { point: sizeText(p) } : {}),
        mode: p.mode,
        percentile: `P${METRICS[p.metric].percentile}`,
        us: p.median,
        low: p.ciLow,
        high: p.ciHigh,
      })),
    };
  }).filter((g) => g.rows.length > 0);
  const rates = REQUEST_RESPONSE_TESTS.map((test) => {
    const metric = rateMetric(test);
    const rows: RateRow[] = points
      .filter((p) => p.test === test && p.metric === metric)
      .map((p) => ({
        source: `this run (${sizeText(p)})`,
        placement: p.placement,
        mode: p.mode,
        perSec: p.median,
        low: p.ciLow,
        high: p.ciHigh,
        ours: true,
      }));
    for (const source of published) {
      for (const f of source.figures.filter(
        (f) => f.test === test && f.metric === metric && (f.streams ?? 1) === 1,
      )) {
        rows.push({
          source: shortSourceLabel(source),
          placement: f.placement,
          mode: f.mode,
          perSec: f.value,
          low: null,
          high: null,
          ours: false,
        });
      }
    }
    return { test, metric, rows };
  }).filter((g) => g.rows.some((r) => r.ours));
  const repetitions = REQUEST_RESPONSE_TESTS.map((test) => {
    const metric = rateMetric(test);
    const rows = results.trials
      .filter(
        (t) =>
          t.state === "completed" &&
          t.point.test === test &&
          (t.point.streams ?? 1) === 1 &&
          t.metrics?.[metric] !== undefined,
      )
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .map((t, order) => ({
        placement: t.point.placement,
        mode: t.mode,
        order: order + 1,
        block: t.block,
        perSec: t.metrics?.[metric] as number,
      }));
    return { test, metric, rows };
  }).filter((g) => g.rows.length > 0);
  const udp = points.filter((p) => p.test === "UDP_STREAM");
  const udpSizes = sizesOf(index, udp);
  const udpStream = {
    // per size, sent before received: the offered load, then what arrived of it
    rate: udpSizes.flatMap((sized) =>
      (["sentMbps", "throughputMbps"] as const).flatMap((metric) =>
        udp
          .filter((p) => p.size === sized.size && p.metric === metric)
          .map((p) =>
            bar(
              p,
              `${bytesLabel(index, sized)} ${metric === "sentMbps" ? "sent" : "received"}`,
              shownUnit(metric).scale,
            ),
          ),
      ),
    ),
    loss: udpSizes.flatMap((sized) =>
      udp
        .filter((p) => p.size === sized.size && p.metric === "lossPct")
        .map((p) => bar(p, bytesLabel(index, sized))),
    ),
  };
  const cost = COST_METRICS.map((metric) => ({
    metric,
    rows: points.filter((p) => p.metric === metric).map((p) => bar(p, `${p.test} ${sizeText(p)}`)),
  })).filter((g) => g.rows.length > 0);
  const direct = directComparisons(results).map((c) => ({
    placement: c.placement,
    mode: c.candidate,
    x: `${c.test} ${sizeText(c)}`,
    value: c.ratio * 100,
    low: c.ciLow === null ? null : c.ciLow * 100,
    high: c.ciHigh === null ? null : c.ciHigh * 100,
    verdict: c.verdict,
  }));
  return {
    throughput,
    streamThroughput,
    gain,
    publishedGain,
    latency,
    rates,
    repetitions,
    udpStream,
    cost,
    direct,
    services: serviceCountData(results),
  };
}
