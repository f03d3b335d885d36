/**
 * `export --format opensearch` and `--format openmetrics`, read back with real parsers: the
 * Prometheus text parser parse-prometheus-text-format (what prom2json outputs), and for the
 * bulk NDJSON, JSON.parse line by line, the action/document pairing, and every document
 * validated by Ajv against a JSON Schema made from the index mapping (dynamic: strict, as
 * OpenSearch would refuse an unmapped field; dates as OpenSearch's default strict_date_optional_time
 * reads ISO-8601 UTC timestamps).
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { openMetricsText } from "../../../harness/report/openmetrics.js";
import { OPENSEARCH_MAPPING, opensearchBulk } from "../../../harness/report/opensearch.js";
import type { Results } from "../../../harness/results/schema.js";

const results = JSON.parse(
  readFileSync(
    new URL("../../../results/examples/full-datapath-quick/results.json", import.meta.url),
    "utf8",
  ),
) as Results;

describe("openmetrics export", () => {
  const text = openMetricsText({ ...results, label: 'nightly "42"\nback\\slash' });
  const families = parsePrometheusTextFormat(text);
  const byName = new Map(families.map((f) => [f.name, f]));

  it("parses as a Prometheus text exposition: typed, described gauges with numeric values", () => {
    expect(text.endsWith("\n# EOF\n")).toBe(true);
    for (const f of families) {
      expect(f.type, f.name).toBe("GAUGE");
      expect(f.help.length, f.name).toBeGreaterThan(0);
      for (const m of f.metrics) expect(Number.isFinite(Number(m.value)), `${f.name} ${m.value}`).toBe(true);
    }
    expect(byName.get("routebench_run_info")?.metrics[0]?.labels).toMatchObject({
      run_id: results.runId,
      label: 'nightly "42"\nback\\slash',
    });
  });

  it("carries every point's median and interval and every comparison's ratio", () => {
    const point =
      results.summary.points.find((p) => p.metric === "throughputMbps" && p.ciLow !== null) ??
      results.summary.points.find((p) => p.metric === "throughputMbps");
    expect(point).toBeDefined();
    const samples = byName.get("routebench_throughput_megabits_per_second")?.metrics ?? [];
    const median = samples.find(
      (m) =>
        m.labels?.placement === point?.placement &&
        m.labels?.size === point?.size &&
        m.labels?.mode === point?.mode &&
        m.labels?.estimate === "median",
    );
    expect(Number(median?.value)).toBe(point?.median);
    const total = families
      .filter(
        (f) =>
          f.name !== "routebench_samples" &&
          f.name !== "routebench_mode_ratio" &&
          f.name.startsWith("routebench_") &&
          !f.name.startsWith("routebench_run"),
      )
      .reduce((n, f) => n + f.metrics.filter((m) => m.labels?.estimate === "median").length, 0);
    expect(total).toBe(results.summary.points.length);
    expect(
      byName.get("routebench_mode_ratio")?.metrics.filter((m) => m.labels?.estimate === "ratio"),
    ).toHaveLength(results.summary.comparisons.length);
  });
});

type Mapping = { type?: string; properties?: Record<string, Mapping>; fields?: Record<string, Mapping> };

/** A JSON Schema that accepts what an OpenSearch index with this strict mapping accepts (null = absent). */
function schemaOf(mapping: Mapping): object {
  if (mapping.properties)
    return {
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(mapping.properties).map(([k, v]) => [k, schemaOf(v)])),
    };
  const scalar =
    mapping.type === "keyword" || mapping.type === "text"
      ? { type: "string" }
      : mapping.type === "date"
        ? { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$" }
        : mapping.type === "boolean"
          ? { type: "boolean" }
          : mapping.type === "integer"
            ? { type: "integer" }
            : { type: "number" };
  // a mapped field may hold one value, an array of them, or null
  return { anyOf: [scalar, { type: "array", items: scalar }, { type: "null" }] };
}

describe("opensearch export", () => {
  const ndjson = opensearchBulk(results, "routebench-runs");
  const lines = ndjson.trimEnd().split("\n");

  it("is NDJSON of index actions, each followed by its document, with unique ids", () => {
    expect(ndjson.endsWith("\n")).toBe(true);
    expect(lines.length % 2).toBe(0);
    const ids = new Set<string>();
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] as string) as { index?: { _index: string; _id: string } };
      expect(Object.keys(action)).toEqual(["index"]);
      expect(action.index?._index).toBe("routebench-runs");
      ids.add(action.index?._id as string);
      const doc = JSON.parse(lines[i + 1] as string) as Record<string, unknown>;
      expect(doc.docType === "point" || doc.docType === "comparison").toBe(true);
    }
    expect(ids.size).toBe(lines.length / 2);
    expect(lines.length / 2).toBe(
      new Set(results.summary.points.map((p) => `${p.placement}/${p.test}/${p.size}/${p.mode}`)).size +
        results.summary.comparisons.length,
    );
  });

  it("gives every document its point's sizes and stream count, from the run's own points", () => {
    const docs = lines
      .filter((_, i) => i % 2 === 1)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // each point as the trials ran it (the example's quick profile now keeps fewer points than it ran)
    const ran = new Map(
      results.trials.map((t) => [`${t.point.placement}/${t.point.test}/${t.point.size}`, t.point]),
    );
    for (const doc of docs) {
      const point = ran.get(`${doc.placement}/${doc.profile}/${doc.size}`);
      expect(point, `${doc.placement} ${doc.profile} ${doc.size}`).toBeDefined();
      expect(doc.parallelism).toBe(point?.streams ?? 1);
      expect(doc.messageSize).toBe(point?.messageSize ?? point?.requestSize);
    }
    expect(docs.some((doc) => doc.parallelism === 4)).toBe(true);
  });

  it("fits its strict index mapping, with k8s-netperf's field names and meanings where they share them", async () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    const validate = ajv.compile(schemaOf(OPENSEARCH_MAPPING as unknown as Mapping));
    const docs = lines.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const doc of docs) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...docs[0], unmapped: 1 })).toBe(false);
    const stream = docs.find((d) => d.profile === "TCP_STREAM" && d.mode === "ebpf" && d.parallelism === 1);
    expect(stream).toMatchObject({
      uuid: results.runId,
      driver: "netperf",
      tputMetric: "Mb/s",
      messageSize: 1024,
      hostNetwork: false,
      service: false,
    });
    const rr = docs.find((d) => d.profile === "TCP_RR" && d.docType === "point");
    expect(rr).toMatchObject({ tputMetric: "OP/s", ltcyMetric: "usec" });
  });
});
