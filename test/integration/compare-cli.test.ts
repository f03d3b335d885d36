/** `routebench compare`, `history` and `export` through the real CLI, on seeded synthetic runs. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../harness/bench/synthetic.js";
import { parseSweep } from "../../harness/sweep/load.js";
import { runCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rb-compare-"));
const sweep = (sizes = "64, 1024") =>
  parseSweep(
    `modes: [legacy, ebpf]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [${sizes}]}]\nrepetitions: 5\nduration: 1\n`,
    "x.yaml",
  );

function write(
  name: string,
  effect: number,
  seed: number,
  sizes?: string,
  startedAt?: string,
  cv = 0.03,
): string {
  const s = sweep(sizes);
  const results = syntheticResults(
    s,
    syntheticTrials(s, { effect: { ebpf: effect }, drift: 0, cv, noise: "lognormal", seed }),
    `run-${name}`,
    name,
    startedAt,
  );
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(results));
  return file;
}

const base = write("base", 1.2, 1, undefined, "2026-01-01T00:00:00.000Z");
const same = write("same", 1.2, 2, undefined, "2026-01-02T00:00:00.000Z");
const slower = write("slower", 1.0, 3, undefined, "2026-01-03T00:00:00.000Z");
const otherSizes = write("other-sizes", 1.2, 4, "256");
const noisy = write("noisy", 1.2, 5, undefined, undefined, 0.3);
const slowerMachine = write("slower-machine", 1.2, 6, undefined, undefined);

describe("routebench compare", () => {
  it("exits 0 when nothing regressed", async () => {
    const result = await runCli(["compare", base, same]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/0 regression\(s\)/);
    expect(result.stdout).not.toContain("\x1b["); // no colour off a terminal
  });

  it("exits 1 on a regression and writes JUnit and Markdown", async () => {
    const junit = join(dir, "junit.xml");
    const markdown = join(dir, "comment.md");
    const result = await runCli([
      "compare",
      base,
      slower,
      "--junit",
      junit,
      "--markdown",
      markdown,
      "--max-regression",
      "5",
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/ebpf\/transactionsPerSec .* regression/);
    expect(readFileSync(junit, "utf8")).toMatch(/<failure message="regression: -1\d\.\d%"/);
    expect(readFileSync(markdown, "utf8")).toMatch(/^## routebench: ❌ REGRESSION \(exit 1\)/);
  });

  it("exits 5 when it cannot decide, saying what a decision needs before the table", async () => {
    const junit = join(dir, "undecided.xml");
    const result = await runCli(["compare", base, noisy, "--junit", junit]);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.stdout).toMatch(/^gate: UNDECIDED \(exit 5\)/m);
    expect(result.stdout.indexOf("repetitions per run")).toBeLessThan(result.stdout.indexOf("point  "));
    expect(readFileSync(junit, "utf8")).toMatch(/<error message="UNDECIDED: /);
  });

  it("normalises by an in-run reference with --normalise, the raw comparison beside it", async () => {
    const result = await runCli(["compare", base, slowerMachine, "--normalise", "legacy"]);
    expect(result.stdout).toMatch(/judged on values normalised by legacy/);
    expect(result.stdout).toMatch(/raw values, not normalised/);
    const bad = await runCli(["compare", base, same, "--normalise", "host"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--normalise needs a reference mode measured in both runs/);
  });

  it("filters metrics and prints JSON", async () => {
    const result = await runCli(["compare", base, slower, "--metric", "throughputMbps", "--json"]);
    const report = JSON.parse(result.stdout) as { analysis: { points: { metric: string }[] } };
    expect(new Set(report.analysis.points.map((p) => p.metric))).toEqual(new Set(["throughputMbps"]));
  });

  it("exits 2 for bad input, explaining incompatible runs", async () => {
    const incompatible = await runCli(["compare", base, otherSizes, "--metric", "throughputMbps"]);
    expect(incompatible.exitCode).toBe(2);
    expect(incompatible.stderr).toMatch(
      /share no point to compare:\n\s+sizes: baseline has TCP_STREAM 1024, TCP_STREAM 64; candidate has TCP_STREAM 256/,
    );
    const missing = await runCli(["compare", base, join(dir, "nope.json")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no results at .*nope\.json/);
    const badMetric = await runCli(["compare", base, same, "--metric", "speed"]);
    expect(badMetric.exitCode).toBe(2);
    expect(badMetric.stderr).toMatch(/option '--metric <metric\.\.\.>' argument 'speed' is invalid/);
    const future = join(dir, "future.json");
    writeFileSync(future, JSON.stringify({ ...JSON.parse(readFileSync(base, "utf8")), schemaVersion: 99 }));
    const version = await runCli(["compare", base, future]);
    expect(version.exitCode).toBe(2);
    expect(version.stderr).toMatch(/schema version 99; this routebench reads versions 2 and 3/);
  });
});

describe("routebench history and export", () => {
  it("renders a trend page across runs in time order", async () => {
    const out = join(dir, "history");
    const result = await runCli(["history", slower, base, same, "--out", out]);
    expect(result.exitCode, result.stderr).toBe(0);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain('data-chart="trend-transactionsPerSec"');
    expect(html.indexOf("1. base")).toBeGreaterThan(0);
    expect(html.indexOf("1. base")).toBeLessThan(html.indexOf("3. slower"));
    expect(html).toMatch(/class="mark-line role-mark/);
  });

  it("exports the summary as CSV and JSON", async () => {
    const csv = await runCli(["export", base, "--format", "csv"]);
    expect(csv.stdout.split("\n")[0]).toBe(
      "placement,test,size,mode,metric,n,median,mean,stddev,cv,min,max,ciLow,ciHigh",
    );
    const comparisons = await runCli(["export", base, "--table", "comparisons"]);
    expect(comparisons.stdout).toMatch(/^placement,test,size,metric,baseline,candidate,ratio/);
    const json = JSON.parse((await runCli(["export", base, "--format", "json"])).stdout) as {
      runId: string;
      points: unknown[];
    };
    expect(json.runId).toBe("run-base");
    expect(json.points.length).toBeGreaterThan(0);
    expect((await runCli(["export", base, "--format", "xml"])).exitCode).toBe(2);
  });
});
