/**
 * Whether runs agree on each comparison (history/agreement.ts) and how `routebench history`
 * says so (report/agreement-output.ts): which comparisons are tested, the verdict, Holm over the
 * comparisons, the newest design only.
 */
import { describe, expect, it } from "vitest";
import { runsAgreement } from "../../../harness/history/agreement.js";
import type { HistoryRun } from "../../../harness/history/runs.js";
import { agreementText, agreementVerdict, runRatios } from "../../../harness/report/agreement-output.js";
import type { Comparison } from "../../../harness/results/summary-schema.js";
import { run } from "./history-runs.js";

/** A paired eBPF/legacy comparison at a cross-node TCP_STREAM size, ±`pct`% over `n` pairs. */
function comparison(
  size: string,
  ratio: number,
  pct: number,
  n = 12,
  extra: Partial<Comparison> = {},
): Comparison {
  return {
    placement: "cross-node",
    test: "TCP_STREAM",
    size,
    metric: "throughputMbps",
    baseline: "legacy",
    candidate: "ebpf",
    ratio,
    ciLow: ratio * (1 - pct / 100),
    ciHigh: ratio * (1 + pct / 100),
    pValue: 0.001,
    pAdjusted: 0.001,
    paired: true,
    n,
    halfWidth: pct / 100,
    noisyPairs: 0,
    unbalancedPairs: 0,
    lowerIsBetter: false,
    verdict: "better",
    ...extra,
  };
}

/** Four runs: 64 B agrees at 1.10, 1 KiB moves between 1.00 and 1.09, 4 KiB is in the first run only. */
function runs(): HistoryRun[] {
  const swing = [1.0, 1.08, 1.01, 1.09];
  return swing.map((ratio, i) => ({
    ...run(i, 1),
    comparisons: [
      comparison("64", 1.1 * (1 + 0.003 * (i - 1.5)), 2),
      comparison("1024", ratio, 2),
      ...(i === 0 ? [comparison("4096", 1.3, 2)] : []),
      comparison("16384", 1.05, 2, 12, { paired: false }),
      // its run called it undecided (noisy pairs): listed, never tested
      comparison("256", 1.02 + 0.2 * i, 2, 12, { verdict: "undecided", undecidedReason: "noisy-pairs" }),
      comparison("65536", 1.08, 2, 12, { metric: "meanLatencyUs" }),
    ],
  }));
}

const find = (rows: ReturnType<typeof runsAgreement>["comparisons"], size: string) => {
  const row = rows.find((r) => r.size === size);
  if (!row) throw new Error(`no ${size}`);
  return row;
};

describe("runsAgreement", () => {
  it("tests each comparison with two runs or more, and says which differ", () => {
    const result = runsAgreement(runs());
    expect(result.runs).toHaveLength(4);
    // mean latency is not among the checked metrics
    expect(result.comparisons.map((r) => r.size)).toEqual(["64", "1024", "4096", "16384", "256"]);
    const steady = find(result.comparisons, "64");
    expect(steady.verdict).toBe("no significant difference");
    expect(steady.agreement?.tau).toBe(0);
    expect(steady.agreement?.ratio).toBeCloseTo(1.1, 2);
    const moving = find(result.comparisons, "1024");
    expect(moving.verdict).toBe("differ");
    expect(moving.agreement?.tau).toBeGreaterThan(0.03);
    expect(moving.agreement?.ciLow).toBeLessThan(1.0);
    expect(moving.agreement?.ciHigh).toBeGreaterThan(1.09);
    expect(moving.runs.map((r) => r.run)).toEqual([0, 1, 2, 3]);
    // Holm over the two tested: the smaller p doubled
    const p = moving.agreement?.p as number;
    expect(p).toBeGreaterThan(1e-9);
    expect(p).toBeLessThan(0.01);
    expect((moving.pAdjusted as number) / p).toBeCloseTo(2, 9);
    // one run, or no paired interval: not tested, never "no significant difference"
    for (const size of ["4096", "16384", "256"]) {
      const row = find(result.comparisons, size);
      expect(row.verdict, size).toBe("undecided");
      expect(row.agreement, size).toBeNull();
      expect(row.pAdjusted, size).toBeNull();
    }
    expect(find(result.comparisons, "16384").runs).toHaveLength(4);
  });

  it("compares only the newest sweep design's runs", () => {
    const all = runs();
    const newest = {
      ...(all[3] as HistoryRun),
      runId: "other",
      startedAt: "2026-12-20T00:00:00.000Z",
      sweepDesign: "d2",
    };
    const result = runsAgreement([...all, newest]);
    expect(result.mixedSweeps).not.toBeNull();
    expect(result.runs.map((r) => r.runId)).toEqual(["other"]);
    expect(result.comparisons.every((r) => r.verdict === "undecided")).toBe(true);
    expect(result.comparisons).toHaveLength(4);
  });
});

describe("agreementText", () => {
  it("names the comparisons whose runs differ, with each run's figure and the ratio across them", () => {
    const result = runsAgreement(runs());
    const text = agreementText(result);
    expect(text.split("\n")[0]).toBe(
      "do the runs agree? 4 runs on 1 machine, 2 comparisons tested, 3 undecided (fewer than two runs with a paired interval)",
    );
    expect(text).toContain(
      "  runs differ: cross-node/TCP_STREAM/1024/throughputMbps ebpf/legacy: 1.00 [0.98–1.02], 1.08 [1.06–1.10], 1.01 [0.99–1.03], 1.09 [1.07–1.11]; across the runs ",
    );
    expect(text).not.toContain("runs differ: cross-node/TCP_STREAM/64/");
    expect(text.split("\n").at(-1)).toBe("  1 comparison(s): no significant difference between the runs");
    const moving = find(result.comparisons, "1024");
    expect(agreementVerdict(moving)).toMatch(/^differ, Holm-adjusted p (< 0\.001|= 0\.0\d\d)$/);
    expect(agreementVerdict(find(result.comparisons, "4096"))).toBe("undecided");
    expect(runRatios(find(result.comparisons, "4096"))).toBe("1.30 [1.27–1.33]");
  });

  it("names the machines when the runs come from more than one", () => {
    const mixed = runs().map((r, i) => ({ ...r, hostname: i === 0 ? "vm-b" : "vm-a" }));
    expect(agreementText(runsAgreement(mixed)).split("\n")[0]).toBe(
      "do the runs agree? 4 runs on 2 machines (vm-b: 1 run, vm-a: 3 runs): where they differ, part of the spread may be the machines', 2 comparisons tested, 3 undecided (fewer than two runs with a paired interval)",
    );
  });

  it("says when no comparison differs, and when none could be tested", () => {
    const steady = runs().map((r) => ({ ...r, comparisons: r.comparisons.filter((c) => c.size === "64") }));
    expect(agreementText(runsAgreement(steady))).toBe(
      "do the runs agree? 4 runs on 1 machine, 1 comparison tested\n  no comparison shows a significant difference between the runs",
    );
    expect(agreementText(runsAgreement(steady.slice(0, 1)))).toBe(
      "do the runs agree? 1 run on 1 machine, 0 comparisons tested, 1 undecided (fewer than two runs with a paired interval)",
    );
  });
});
