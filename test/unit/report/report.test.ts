import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { tableText } from "../../../harness/report/cells.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { comparisonsCsv, pointsCsv } from "../../../harness/report/csv.js";
import { renderMarkdown } from "../../../harness/report/markdown.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { loadPublished } from "../../../harness/report/published.js";
import { renderPng, renderSvg } from "../../../harness/report/render.js";
import { writeReport } from "../../../harness/report/write.js";
import { readResults } from "../../../harness/results/read.js";
import type { Results } from "../../../harness/results/schema.js";
import { summarise } from "../../../harness/stats/summary.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);
const EXPECTED = new URL("../../fixtures/report/expected/", import.meta.url);
const fixture = (): Results => JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;

/** Compares with a committed expected file; only UPDATE_GOLDEN=1 (re)writes it. */
function golden(name: string, actual: string): void {
  const file = new URL(name, EXPECTED);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(new URL(".", file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("report exporters (golden files from a real 24-trial lab run)", () => {
  const results = fixture();
  const model = buildReportModel(results, loadPublished());
  const charts = buildCharts(model.charts);

  it("renders report.md", () => golden("report.md", renderMarkdown(model, charts)));
  it("renders points.csv and comparisons.csv", () => {
    golden("points.csv", pointsCsv(results));
    golden("comparisons.csv", comparisonsCsv(results));
  });
  it("builds the vega-lite specs", () => {
    expect(charts.map((c) => c.id)).toEqual([
      "throughput-same-node",
      "throughput-cross-node",
      "gain",
      "latency",
      "tps",
      "repetitions",
    ]);
    for (const chart of charts)
      golden(`specs/${chart.id}.vl.json`, `${JSON.stringify(chart.spec, null, 2)}\n`);
  });

  it("commits CSV files whose figures the fixture's trials give (recomputed here, not by the report code)", () => {
    const csv = (name: string) =>
      readFileSync(new URL(name, EXPECTED), "utf8")
        .trim()
        .split("\n")
        // a field with a comma ("1,1") is quoted
        .map((line) =>
          line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((field) => field.replace(/^"|"$/g, "")),
        );
    const completed = (mode: string, key: string) =>
      results.trials.filter((t) => t.state === "completed" && t.mode === mode && t.point.key === key);
    const medianOf = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(s.length / 2);
      return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
    };
    let checked = 0;
    for (const [placement, test, size, mode, metric, n, median] of csv("points.csv").slice(1)) {
      const values = completed(mode ?? "", `${placement}/${test}/${size}`).flatMap(
        (t) => t.metrics?.[metric as "throughputMbps"] ?? [],
      );
      expect(Number(n), `${placement} ${test} ${mode} ${metric}`).toBe(values.length);
      expect(Number(median)).toBeCloseTo(medianOf(values), 2);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // each comparison's ratio: the geometric mean of its per-block candidate/baseline ratios
    for (const [placement, test, size, metric, baseline, candidate, ratio] of csv("comparisons.csv").slice(
      1,
    )) {
      const key = `${placement}/${test}/${size}`;
      const by = (mode: string) =>
        new Map(
          completed(mode, key).map((t) => [t.block, t.metrics?.[metric as "throughputMbps"] as number]),
        );
      const [b, c] = [by(baseline ?? ""), by(candidate ?? "")];
      const logs = [...b.keys()]
        .filter((k) => c.has(k))
        .map((k) => Math.log((c.get(k) as number) / (b.get(k) as number)));
      expect(Number(ratio), `${key} ${metric} ${candidate}/${baseline}`).toBeCloseTo(
        Math.exp(logs.reduce((x, y) => x + y, 0) / logs.length),
        5,
      );
    }
  });

  it("states every figure with its interval and sets published figures apart", () => {
    const table = model.tables.find((t) => t.id === "tps");
    const tps = table ? tableText(table) : [];
    expect(tps.find((r) => r[0] === "Same node" && r[1] === "eBPF host routing")?.[3]).toBe("20397");
    // 2 repetitions: no interval keeps its coverage, and every figure says so instead of printing one
    expect(tps.every((r) => /±|\[|missing|no interval: too few repetitions/.test(r[2] ?? ""))).toBe(true);
    expect(model.headlines.length).toBeGreaterThan(0);
    for (const h of model.headlines) expect(h.text).toMatch(/CI|not measured|too few pairs to decide/);
    const tcpRr = model.charts.rates.find((g) => g.test === "TCP_RR")?.rows ?? [];
    expect(tcpRr.filter((r) => !r.ours).map((r) => r.source)).toContain("Azure blog 2025 (AKS)");
  });

  it("renders SVG charts with marks and PNGs that are not blank", async () => {
    for (const chart of charts) {
      const svg = await renderSvg(chart.spec);
      expect(svg).toMatch(/^<svg/);
      expect(svg).toMatch(/class="mark-[a-z]+ role-mark/);
      const png = PNG.sync.read(renderPng(svg));
      expect(png.width).toBeGreaterThan(400);
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
      expect(colours.size, `${chart.id} PNG looks blank`).toBeGreaterThan(10);
    }
  });
});

describe("reports of incomplete runs", () => {
  it("renders an aborted run saying what is missing", async () => {
    const results = fixture();
    const kept = results.trials.slice(0, 7);
    const aborted: Results = {
      ...results,
      state: "aborted",
      trials: kept,
      summary: summarise(results.sweep, sweepPoints(results.sweep), kept),
    };
    const model = buildReportModel(aborted, loadPublished());
    expect(model.notes[0]).toMatch(/was interrupted: 7 of 24 planned trials completed/);
    // interrupted in the adaptive phase: the trials of blocks past the sweep's repetitions are
    // the adaptive phase's, said apart from the plan's (here: blocks past the first)
    const adaptiveSweep = { ...aborted.sweep, targetCiPct: 3, repetitions: 1 };
    const fourteen = results.trials.slice(0, 14);
    const pastFirst = fourteen.filter((t) => t.state === "completed" && t.block > 1).length;
    expect(pastFirst).toBeGreaterThan(0);
    const adaptive = buildReportModel(
      {
        ...aborted,
        sweep: adaptiveSweep,
        trials: fourteen,
        summary: summarise(adaptiveSweep, sweepPoints(adaptiveSweep), fourteen),
      },
      loadPublished(),
    );
    expect(adaptive.notes[0]).toContain(
      `was interrupted: 14 trials completed (${14 - pastFirst} of the 24 planned, ${pastFirst} in blocks the adaptive phase added).`,
    );
    expect(model.warnings.map((w) => w.kind)).toContain("missing-points");
    const dir = mkdtempSync(join(tmpdir(), "rb-report-"));
    const files = await writeReport(aborted, dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toContain("index.html");
  });

  it("renders a one-mode run without comparisons", () => {
    const results = fixture();
    const sweep = { ...results.sweep, modes: ["legacy" as const] };
    const trials = results.trials.filter((t) => t.mode === "legacy");
    const model = buildReportModel(
      { ...results, sweep, trials, summary: summarise(sweep, sweepPoints(sweep), trials) },
      loadPublished(),
    );
    expect(model.notes.join(" ")).toMatch(/measured legacy only: there is no eBPF\/legacy comparison/);
    expect(model.charts.gain).toEqual([]);
    expect(buildCharts(model.charts).map((c) => c.id)).not.toContain("gain");
  });

  it("refuses an unknown schema version and non-results files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-report-"));
    writeFileSync(join(dir, "results.json"), JSON.stringify({ ...fixture(), schemaVersion: 99 }));
    await expect(readResults(dir)).rejects.toThrow(
      /schema version 99; this routebench reads versions 2 and 3/,
    );
    writeFileSync(join(dir, "other.json"), "{}");
    await expect(readResults(join(dir, "other.json"))).rejects.toThrow(
      /has no schemaVersion: it is not a routebench results.json/,
    );
    await expect(readResults(join(dir, "missing"))).rejects.toThrow(/no results at/);
    // a killed run: trials.jsonl but no results.json — named as interrupted, with the way on
    const killed = join(dir, "killed");
    mkdirSync(killed);
    writeFileSync(join(killed, "trials.jsonl"), '{"id":"1:legacy:a"}\n{"id":"1:ebpf:a"}\n');
    await expect(readResults(killed)).rejects.toThrow(
      `${killed} holds no results.json: the run was interrupted or killed before it finished; its 2 finished trial(s) are in ${join(killed, "trials.jsonl")}`,
    );
    await expect(readResults(killed)).rejects.toMatchObject({
      hint: expect.stringMatching(/routebench run --resume/),
    });
    const empty = join(dir, "empty");
    mkdirSync(empty);
    await expect(readResults(empty)).rejects.toThrow(`no results.json in ${empty}`);
  });
});

describe("published figures", () => {
  const shared = new URL("../../../../shared/reference/published.json", import.meta.url);
  // shared/ sits beside the checkout in CI and on the team's machines; a user's clone has none.
  // In CI (CI=true, which .ci/run sets) its absence fails instead of skipping the check.
  const inCi = process.env.CI === "true";
  it.skipIf(!existsSync(shared) && !inCi)("match the shared reference beside the checkout", () => {
    expect(
      existsSync(shared),
      `${fileURLToPath(shared)} is missing (CI needs ../shared beside the checkout)`,
    ).toBe(true);
    expect(loadPublished()).toEqual(
      (JSON.parse(readFileSync(shared, "utf8")) as { sources: unknown }).sources,
    );
  });
});

describe("headlines", () => {
  it("name the sizes that differ significantly, and give the range of the rest", async () => {
    const { syntheticResults, syntheticTrials } = await import("../../../harness/bench/synthetic.js");
    const { parseSweep } = await import("../../../harness/sweep/load.js");
    const sweep = parseSweep(
      "placements: [cross-node]\ntests: [{test: TCP_STREAM, messageSizes: [64, 1024]}]\nrepetitions: 6\nduration: 1\n",
      "x.yaml",
    );
    // eBPF 30% faster everywhere, but at 64 B every other eBPF trial loses half its throughput
    // (noise that differs between the modes, which block pairing cannot cancel)
    const trials = syntheticTrials(sweep, { effect: { ebpf: 1.3 }, drift: 0, cv: 0.01, seed: 3 }).map((t) =>
      t.point.size === "64" && t.mode === "ebpf" && t.block % 2 && t.metrics?.throughputMbps
        ? { ...t, metrics: { throughputMbps: t.metrics.throughputMbps * 0.5 } }
        : t,
    );
    const model = buildReportModel(syntheticResults(sweep, trials, "mixed"), []);
    const stream = model.headlines.find((h) => h.text.includes("TCP_STREAM"));
    expect(stream?.text).toMatch(
      /^Cross node TCP_STREAM throughput: eBPF host routing was better at 1 of 2 message sizes \(1\.3\d× at 1024 B \(95% CI [\d.]+–[\d.]+, Holm-adjusted p < 0\.001\)\); no significant difference at the other 1 \(ratio [\d.]+× at 64 B/,
    );
  });
});
