import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { compareMarkdown, junitXml, terminalTable } from "../../../harness/report/compare-output.js";
import { classify, compareRuns, repetitionsToDecide } from "../../../harness/stats/regression.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const onePoint = parseSweep(
  "modes: [ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 5\nduration: 1\n",
  "x.yaml",
);

function run(effect: number, seed: number, sweep = onePoint) {
  return syntheticResults(
    sweep,
    syntheticTrials(sweep, { effect: { ebpf: effect, legacy: 1 }, drift: 0, cv: 0.05, seed }),
    `run-${seed}`,
  );
}

function verdictRate(candidateEffect: number, verdict: string, trials = 200): number {
  let hits = 0;
  for (let s = 0; s < trials; s++) {
    const report = compareRuns(run(1, 1000 + s), run(candidateEffect, 5000 + s), {
      maxRegressionPct: 5,
      metrics: ["transactionsPerSec"],
      seed: s,
    });
    if (report.points[0]?.verdict === verdict) hits++;
  }
  return hits / trials;
}

describe("regression detection on seeded synthetic runs (5 repetitions, 5% CV, threshold 5%)", () => {
  it("detects a 10% regression", () => {
    const rate = verdictRate(0.9, "regression");
    console.info(`detection rate of a 10% regression: ${(rate * 100).toFixed(1)}% of 200 seeded pairs`);
    expect(rate).toBeGreaterThanOrEqual(0.8);
  });

  it("flags identical distributions as regressions in at most 5% of 200 seeded pairs", () => {
    const rate = verdictRate(1, "regression");
    console.info(
      `false positive rate on identical distributions: ${(rate * 100).toFixed(1)}% of 200 seeded pairs`,
    );
    expect(rate).toBeLessThanOrEqual(0.05);
  });

  it("rarely calls a 2% change (within the threshold) a regression", () => {
    // With n=5 and 5% CV the estimate of a true 2% change crosses 5% by chance now and then.
    const rate = verdictRate(0.98, "regression", 100);
    console.info(`2% change called a regression: ${(rate * 100).toFixed(1)}% of 100 seeded pairs`);
    expect(rate).toBeLessThanOrEqual(0.1);
  });
});

describe("classify", () => {
  it("gives inconclusive when the interval spans the threshold, with the repetitions to decide", () => {
    expect(classify(0.95, 0.9, 1.0, 0.2, 0.05).verdict).toBe("inconclusive");
    expect(classify(0.9, 0.85, 0.95, 0.01, 0.05).verdict).toBe("regression");
    expect(classify(0.9, 0.85, 0.95, 0.2, 0.05).verdict).toBe("inconclusive"); // interval says so, p does not
    expect(classify(1.0, 0.97, 1.03, 0.9, 0.05).verdict).toBe("unchanged");
    expect(classify(1.2, 1.1, 1.3, 0.01, 0.05).verdict).toBe("improvement");
    // half-width 0.05 at n=5, 0.03 from the nearest boundary (0.95): (0.05/0.03)^2 * 5 = 13.9 → 14
    expect(repetitionsToDecide(5, 0.92, 0.87, 0.97, 0.05)).toBe(14);
    expect(repetitionsToDecide(5, 0.95, 0.9, 1.0, 0.05)).toBe(Number.POSITIVE_INFINITY);
  });

  it("knows lower is better for latency", () => {
    const report = compareRuns(run(1, 1), run(0.8, 2), { maxRegressionPct: 5 });
    const p99 = report.points.find((p) => p.metric === "p99Us");
    expect(p99?.ratio).toBeGreaterThan(1.1); // latency went up
    expect(p99?.verdict).toBe("regression");
    expect(p99?.goodChange).toBeLessThan(0);
  });
});

