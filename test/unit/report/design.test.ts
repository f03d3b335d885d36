/**
 * Issue 18: the report states the design, the number of switches and each switch's measured
 * duration, and what the design confounds with the mode (a before/after run: drift; one
 * cluster per mode: the clusters' differences). Built from the committed lab run, with its
 * sweep and switches changed as a cluster run would record them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tableText } from "../../../harness/report/cells.js";
import { renderMarkdown } from "../../../harness/report/markdown.js";
import { buildReportModel } from "../../../harness/report/model.js";
import type { ModeEvidence, Results } from "../../../harness/results/schema.js";
import { resultsSchema } from "../../../harness/results/schema.js";
import { summarise } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);

function clusterRun(yaml: string, evidence: ModeEvidence[]): Results {
  const results = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
  const sweep = parseSweep(yaml, "k8s.yaml");
  const run = {
    ...results,
    sweep,
    modeEvidence: evidence,
    summary: summarise(sweep, sweepPoints(sweep), results.trials),
  };
  // what results.json stores, read back as the report reads it
  return resultsSchema.parse(JSON.parse(JSON.stringify(run)));
}

const base = `backend: kubernetes\nmodes: [legacy, ebpf, host]\ntests: [{test: TCP_RR}]\nrepetitions: 2\nduration: 1\n`;
const switchAt = (mode: "legacy" | "ebpf", minute: number, sec: number): ModeEvidence => ({
  mode,
  at: `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`,
  nodes: { "aks-pool-1": "BPF" },
  ok: true,
  detail: "every test node's agent reports it",
  switchStartedAt: `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`,
  switchSec: sec,
});

describe("the report's design", () => {
  it("states the segmented design, the switches and each one's measured duration", () => {
    const results = clusterRun(
      `${base}kubernetes: {routing: {strategy: command, commands: {legacy: [a], ebpf: [b]}}}\n`,
      [switchAt("legacy", 0, 1520), switchAt("ebpf", 30, 1985.5), switchAt("legacy", 59, 1710)],
    );
    const model = buildReportModel(results, []);
    const note = model.notes.find((n) => n.startsWith("Design:"));
    expect(note).toMatch(
      /segmented \(3 segments, mirrored in time\): legacy blocks 1 \| ebpf blocks 2–3 \| legacy blocks 4/,
    );
    expect(note).toMatch(
      /3 mode switches planned \(expected ~30\.0 min each, each replacing the nodes\), 3 made/,
    );
    expect(note).toMatch(/measured legacy 25\.3 min, ebpf 33\.1 min, legacy 28\.5 min/);
    const table = model.tables.find((t) => t.id === "switches");
    expect(table && tableText(table).map((row) => row.slice(0, 4))).toEqual([
      ["1", "legacy", "2026-12-06T10:00:00.000Z", "25.3 min"],
      ["2", "ebpf", "2026-12-06T10:30:00.000Z", "33.1 min"],
      ["3", "legacy", "2026-12-06T10:59:00.000Z", "28.5 min"],
    ]);
    expect(renderMarkdown(model, [])).toContain("### Mode switches");
    expect(model.notes.find((n) => n.startsWith("How modes are compared"))).toMatch(
      /eBPF\/legacy: ratio of the modes' mean segment geometric means.*rests on the segments between switches/,
    );
  });

  it("says a before/after design confounds drift with the mode", () => {
    const results = clusterRun(
      `${base}order: blocked\nkubernetes: {routing: {strategy: cilium-configmap}}\n`,
      [switchAt("legacy", 0, 95), switchAt("ebpf", 20, 130)],
    );
    const note = buildReportModel(results, []).notes.find((n) => n.startsWith("Design:"));
    expect(note).toMatch(/blocked \(before\/after.*drift over the run and the mode are confounded/);
    expect(note).toMatch(/measured legacy 95\.0 s, ebpf 2\.2 min/);
  });

  it("says two clusters confound their differences with the mode, and that nothing switched", () => {
    const results = clusterRun(
      `${base}kubernetes: {routing: {strategy: contexts, contexts: {legacy: a, ebpf: b}}}\n`,
      [],
    );
    const note = buildReportModel(results, []).notes.find((n) => n.startsWith("Design:"));
    expect(note).toMatch(
      /one cluster per mode: differences between the two clusters .* are confounded with the mode/,
    );
    expect(note).toMatch(/no mode switches \(one cluster per mode/);
  });

  it("describes a file written before the design was recorded from its sweep", () => {
    const old = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
    expect(old.summary.design).toBeUndefined();
    expect(buildReportModel(old, []).notes.find((n) => n.startsWith("Design:"))).toMatch(
      /^Design: interleaved/,
    );
  });
});
