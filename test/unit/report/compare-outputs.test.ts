/**
 * The release gate's outputs (report/compare-output.ts) as committed golden files
 * (test/fixtures/compare), each beside checks that do not come from the code that wrote them:
 * the planted change (eBPF 1.25× → 1.05× legacy, legacy unchanged) read back from the
 * committed JUnit file itself.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { compareMarkdown, junitXml, terminalTable } from "../../../harness/report/compare-output.js";
import { compareRuns } from "../../../harness/stats/regression.js";
import { parseSweep } from "../../../harness/sweep/load.js";

describe("compare outputs (golden files)", () => {
  const sweep = parseSweep(
    "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [1024]}]\nrepetitions: 5\nduration: 1\n",
    "x.yaml",
  );
  // built inside each test, not in the describe body: mutation testing (Stryker) attributes
  // the code a test runs to that test only when it runs inside it
  const compared = () => {
    const baseline = syntheticResults(
      sweep,
      syntheticTrials(sweep, { effect: { ebpf: 1.25 }, drift: 0, cv: 0.04, seed: 11 }),
      "20260101-000000-base",
      "v1.0 abc1234",
      "2026-01-01T00:00:00.000Z",
    );
    const candidate = syntheticResults(
      sweep,
      syntheticTrials(sweep, { effect: { ebpf: 1.05 }, drift: 0, cv: 0.04, seed: 12 }),
      "20260102-000000-cand",
      "v1.1 def5678",
      "2026-01-02T00:00:00.000Z",
    );
    return compareRuns(baseline, candidate, { maxRegressionPct: 5 });
  };

  const golden = (name: string, actual: string) => {
    const file = new URL(`../../fixtures/compare/${name}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
    expect(existsSync(file), `${name}: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toBe(readFileSync(file, "utf8"));
  };

  it("finds the planted eBPF regression and leaves legacy unchanged", () => {
    const report = compared();
    const tps = (mode: string) =>
      report.analysis.points.find((p) => p.mode === mode && p.metric === "transactionsPerSec");
    expect(tps("ebpf")?.verdict).toBe("regression");
    expect(["unchanged", "inconclusive"]).toContain(tps("legacy")?.verdict);
    expect(report.gate.decision).toBe("regression");
  });

  it("writes JUnit, Markdown and JSON as committed", () => {
    const report = compared();
    golden("junit.xml", junitXml(report));
    golden("comment.md", compareMarkdown(report));
    golden("report.json", `${JSON.stringify(report, null, 2)}\n`);
    expect(terminalTable(report, false)).toMatch(/^gate: REGRESSION \(exit 1\)/m);
    expect(junitXml(report)).toMatch(/<testcase classname="routebench.gate"/);
    expect(terminalTable(report, true)).toContain("\x1b[31m");
    expect(terminalTable(report, false)).not.toContain("\x1b[");
  });
});

describe("the committed compare outputs, read on their own", () => {
  const junit = readFileSync(new URL("../../fixtures/compare/junit.xml", import.meta.url), "utf8");
  const cases = [
    ...junit.matchAll(/<testcase classname="([^"]+)" name="([^"]+)">([\s\S]*?)<\/testcase>/g),
  ].map(([, classname, name, body]) => ({ classname, name, body: body ?? "" }));

  it("counts what it lists", () => {
    const counts = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(
      junit,
    );
    expect(Number(counts?.[1])).toBe(cases.length);
    expect(Number(counts?.[2])).toBe(cases.filter((c) => c.body.includes("<failure")).length);
    expect(Number(counts?.[4])).toBe(cases.filter((c) => c.body.includes("<skipped")).length);
  });

  it("fails eBPF's rates, where the change was planted, and never legacy", () => {
    // 2 modes × (TCP_RR: rate, P50, P90, P99, mean; TCP_STREAM: throughput) points, both modes, the gate
    expect(cases).toHaveLength(1 + 2 + 2 * 6);
    const failed = (name: string) => cases.find((c) => c.name === name)?.body.includes("<failure");
    expect(failed("gate (raw values)")).toBe(true);
    expect(failed("mode/ebpf")).toBe(true);
    expect(failed("same-node/TCP_RR/1,1/ebpf/transactionsPerSec")).toBe(true);
    expect(failed("same-node/TCP_STREAM/1024/ebpf/throughputMbps")).toBe(true);
    expect(cases.filter((c) => (c.name ?? "").includes("legacy") && c.body.includes("<failure"))).toEqual([]);
  });
});