describe("notes beside the verdicts", () => {
  it("point out shifts shared by every mode, environment differences and noise", () => {
    const two = parseSweep(
      "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 5\nduration: 1\n",
      "x.yaml",
    );
    const make = (factor: number, seed: number) =>
      syntheticResults(
        two,
        syntheticTrials(two, { effect: { legacy: factor, ebpf: 1.2 * factor }, drift: 0, cv: 0.03, seed }),
        `r${seed}`,
      );
    const baseline = make(1, 1);
    const slowerMachine = make(0.6, 2);
    slowerMachine.environment = { ...slowerMachine.environment, kernel: "6.19" };
    const report = compareRuns(baseline, slowerMachine, {
      maxRegressionPct: 5,
      metrics: ["transactionsPerSec"],
    });
    expect(report.counts.regression).toBe(2);
    expect(report.notes).toContain("kernel differs: baseline synthetic, candidate 6.19");
    expect(report.notes.join("\n")).toMatch(
      /1 point\(s\) moved the same way in every mode; .*same-node TCP_RR 1,1 transactionsPerSec \(ebpf -4\d%, legacy -4\d%\)/,
    );
    expect(report.notes.join("\n")).toMatch(/^noise: CPU steal median 0\.0% \(max 0%\) in the baseline/m);
    // eBPF alone regressing is not a shared shift
    const ebpfOnly = syntheticResults(
      two,
      syntheticTrials(two, { effect: { ebpf: 0.9 }, drift: 0, cv: 0.03, seed: 3 }),
      "r3",
    );
    expect(
      compareRuns(baseline, ebpfOnly, { maxRegressionPct: 5, metrics: ["transactionsPerSec"] }).notes.join(),
    ).not.toMatch(/same way/);
  });
});

describe("incompatible inputs", () => {
  it("explains what differs when two runs share no point", () => {
    const stream = (sizes: string) =>
      parseSweep(
        `modes: [ebpf]\nplacements: [same-node]\ntests: [{test: TCP_STREAM, messageSizes: [${sizes}]}]\nrepetitions: 2\nduration: 1\n`,
        "x.yaml",
      );
    const a = syntheticResults(
      stream("64, 256"),
      syntheticTrials(stream("64, 256"), { effect: {}, drift: 0, cv: 0.05, seed: 1 }),
      "a",
    );
    const b = syntheticResults(
      stream("1024"),
      syntheticTrials(stream("1024"), { effect: {}, drift: 0, cv: 0.05, seed: 2 }),
      "b",
    );
    expect(() => compareRuns(a, b, { maxRegressionPct: 5 })).toThrow(
      /sizes: baseline has TCP_STREAM 256, TCP_STREAM 64; candidate has TCP_STREAM 1024/,
    );
  });

  it("marks points measured in one run only as missing", () => {
    const two = parseSweep(
      "modes: [ebpf, legacy]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 5\nduration: 1\n",
      "x.yaml",
    );
    const report = compareRuns(run(1, 1, two), run(1, 2), {
      maxRegressionPct: 5,
      metrics: ["transactionsPerSec"],
    });
    expect(report.points.find((p) => p.mode === "legacy")).toMatchObject({
      verdict: "missing",
      reason: "measured in the baseline only",
    });
  });
});

describe("compare outputs (golden files)", () => {
  const sweep = parseSweep(
    "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [1024]}]\nrepetitions: 5\nduration: 1\n",
    "x.yaml",
  );
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
  const report = compareRuns(baseline, candidate, { maxRegressionPct: 5 });

  const golden = (name: string, actual: string) => {
    const file = new URL(`../../fixtures/compare/${name}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
    expect(existsSync(file), `${name}: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toBe(readFileSync(file, "utf8"));
  };

  it("finds the planted eBPF regression and leaves legacy unchanged", () => {
    const tps = (mode: string) =>
      report.points.find((p) => p.mode === mode && p.metric === "transactionsPerSec");
    expect(tps("ebpf")?.verdict).toBe("regression");
    expect(["unchanged", "inconclusive"]).toContain(tps("legacy")?.verdict);
    expect(report.counts.regression).toBeGreaterThan(0);
  });

  it("writes JUnit, Markdown and JSON as committed", () => {
    golden("junit.xml", junitXml(report));
    golden("comment.md", compareMarkdown(report));
    golden("report.json", `${JSON.stringify(report, null, 2)}\n`);
    expect(terminalTable(report, false)).toMatch(/regression\(s\)/);
    expect(terminalTable(report, true)).toContain("\x1b[31m");
    expect(terminalTable(report, false)).not.toContain("\x1b[");
  });
});
