/**
 * `export --format opensearch`: a run's summary as an OpenSearch (or Elasticsearch) bulk
 * request body, NDJSON, one action line and one document line per document, for
 * `POST _bulk`. Pure.
 *
 * One document per point and mode (docType "point"), as k8s-netperf indexes one per scenario
 * result, and one per within-run comparison (docType "comparison"). Field names follow
 * k8s-netperf's documents where they mean the same (its `Doc` in pkg/archive/archive.go,
 * https://github.com/cloud-bulldozer/k8s-netperf/blob/main/pkg/archive/archive.go): uuid,
 * timestamp, driver, profile, duration, parallelism, local, hostNetwork, service, samples,
 * messageSize, throughput, tputMetric, latency, ltcyMetric, confidence, udpLossPercent,
 * toolVersion, toolGitCommit, metadata.kernel. Differences a dashboard must know:
 * `throughput` and `latency` are medians (k8s-netperf: means of its samples), `latency` is the
 * P99's median in µs (k8s-netperf: the mean of its P99 samples, "usec"), and `confidence` is the
 * 95% interval of the throughput's median (k8s-netperf: of its mean). routebench's own figures
 * are under `metrics.<metric>` and the comparisons' fields. `_id` is derived from the run id
 * and the document's key, so indexing a run twice replaces its documents instead of adding
 * copies. OPENSEARCH_MAPPING is the index mapping (dynamic: strict, so a field that is not
 * in it is refused at index time rather than guessed).
 */
import type { Results } from "../results/schema.js";
import { type PointKey, pointId } from "../sweep/point.js";
import { METRIC_NAMES, type MetricName } from "../vocabulary/vocabulary.js";
import { runIndex } from "./points.js";

/**
 * Strings as OpenSearch's dynamic mapping would map them (text with a `.keyword` subfield), so
 * queries written for k8s-netperf's indices (`profile.keyword`, `driver.keyword`,
 * `uuid.keyword` in cloud-bulldozer/performance-dashboards' k8s-netperf dashboard and Orion's
 * configs) work unchanged on routebench's documents.
 */
const keyword = { type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } } as const;
const double = { type: "double" } as const;
const integer = { type: "integer" } as const;
const bool = { type: "boolean" } as const;

/** One metric's figures in a point document. */
const metricFigures = {
  properties: {
    median: double,
    mean: double,
    ciLow: double,
    ciHigh: double,
    cv: double,
    n: integer,
  },
} as const;

/** The index mapping of the documents `opensearchBulk` writes (PUT <index> with {"mappings": …}). */
export const OPENSEARCH_MAPPING = {
  dynamic: "strict",
  properties: {
    docType: keyword,
    uuid: keyword,
    runLabel: keyword,
    timestamp: { type: "date" },
    runState: keyword,
    sweep: keyword,
    backend: keyword,
    driver: keyword,
    profile: keyword,
    placement: keyword,
    local: bool,
    size: keyword,
    messageSize: integer,
    responseSize: integer,
    parallelism: integer,
    duration: integer,
    service: bool,
    mode: keyword,
    hostNetwork: bool,
    samples: integer,
    throughput: double,
    tputMetric: keyword,
    latency: double,
    ltcyMetric: keyword,
    confidence: double,
    udpLossPercent: double,
    metrics: { properties: Object.fromEntries(METRIC_NAMES.map((m) => [m, metricFigures])) },
    metric: keyword,
    baseline: keyword,
    candidate: keyword,
    ratio: double,
    ratioLow: double,
    ratioHigh: double,
    pAdjusted: double,
    verdict: keyword,
    toolVersion: keyword,
    toolGitCommit: keyword,
    metadata: { properties: { kernel: keyword, os: keyword, cpuModel: keyword, netperfVersion: keyword } },
  },
} as const;

