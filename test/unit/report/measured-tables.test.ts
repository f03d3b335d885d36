import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildReportModel } from "../../../harness/report/model.js";
import type { Results } from "../../../harness/results/schema.js";

const fixture = (): Results =>
  JSON.parse(
    readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
  ) as Results;

describe("a new netperf test's metrics reach the tables by data", () => {
  // A second request/response test, as the TCP_CRR work will add: here the TCP_RR points and
  // comparisons copied under another test name with transaction rates halved. No report code
  // names it; only the metrics its points carry decide where it shows.
  const results = fixture();
  const crr = "TCP_CRR" as Results["summary"]["points"][number]["test"];
  const halved = <T extends { test: string; median?: number }>(p: T) =>
    ({ ...p, test: crr, ...(p.median === undefined ? {} : { median: p.median / 2 }) }) as T;
  results.summary.points.push(...results.summary.points.filter((p) => p.test === "TCP_RR").map(halved));
  results.summary.comparisons.push(
    ...results.summary.comparisons.filter((c) => c.test === "TCP_RR").map((c) => ({ ...c, test: crr })),
  );
  const rrTest = results.sweep.tests.find((t) => t.test === "TCP_RR") as object;
  results.sweep.tests.push({ ...rrTest, test: crr } as Results["sweep"]["tests"][number]);
  const model = buildReportModel(results, []);

  it("gives each test its own rate and latency table, named by test", () => {
    expect(model.tables.map((t) => t.id)).toEqual(
      expect.arrayContaining([
        "tps-TCP_RR",
        "tps-TCP_CRR",
        "latency-TCP_RR",
        "latency-TCP_CRR",
        "throughput",
      ]),
    );
    expect(model.tables.find((t) => t.id === "latency-TCP_CRR")?.title).toBe("TCP_CRR latency (µs)");
  });

  it("shows the new test's own figures", () => {
    const rate = (id: string) => {
      const row = model.tables
        .find((t) => t.id === id)
        ?.rows.find((r) => r[1]?.kind === "text" && r[1].text === "eBPF host routing");
      return row?.[2]?.kind === "estimate" ? row[2].median : Number.NaN;
    };
    // reference: the halving done above, on the same-node eBPF median read from the fixture
    expect(rate("tps-TCP_CRR")).toBeCloseTo(rate("tps-TCP_RR") / 2, 9);
  });

  it("writes its headlines in the same words, naming the test", () => {
    const crrLines = model.headlines.filter((h) => h.text.includes("TCP_CRR"));
    expect(crrLines.map((h) => h.text.replace(/:.*/, ""))).toEqual(
      expect.arrayContaining([
        "Same node transactions per second (TCP_CRR 1,1)",
        "Cross node latency (TCP_CRR 1,1, eBPF / legacy, lower is better)",
      ]),
    );
  });
});
