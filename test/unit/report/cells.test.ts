import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Cell, cellText, cellValue, tableText } from "../../../harness/report/cells.js";
import { buildReportModel } from "../../../harness/report/model.js";
import type { Results } from "../../../harness/results/schema.js";

describe("cell text (reference values worked by hand)", () => {
  it.each<[Cell, string]>([
    // half-widths 302.6 and 297.4 differ by < 25%: symmetric, (20700 - 20100) / 2 = 300 at the median's 0 decimals
    [
      { kind: "estimate", median: 20397.4, low: 20100, high: 20700, n: 6, unit: "trans/s" },
      "20397 ± 300 (n=6)",
    ],
    // up 2.5, down 0.5: asymmetric, so the interval itself, at 2 decimals
    [{ kind: "estimate", median: 9.5, low: 9, high: 12, n: 8, unit: "Gbit/s" }, "9.50 [9.00, 12.00] (n=8)"],
    [
      { kind: "estimate", median: 41.25, low: null, high: null, n: 2, unit: "µs" },
      "41.3 (no interval: too few repetitions) (n=2)",
    ],
    [
      { kind: "ratio", ratio: 1.2734, low: 1.214, high: 1.3349, verdict: "better" },
      "1.27× [1.21–1.33] better",
    ],
    [
      { kind: "ratio", ratio: 0.998, low: null, high: null, verdict: "no significant difference" },
      "1.00× [no CI] n.s.",
    ],
    [{ kind: "halfWidth", value: 0.01234 }, "±1.2%"],
    [{ kind: "halfWidth", value: null }, "no interval"],
    [{ kind: "reached", value: false }, "NO"],
    [{ kind: "fixed", value: 2.25, digits: 1 }, "2.3"],
    [{ kind: "fraction", part: 3, whole: 4 }, "3/4"],
    [{ kind: "reference", value: 20397, unit: "trans/s" }, "20397"],
  ])("%j reads %s", (cell, expected) => expect(cellText(cell)).toBe(expected));

  it("gives machines unformatted numbers and leaves absent values empty", () => {
    expect(cellValue({ kind: "number", value: 1 / 3 })).toBe(0.333333);
    expect(cellValue({ kind: "empty", text: "missing" })).toBeNull();
    expect(cellValue({ kind: "estimate", median: 9.1234567, low: 9, high: 10, n: 6, unit: "Gbit/s" })).toBe(
      9.123457,
    );
  });
});

describe("the model's figures trace back to results.json", () => {
  // read with JSON.parse alone: the reference does not go through the code under test
  const results = JSON.parse(
    readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
  ) as Results;
  const model = buildReportModel(results, []);

  it("holds each transaction rate as the point's median, unrounded", () => {
    const tps = model.tables.find((t) => t.id === "tps");
    const estimates = tps?.rows.map((r) => r[2]).filter((c) => c?.kind === "estimate") ?? [];
    const medians = results.summary.points
      .filter((p) => p.metric === "transactionsPerSec")
      .map((p) => p.median);
    expect(estimates.map((c) => c?.kind === "estimate" && c.median).sort()).toEqual([...medians].sort());
  });

  it("shows throughput in Gbit/s: the Mbit/s median divided by 1000", () => {
    const table = model.tables.find((t) => t.id === "throughput");
    const stream = results.summary.points.find(
      (p) => p.metric === "throughputMbps" && p.placement === "same-node" && p.mode === "ebpf",
    );
    const cell = table?.rows[0]?.[2];
    expect(cell).toMatchObject({ kind: "estimate", unit: "Gbit/s", n: stream?.n });
    expect(cell?.kind === "estimate" && cell.median).toBeCloseTo((stream?.median ?? Number.NaN) / 1000, 9);
    expect(table && tableText(table)[0]?.[0]).toBe("16384");
  });

  it("keeps every stored median, in its metric's unit, in the points dataset", () => {
    const medians = model.datasets.points.rows.map((r) => r[6]);
    expect(medians.map((c) => c && cellValue(c))).toEqual(
      results.summary.points.map((p) => Math.round(p.median * 1e6) / 1e6),
    );
    expect(medians.map((c) => c?.kind === "number" && c.unit)).toContain("trans/s");
  });
});
