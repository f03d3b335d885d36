/**
 * Issue 14's measurements in the report, from a seeded synthetic run of every netperf test with
 * the direct baseline, CPU cost per unit of work and a second witness. Every figure checked is
 * recomputed here from the trials (medians by sorting, ratios as geometric means of per-block
 * ratios), not read back from the summary the report was built on.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  SYNTHETIC_CPU_COST,
  syntheticResults,
  syntheticTrials,
  syntheticWitness,
} from "../../../harness/bench/synthetic.js";
import { type Cell, cellText, type Table, tableText } from "../../../harness/report/cells.js";
import type { ChartSpec } from "../../../harness/report/chart-style.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { datasetCsv } from "../../../harness/report/csv.js";
import { renderMarkdown } from "../../../harness/report/markdown.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { renderSvg } from "../../../harness/report/render.js";
import type { Results, TrialRecord } from "../../../harness/results/schema.js";
import { summarySchema } from "../../../harness/results/summary-schema.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

const SWEEP = `
modes: [legacy, ebpf, direct]
placements: [same-node, cross-node]
tests:
  - {test: TCP_STREAM, messageSizes: [1024]}
  - {test: TCP_RR, sizes: ["1,1"]}
  - {test: TCP_CRR, sizes: ["1,1"]}
  - {test: UDP_RR, sizes: ["1,1"]}
  - {test: UDP_STREAM, messageSizes: [1024]}
repetitions: 8
duration: 1
cpu: {serviceDemand: true}
`;

// eBPF 25% faster than legacy, the direct path 50% faster: eBPF reaches 1.25/1.5 ≈ 83% of it
const EFFECT = { legacy: 1, ebpf: 1.25, direct: 1.5 };
// at one point the witness sees eBPF 30% further ahead than netperf: a planted disagreement
const BIASED = "same-node/TCP_RR/1,1";

function run(): Results {
  const sweep = parseSweep(SWEEP, "issue14.yaml");
  const trials = syntheticTrials(sweep, { effect: EFFECT, drift: 0.05, cv: 0.02, seed: 14, cpuCost: true });
  const results = syntheticResults(sweep, trials, "issue14");
  results.summary.witness = syntheticWitness(trials, {
    witness: "sockperf",
    metric: "transactionsPerSec",
    seed: 5,
    cv: 0.01,
    bias: { [BIASED]: 1.3 },
  });
  return results;
}

const results = run();
const model = buildReportModel(results, []);
const charts = buildCharts(model.charts);

/** A point's completed values in one mode, by block. */
function values(key: string, mode: Mode, metric: MetricName): Map<number, number> {
  const byBlock = new Map<number, number>();
  for (const t of results.trials as TrialRecord[])
    if (
      t.state === "completed" &&
      t.point.key === key &&
      t.mode === mode &&
      t.metrics?.[metric] !== undefined
    )
      byBlock.set(t.block, t.metrics?.[metric] as number);
  return byBlock;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** exp(mean over shared blocks of ln(candidate/baseline)). */
function geometricRatio(key: string, metric: MetricName, baseline: Mode, candidate: Mode): number {
  const b = values(key, baseline, metric);
  const c = values(key, candidate, metric);
  const logs = [...b.keys()]
    .filter((k) => c.has(k))
    .map((k) => Math.log((c.get(k) as number) / (b.get(k) as number)));
  return Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length);
}

const table = (id: string) => {
  const found = model.tables.find((t) => t.id === id);
  if (!found) throw new Error(`no table ${id}: ${model.tables.map((t) => t.id).join(", ")}`);
  return found;
};
const row = (id: string, ...leading: string[]) =>
  table(id).rows.find((r) =>
    leading.every((text, i) => {
      const cell = r[i];
      return cell?.kind === "text" && cell.text === text;
    }),
  ) ?? [];
const median_ = (cell: Cell | undefined) => (cell?.kind === "estimate" ? cell.median : Number.NaN);
const ratio_ = (cell: Cell | undefined) => (cell?.kind === "ratio" ? cell.ratio : Number.NaN);

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

