/**
 * The Service-count data (issue 23): TCP_CRR's connection rate and TCP_RR's latency
 * against the number of Services, one series per mode with the summary's intervals, and
 * eBPF/legacy per count. Against a seeded synthetic run with a planted effect (services-run.ts).
 */
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { tableText } from "../../../harness/report/cells.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { countedPointLabel, serviceCountData } from "../../../harness/report/service-count.js";
import type { Results } from "../../../harness/results/schema.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { legacyFactor, servicesRun } from "./services-run.js";

const results = servicesRun();
const model = buildReportModel(results, []);

/** The median of a point's completed trials in one mode, recomputed from the trials. */
function trialMedian(key: string, mode: string, metric: "connectionsPerSec" | "p50Us"): number {
  const xs = results.trials
    .filter((t) => t.state === "completed" && t.point.key === key && t.mode === mode)
    .map((t) => t.metrics?.[metric] as number)
    .sort((a, b) => a - b);
  const mid = xs.length / 2;
  return xs.length % 2
    ? (xs[Math.floor(mid)] as number)
    : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

describe("the Service-count chart's data", () => {
  const [crr, rr] = model.charts.services;

  it("plots TCP_CRR's connection rate and TCP_RR's P50 latency, each mode at each count", () => {
    expect(model.charts.services.map((s) => [s.test, s.metric])).toEqual([
      ["TCP_CRR", "connectionsPerSec"],
      ["TCP_RR", "p50Us"],
    ]);
    // 2 placements × 2 destinations × 3 counts × 2 modes
    expect(crr?.rows).toHaveLength(24);
    expect(crr?.rows.slice(0, 6).map((r) => [r.placement, r.point, r.services, r.mode])).toEqual([
      ["same-node", "1,1 → pod", 100, "legacy"],
      ["same-node", "1,1 → pod", 100, "ebpf"],
      ["same-node", "1,1 → pod", 1000, "legacy"],
      ["same-node", "1,1 → pod", 1000, "ebpf"],
      ["same-node", "1,1 → pod", 10000, "legacy"],
      ["same-node", "1,1 → pod", 10000, "ebpf"],
    ]);
    expect(new Set(crr?.rows.map((r) => r.point))).toEqual(new Set(["1,1 → pod", "1,1 → service"]));
  });

  it("takes each value and interval from the summary row of its point and mode", () => {
    for (const series of model.charts.services)
      for (const row of series.rows) {
        const summary = results.summary.points.find(
          (p) =>
            p.placement === row.placement &&
            p.test === series.test &&
            p.metric === series.metric &&
            p.mode === row.mode &&
            p.services === row.services &&
            countedPointLabel(p) === row.point,
        );
        expect(row).toEqual({
          placement: row.placement,
          point: row.point,
          mode: row.mode,
          services: row.services,
          value: summary?.median,
          low: summary?.ciLow,
          high: summary?.ciHigh,
          n: 6,
        });
      }
    // and the summary's medians are the trials' own (recomputed here, not by the report code)
    const key = "cross-node/TCP_CRR/1,1/service/services=10000";
    const row = crr?.rows.find(
      (r) => r.placement === "cross-node" && r.point === "1,1 → service" && r.services === 10000,
    );
    expect(row?.value).toBe(trialMedian(key, "legacy", "connectionsPerSec"));
    const latency = rr?.rows.find(
      (r) => r.placement === "same-node" && r.point === "1,1 → pod" && r.services === 100,
    );
    expect(latency?.mode).toBe("legacy");
    expect(latency?.value).toBe(trialMedian("same-node/TCP_RR/1,1/services=100", "legacy", "p50Us"));
  });

  it("shows a summary's figures exactly as stored", () => {
    const edited = servicesRun();
    const set = { median: 31_000, ciLow: 29_500, ciHigh: 32_250 };
    for (const p of edited.summary.points)
      if (
        p.placement === "same-node" &&
        p.test === "TCP_CRR" &&
        p.destination === "service" &&
        p.mode === "ebpf"
      )
        if (p.metric === "connectionsPerSec")
          Object.assign(p, { ...set, median: set.median + (p.services ?? 0) });
    const rows = serviceCountData(edited)[0]?.rows.filter(
      (r) => r.placement === "same-node" && r.point === "1,1 → service" && r.mode === "ebpf",
    );
    expect(rows).toEqual(
      [100, 1000, 10000].map((services) => ({
        placement: "same-node",
        point: "1,1 → service",
        mode: "ebpf",
        services,
        value: 31_000 + services,
        low: 29_500,
        high: 32_250,
        n: 6,
      })),
    );
  });

  it("gives eBPF/legacy at each count from the run's comparison, and shows the planted effect", () => {
    expect(crr?.ratios).toHaveLength(12);
    for (const r of crr?.ratios ?? []) {
      const c = results.summary.comparisons.find(
        (c) =>
          c.placement === r.placement &&
          c.test === "TCP_CRR" &&
          c.metric === "connectionsPerSec" &&
          c.baseline === "legacy" &&
          c.candidate === "ebpf" &&
          c.services === r.services &&
          countedPointLabel(c) === r.point,
      );
      expect([r.ratio, r.low, r.high, r.verdict]).toEqual([c?.ratio, c?.ciLow, c?.ciHigh, c?.verdict]);
    }
    // planted: eBPF 1.2× legacy at 100 Services, and legacy 10% slower at 10,000. With 2% noise
    // per trial and 6 pairs, each ratio's 95% interval is about ±2%: 3% tolerance.
    const at = (services: number) =>
      crr?.ratios.find(
        (r) => r.placement === "same-node" && r.point === "1,1 → service" && r.services === services,
      );
    expect(at(100)?.ratio).toBeGreaterThan(1.2 * 0.97);
    expect(at(100)?.ratio).toBeLessThan(1.2 * 1.03);
    expect(at(10000)?.ratio).toBeGreaterThan((1.2 / legacyFactor(10000)) * 0.97);
    expect(at(10000)?.ratio).toBeLessThan((1.2 / legacyFactor(10000)) * 1.03);
  });

  it("gives each mode's change from the fewest Services, paired by block, and finds the planted one", () => {
    const changes = crr?.changes ?? [];
    // 2 placements × 2 points × 2 counts above the fewest × 2 modes
    expect(changes).toHaveLength(16);
    expect(new Set(changes.map((c) => c.from))).toEqual(new Set([100]));
    // the estimate, recomputed from the trials: exp(mean over blocks of ln(at 10,000 / at 100))
    const byBlock = (key: string, mode: string) =>
      new Map(
        results.trials
          .filter((t) => t.point.key === key && t.mode === mode)
          .map((t) => [t.block, t.metrics?.connectionsPerSec as number]),
      );
    const before = byBlock("cross-node/TCP_CRR/1,1/service/services=100", "legacy");
    const after = byBlock("cross-node/TCP_CRR/1,1/service/services=10000", "legacy");
    const logs = [...before.keys()].map((b) =>
      Math.log((after.get(b) as number) / (before.get(b) as number)),
    );
    const change = changes.find(
      (c) =>
        c.placement === "cross-node" &&
        c.point === "1,1 → service" &&
        c.services === 10000 &&
        c.mode === "legacy",
    );
    expect(change?.n).toBe(6);
    expect(change?.ratio).toBeCloseTo(Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length), 12);
    // planted: legacy 10% slower at 10,000 Services, eBPF unchanged. 2% noise per trial, the
    // drift shared by a block's counts: each ratio's sd is about 2% × √2 / √6 ≈ 1.2%, so 4 sd
    // is 5%; and legacy's 10% fall lies ~8 sd from 1: its interval excludes 1
    for (const c of changes.filter((c) => c.services === 10000)) {
      const planted = c.mode === "legacy" ? legacyFactor(10000) : 1;
      expect(Math.abs(c.ratio / planted - 1), `${c.placement} ${c.point} ${c.mode}`).toBeLessThan(0.05);
      if (c.mode === "legacy") expect(c.high).toBeLessThan(1);
    }
    const text = tableText(model.tables.find((t) => t.id === "services-TCP_CRR") as never);
    expect(text[0]?.slice(5, 7)).toEqual(["–", "–"]); // the fewest Services: the reference
    expect(text[2]?.[5]).toMatch(/^0\.\d\d× \[0\.\d\d–0\.\d\d\]$/);
  });

  it("draws nothing for a run at one Service count or none", () => {
    const sweep = (extra: string) =>
      parseSweep(
        `name: one\nplacements: [same-node]\ntests: [{test: TCP_CRR, sizes: ["1,1"]}]\nrepetitions: 6\n${extra}`,
        "one.yaml",
      );
    for (const extra of ["", "lab: {services: [100]}\n", "destinations: [pod, service]\n"]) {
      const s = sweep(extra);
      const run: Results = syntheticResults(
        s,
        syntheticTrials(s, { effect: { ebpf: 1.2 }, drift: 0, cv: 0.02, seed: 1 }),
        "one",
      );
      expect(serviceCountData(run), extra).toEqual([]);
      expect(
        buildReportModel(run, [])
          .tables.map((t) => t.id)
          .filter((id) => id.startsWith("services")),
      ).toEqual([]);
    }
  });
});
