import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import type { ChartSpec } from "../../../harness/report/chart-style.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { renderSvg } from "../../../harness/report/render.js";
import { parseSweep } from "../../../harness/sweep/load.js";

import { charts, median, median_, model, results, row, values } from "./all-tests-run.js";

describe("charts per netperf test", () => {
  it("draws a chart for every new test's figures, and keeps TCP_RR's ids", () => {
    expect(charts.map((c) => c.id)).toEqual([
      "throughput-same-node",
      "throughput-cross-node",
      "gain",
      "latency",
      "latency-TCP_CRR",
      "latency-UDP_RR",
      "tps",
      "tps-TCP_CRR",
      "tps-UDP_RR",
      "repetitions",
      "repetitions-TCP_CRR",
      "repetitions-UDP_RR",
      "udp-stream-rate",
      "udp-stream-loss",
      "cpu-cpuUsPerTrans",
      "cpu-cpuSecPerGB",
      "direct",
    ]);
  });

  it("keeps UDP_STREAM out of the TCP_STREAM throughput chart and gain", () => {
    const expected = ["same-node", "cross-node"].flatMap((placement) =>
      (["legacy", "ebpf", "direct"] as const).map(
        (mode) => median([...values(`${placement}/TCP_STREAM/1024`, mode, "throughputMbps").values()]) / 1000,
      ),
    );
    expect(model.charts.throughput.map((r) => r.gbps).sort()).toEqual(expected.sort());
    expect(model.charts.gain).toHaveLength(2);
  });

  it("plots each request/response test's own rate, latency and trials", () => {
    const crr = model.charts.rates.find((g) => g.test === "TCP_CRR");
    expect(crr?.metric).toBe("connectionsPerSec");
    const sameNodeEbpf = crr?.rows.find((r) => r.placement === "same-node" && r.mode === "ebpf");
    expect(sameNodeEbpf?.perSec).toBeCloseTo(
      median([...values("same-node/TCP_CRR/1,1", "ebpf", "connectionsPerSec").values()]),
      9,
    );
    const udpRrTrials = results.trials.filter((t) => t.point.test === "UDP_RR" && t.state === "completed");
    const reps = model.charts.repetitions.find((g) => g.test === "UDP_RR")?.rows ?? [];
    expect(reps.map((r) => r.perSec).sort()).toEqual(
      udpRrTrials.map((t) => t.metrics?.transactionsPerSec).sort(),
    );
    expect(model.charts.latency.find((g) => g.test === "TCP_CRR")?.rows.map((r) => r.percentile)).toContain(
      "P99",
    );
    const spec = JSON.stringify(charts.find((c) => c.id === "repetitions-TCP_CRR")?.spec);
    expect(spec).toContain('"title":"conn/s"');
  });

  it("sets UDP_STREAM's sent rate beside its received rate, and its loss", () => {
    const rate = model.charts.udpStream.rate.filter(
      (r) => r.placement === "cross-node" && r.mode === "legacy",
    );
    expect(rate.map((r) => r.x)).toEqual(["1024 B sent", "1024 B received"]);
    const key = "cross-node/UDP_STREAM/1024";
    expect(rate[0]?.value).toBeCloseTo(median([...values(key, "legacy", "sentMbps").values()]) / 1000, 9);
    expect(rate[1]?.value).toBeCloseTo(
      median([...values(key, "legacy", "throughputMbps").values()]) / 1000,
      9,
    );
    expect(model.charts.udpStream.loss.length).toBeGreaterThan(0);
    expect(model.charts.udpStream.loss.every((r) => r.value === 20)).toBe(true);
    const cells = row("udp-stream", "Cross node", "1024", "Legacy host routing");
    expect(median_(cells[3])).toBeCloseTo(median([...values(key, "legacy", "sentMbps").values()]) / 1000, 9);
    expect(median_(cells[4])).toBeCloseTo(
      median([...values(key, "legacy", "throughputMbps").values()]) / 1000,
      9,
    );
    expect(median_(cells[5])).toBe(20);
  });

  it("renders every new chart to SVG with marks", async () => {
    const old = new Set([
      "throughput-same-node",
      "throughput-cross-node",
      "gain",
      "latency",
      "tps",
      "repetitions",
    ]);
    for (const chart of charts.filter((c) => !old.has(c.id))) {
      const svg = await renderSvg(chart.spec);
      expect(svg, chart.id).toMatch(/class="mark-[a-z]+ role-mark/);
    }
  });
});

describe("points run by several streams", () => {
  const sweep = parseSweep(
    `placements: [same-node]\ntests: [{test: TCP_STREAM, messageSizes: [1024]}, {test: TCP_RR, sizes: ["1,1"]}]\nstreams: [1, 4]\nrepetitions: 6\nduration: 1\n`,
    "streams.yaml",
  );
  const trials = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0, cv: 0.02, seed: 2 });
  const many = buildReportModel(syntheticResults(sweep, trials, "streams"), []);
  const manyCharts = buildCharts(many.charts);

  it("keeps them off the message-size axis and the single-stream latency and trial charts", async () => {
    expect(many.charts.throughput.map((r) => r.size)).toEqual([1024, 1024]);
    expect(many.charts.gain.map((r) => r.size)).toEqual([1024]);
    expect(many.charts.streamThroughput.map((r) => r.x)).toEqual(["1024 B ×4 streams", "1024 B ×4 streams"]);
    const single = trials.filter((t) => t.point.test === "TCP_RR" && t.point.streams === undefined);
    expect(many.charts.repetitions[0]?.rows).toHaveLength(single.length);
    // 2 modes × 3 percentiles of the single-stream point
    expect(many.charts.latency[0]?.rows).toHaveLength(6);
    expect(many.headlines[0]?.text).toMatch(/× at 1024 B \(.*× at 1024 B ×4 streams \(/);
    const chart = manyCharts.find((c) => c.id === "throughput-streams") as ChartSpec;
    expect(await renderSvg(chart.spec)).toMatch(/class="mark-rect role-mark/);
  });
});