describe("CPU per unit of work", () => {
  it("tabulates each mode's cost and the eBPF/legacy ratio, recomputed from the trials", () => {
    const key = "same-node/TCP_RR/1,1";
    const cells = row("cpu-cpuUsPerTrans", "Same node", "TCP_RR", "1,1");
    expect(table("cpu-cpuUsPerTrans").columns).toEqual([
      "Placement",
      "Test",
      "Size",
      "Legacy host routing (µs/trans)",
      "eBPF host routing (µs/trans)",
      "Direct path (µs/trans)",
      "eBPF / legacy",
    ]);
    expect(median_(cells[3])).toBeCloseTo(median([...values(key, "legacy", "cpuUsPerTrans").values()]), 9);
    expect(median_(cells[4])).toBeCloseTo(median([...values(key, "ebpf", "cpuUsPerTrans").values()]), 9);
    expect(median_(cells[5])).toBeCloseTo(median([...values(key, "direct", "cpuUsPerTrans").values()]), 9);
    const expected = geometricRatio(key, "cpuUsPerTrans", "legacy", "ebpf");
    expect(ratio_(cells[6])).toBeCloseTo(expected, 9);
    // the planted effect: eBPF spends 1/1.25 of legacy's CPU per transaction (noise cv 2%)
    expect(expected).toBeGreaterThan(0.75);
    expect(expected).toBeLessThan(0.85);
    expect(cellText(cells[6] as Cell)).toMatch(/better$/);
    // legacy at speed 1 costs SYNTHETIC_CPU_COST µs per transaction, before noise
    expect(median_(cells[3]) / SYNTHETIC_CPU_COST.cpuUsPerTrans).toBeGreaterThan(0.9);
  });

  it("covers connections (TCP_CRR) and UDP_RR per transaction, streams per GB", () => {
    const tests = table("cpu-cpuUsPerTrans").rows.map((r) => (r[1]?.kind === "text" ? r[1].text : ""));
    expect(new Set(tests)).toEqual(new Set(["TCP_RR", "TCP_CRR", "UDP_RR"]));
    const gb = table("cpu-cpuSecPerGB").rows.map((r) => (r[1]?.kind === "text" ? r[1].text : ""));
    expect(new Set(gb)).toEqual(new Set(["TCP_STREAM", "UDP_STREAM"]));
  });

  it("states the method and its caveats", () => {
    const note = table("cpu-cpuUsPerTrans").note ?? "";
    expect(note).toMatch(/\/proc\/stat counts but idle and steal: user, system, irq and softirq/);
    expect(note).toMatch(/netperf, netserver and the nodes' softirq work share that one CPU/);
  });

  it("headlines the cost per placement", () => {
    const line = model.headlines.find((h) => h.text.startsWith("Same node CPU per transaction"));
    expect(line?.text).toMatch(/TCP_RR 1,1 0\.\d\d× \(CI /);
    expect(line?.verdict).toBe("better");
  });
});

describe("against the direct path", () => {
  it("tabulates legacy and eBPF as ratios of the direct path, recomputed from the trials", () => {
    for (const [placement, test, metric] of [
      ["same-node", "TCP_RR", "transactionsPerSec"],
      ["cross-node", "TCP_CRR", "connectionsPerSec"],
      ["same-node", "TCP_STREAM", "throughputMbps"],
    ] as const) {
      const size = test === "TCP_STREAM" ? "1024" : "1,1";
      const key = `${placement}/${test}/${size}`;
      const cells = row("direct", placement === "same-node" ? "Same node" : "Cross node", test, size);
      expect(ratio_(cells[5]), key).toBeCloseTo(geometricRatio(key, metric, "direct", "legacy"), 9);
      expect(ratio_(cells[6]), key).toBeCloseTo(geometricRatio(key, metric, "direct", "ebpf"), 9);
      expect(median_(cells[4]), key).toBeCloseTo(
        median([...values(key, "direct", metric).values()]) * (metric === "throughputMbps" ? 1e-3 : 1),
        9,
      );
    }
  });

  it("says how far each mode is from the direct path, and charts it", () => {
    const key = "same-node/TCP_RR/1,1";
    const percent = Math.round(geometricRatio(key, "transactionsPerSec", "direct", "ebpf") * 100);
    const line = model.headlines.find((h) =>
      h.text.startsWith("Same node TCP_RR, share of the direct path's transaction rate"),
    );
    expect(line?.text).toContain(`eBPF reaches ${percent}% (95% CI `);
    const bar = model.charts.direct.find(
      (r) => r.placement === "same-node" && r.x === "TCP_RR 1,1" && r.mode === "ebpf",
    );
    expect(bar?.value).toBeCloseTo(geometricRatio(key, "transactionsPerSec", "direct", "ebpf") * 100, 9);
  });
});

describe("second witness", () => {
  const witness = results.summary.witness ?? [];

  it("is stored in the summary's schema", () => {
    expect(summarySchema.parse(results.summary).witness).toEqual(witness);
  });

  it("tabulates both ratios and flags the planted disagreement", () => {
    const rows = tableText(table("witness"));
    const biased = rows.find((r) => r[0] === "Same node TCP_RR 1,1");
    expect(biased?.[6]).toBe("disagree");
    const netperf = geometricRatio(BIASED, "transactionsPerSec", "legacy", "ebpf");
    expect(biased?.[4]).toMatch(new RegExp(`^${netperf.toFixed(2).replace(".", "\\.")}× \\[`));
    expect(rows.find((r) => r[0] === "Cross node TCP_RR 1,1")?.[6]).toBe("agree");
    expect(table("witness").note).toMatch(
      /^Warning: the tools disagree at Same node TCP_RR 1,1 \(transaction rate\);/,
    );
    const line = model.headlines.at(-1);
    expect(line?.verdict).toBe("warning");
    expect(line?.text).toMatch(
      /agrees with netperf's eBPF\/legacy ratio at 1 of 2 .*disagrees at 1 \(Same node TCP_RR 1,1 transaction rate\)/,
    );
  });

  it("exports witness.csv and puts the new tables in Markdown", () => {
    const csv = datasetCsv(model.datasets.witness ?? { columns: [], rows: [] }).split("\n");
    expect(csv[0]).toBe(
      "point,metric,witness,blocks,netperfRatio,netperfCiLow,netperfCiHigh,witnessRatio,witnessCiLow,witnessCiHigh,agreement",
    );
    expect(csv.find((l) => l.startsWith(`"${BIASED}"`))).toMatch(/,disagree$/);
    const md = renderMarkdown(model, charts);
    for (const title of [
      "### CPU per transaction (µs/trans, lower is better)",
      "### Host routing against the direct path",
      "### Second witness",
    ])
      expect(md).toContain(title);
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

describe("a witness with too few common blocks", () => {
  const first = Math.min(...results.trials.map((t) => t.block));
  // 4 blocks: below the 6 an interval needs, so neither tool has one and nothing is decided
  const few = syntheticWitness(
    results.trials.filter((t) => t.block < first + 4),
    { witness: "sockperf", metric: "transactionsPerSec", seed: 5, cv: 0.01, bias: { [BIASED]: 1.3 } },
  );
  const undecided = buildReportModel({ ...results, summary: { ...results.summary, witness: few } }, []);

  it("says undecided, prints no interval and raises no warning", () => {
    const rows = tableText(undecided.tables.find((t) => t.id === "witness") as Table);
    expect(rows.map((r) => [r[3], r[6]])).toEqual([
      ["4", "undecided"],
      ["4", "undecided"],
    ]);
    expect(rows.every((r) => r[4]?.endsWith("× [no CI]") && r[5]?.endsWith("× [no CI]"))).toBe(true);
    expect(undecided.tables.find((t) => t.id === "witness")?.note).toMatch(/^Both ratios/);
    const line = undecided.headlines.at(-1);
    expect(line?.text).toBe(
      "Second witness (sockperf): agrees with netperf's eBPF/legacy ratio at 0 of 2 witnessed points and metrics; undecided at 2 (too few common blocks for an interval).",
    );
    expect(line?.verdict).toBe("context");
  });
});

describe("a run without the new measurements", () => {
  const fixture = JSON.parse(
    readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
  ) as Results;
  const plain = buildReportModel(fixture, []);

  it("has none of their tables, charts, headlines or notes", () => {
    expect(plain.tables.map((t) => t.id).filter((id) => /^(cpu|sd)-|^direct$|^witness$/.test(id))).toEqual(
      [],
    );
    expect(plain.headlines.filter((h) => /direct path|CPU per|witness/i.test(h.text))).toEqual([]);
    expect(plain.datasets.witness).toBeUndefined();
  });
});
