/**
 * `routebench history add`, `history check` and `history` in-process: twelve noisy copies of a
 * committed run, with and without a 10% step in one mode from the eighth run on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runProgram } from "../../../harness/cli/program.js";
import { noisyCopies } from "./noisy-copies.js";

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function cli(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  process.exitCode = undefined;
  const error = await runProgram(["node", "routebench", ...args]);
  const exitCode = error ?? (process.exitCode as number | undefined) ?? 0;
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { exitCode, stdout: stdout.join(""), stderr: stderr.join("") };
}

function writeRuns(dir: string, step: boolean): string[] {
  return noisyCopies({ runs: 12, seed: 7, step: step ? { mode: "ebpf", size: 0.1, at: 8 } : undefined }).map(
    (results, i) => {
      const file = join(dir, `run-${i + 1}.json`);
      writeFileSync(file, JSON.stringify(results));
      return file;
    },
  );
}

describe("history check on twelve noisy copies of the blog run", () => {
  it("flags a 10% step in eBPF from the eighth run: exit 1 and a JUnit failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-history-"));
    const db = join(dir, "history.db");
    const add = await cli("history", "add", db, ...writeRuns(dir, true));
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout.match(/added/g)).toHaveLength(12);
    const junit = join(dir, "junit.xml");
    const check = await cli("history", "check", db, "--junit", junit, "--json");
    expect(check.exitCode, check.stderr).toBe(1);
    const report = JSON.parse(check.stdout) as {
      series: {
        mode: string;
        steps: { run: { index: number; label: string; gitCommit: string }; kind: string }[];
      }[];
    };
    const steps = report.series.flatMap((s) => s.steps.map((step) => ({ mode: s.mode, ...step })));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.mode).toBe("ebpf");
      expect(Math.abs(step.run.index + 1 - 8)).toBeLessThanOrEqual(1);
      expect(step.kind).toBe("worse");
    }
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<failure message="regression: \d+ series changed for the worse/);
    expect(xml).toContain("from run 8 (build 8, commit c0ffee08)");
  });

  it("exits 0 on the same twelve without a step", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-history-"));
    const db = join(dir, "history.db");
    await cli("history", "add", db, ...writeRuns(dir, false));
    const check = await cli("history", "check", db);
    expect(check.exitCode, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/decision: PASS \(exit 0\)/);
  });
});

describe("history add, run --history's store and the trend page", () => {
  it("adds a run once, refuses a store of another version before a run starts, and warns on mixed sweeps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-history-"));
    const db = join(dir, "history.db");
    const runs = noisyCopies({ runs: 3, seed: 9 });
    const { addToHistory, checkHistoryStore } = await import("../../../harness/cli/history.js");
    const lines: string[] = [];
    await addToHistory(db, runs.slice(0, 2), (line) => lines.push(line));
    await addToHistory(db, runs.slice(1), (line) => lines.push(line));
    // the copies share the committed run's comparisons: the runs agree on every one tested
    const agree = (count: number) =>
      expect.stringMatching(
        new RegExp(
          `^do the runs agree\\? ${count} runs on 1 machine, \\d+ comparisons tested.*\n  no comparison shows a significant difference between the runs$`,
          "s",
        ),
      );
    expect(lines).toEqual([
      `history: added ${runs[0]?.runId} to ${db}`,
      `history: added ${runs[1]?.runId} to ${db}`,
      agree(2),
      `history: added ${runs[2]?.runId} to ${db}`,
      `history: ${runs[1]?.runId} is already in ${db}; left as it is`,
      agree(3),
    ]);
    const other = join(dir, "other.db");
    const { DatabaseSync } = await import("node:sqlite");
    const sqlite = new DatabaseSync(other);
    sqlite.exec("PRAGMA user_version = 7; CREATE TABLE runs (x)");
    sqlite.close();
    await expect(checkHistoryStore(other)).rejects.toThrow(`${other} is a history store of schema version 7`);

    const longer = {
      ...runs[2],
      runId: "longer-trials",
      startedAt: "2026-12-20T00:00:00.000Z",
    } as (typeof runs)[number];
    longer.sweep = { ...longer.sweep, durationSec: longer.sweep.durationSec + 1 };
    const file = join(dir, "longer.json");
    writeFileSync(file, JSON.stringify(longer));
    await cli("history", "add", db, file);
    const out = join(dir, "page");
    const page = await cli("history", db, "--out", out);
    expect(page.exitCode, page.stderr).toBe(0);
    expect(page.stderr).toMatch(
      /warning: the runs are of different sweeps \(sweep blog \(design \w+\): 3 runs; sweep blog \(design \w+\): 1 run\)/,
    );
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain("Runs of different sweeps");
    expect(html).toContain("Detected steps");
    expect(html).toContain('<tr id="run-4">');
    // the agreement of runs: only the newest design's one run, so nothing could be tested
    expect(html).toContain("Do the runs agree?");
    expect(page.stdout).toMatch(
      /^do the runs agree\? 1 run on 1 machine, 0 comparisons tested, \d+ undecided/m,
    );
  });
});