/** k8s-netperf's tputMetric for the rates it shares with routebench. */
const TPUT_METRIC: Partial<Record<MetricName, string>> = {
  throughputMbps: "Mb/s",
  transactionsPerSec: "OP/s",
  connectionsPerSec: "OP/s",
};

type Doc = Record<string, unknown>;

function runFields(results: Results): Doc {
  const env = results.environment;
  return {
    uuid: results.runId,
    runLabel: results.label,
    timestamp: results.startedAt,
    runState: results.state,
    sweep: results.sweep.name,
    backend: env.backend,
    driver: "netperf",
    duration: results.sweep.durationSec,
    service: false,
    toolVersion: env.routebenchVersion,
    toolGitCommit: env.gitCommit,
    metadata: { kernel: env.kernel, os: env.os, cpuModel: env.cpuModel, netperfVersion: env.netperfVersion },
  };
}

function pointFields(results: Results, key: PointKey): Doc {
  const point = runIndex(results).point(key);
  return {
    profile: key.test,
    placement: key.placement,
    local: key.placement === "same-node",
    size: key.size,
    messageSize: point?.messageSize ?? point?.requestSize ?? null,
    responseSize: point?.responseSize ?? null,
    parallelism: point?.streams ?? 1,
  };
}

/** The documents of a run: one per point and mode, then one per comparison. */
export function opensearchDocuments(results: Results): { id: string; doc: Doc }[] {
  const run = runFields(results);
  const byPointMode = new Map<string, Results["summary"]["points"]>();
  for (const p of results.summary.points) {
    const key = `${pointId(p)}/${p.mode}`;
    byPointMode.set(key, [...(byPointMode.get(key) ?? []), p]);
  }
  const points = [...byPointMode.entries()].map(([key, figures]) => {
    const first = figures[0] as Results["summary"]["points"][number];
    const of = (metric: MetricName) => figures.find((f) => f.metric === metric);
    const rate = (["throughputMbps", "transactionsPerSec", "connectionsPerSec"] as const).find((m) => of(m));
    const rateFigures = rate ? of(rate) : undefined;
    const metrics = Object.fromEntries(
      figures.map((f) => [
        f.metric,
        { median: f.median, mean: f.mean, ciLow: f.ciLow, ciHigh: f.ciHigh, cv: f.cv, n: f.n },
      ]),
    );
    return {
      id: `${results.runId}/${key}`,
      doc: {
        docType: "point",
        ...run,
        ...pointFields(results, first),
        mode: first.mode,
        hostNetwork: first.mode === "host",
        samples: Math.max(...figures.map((f) => f.n)),
        throughput: rateFigures?.median ?? null,
        tputMetric: rate ? TPUT_METRIC[rate] : null,
        latency: of("p99Us")?.median ?? null,
        ltcyMetric: of("p99Us") ? "usec" : null,
        confidence: rateFigures && rateFigures.ciLow !== null ? [rateFigures.ciLow, rateFigures.ciHigh] : [],
        udpLossPercent: of("lossPct")?.median ?? null,
        metrics,
      },
    };
  });
  const comparisons = results.summary.comparisons.map((c) => ({
    id: `${results.runId}/${pointId(c)}/${c.metric}/${c.candidate}-vs-${c.baseline}`,
    doc: {
      docType: "comparison",
      ...run,
      ...pointFields(results, c),
      metric: c.metric,
      baseline: c.baseline,
      candidate: c.candidate,
      samples: c.n,
      ratio: c.ratio,
      ratioLow: c.ciLow,
      ratioHigh: c.ciHigh,
      pAdjusted: c.pAdjusted,
      verdict: c.verdict,
    },
  }));
  return [...points, ...comparisons];
}

/** The bulk request body: an `index` action (with `_index` and `_id`) before each document. */
export function opensearchBulk(results: Results, index: string): string {
  return opensearchDocuments(results)
    .map(
      ({ id, doc }) => `${JSON.stringify({ index: { _index: index, _id: id } })}\n${JSON.stringify(doc)}\n`,
    )
    .join("");
}
