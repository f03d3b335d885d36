/**
 * The report's CPU cost per unit of work, its comparison with the direct path and its second
 * witness, from a run of every test (all-tests-run.ts); and a run without any of them. Figures are
 * recomputed from the trials, not read back from the summary the report was built on.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SYNTHETIC_CPU_COST, syntheticWitness } from "../../../harness/bench/synthetic.js";
import { type Cell, cellText, type Table, tableText } from "../../../harness/report/cells.js";
import { datasetCsv } from "../../../harness/report/csv.js";
import { renderMarkdown } from "../../../harness/report/markdown.js";
import { buildReportModel } from "../../../harness/report/model.js";
import type { Results } from "../../../harness/results/schema.js";
import { summarySchema } from "../../../harness/results/summary-schema.js";

import {
  BIASED,
  charts,
  geometricRatio,
  median,
  median_,
  model,
  ratio_,
  results,
  row,
  table,
  values,
} from "./all-tests-run.js";

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
