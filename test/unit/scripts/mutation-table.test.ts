/**
 * scripts/mutation-table.mjs on made-up Stryker reports in a scratch folder: per-file and
 * per-folder scores, the newest measurement of a file winning, the folder's files on disk that
 * no report measured, files without a mutant, and the committed scores.json (`--save`) standing
 * in for reports a fresh checkout does not have.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = new URL("../../../scripts/mutation-table.mjs", import.meta.url).pathname;

const mutants = (statuses: Record<string, number>) =>
  Object.entries(statuses).flatMap(([status, n]) => Array.from({ length: n }, () => ({ status })));

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  dir = mkdtempSync(join(tmpdir(), "rb-mutation-table-"));
  mkdirSync(join(dir, "harness/stats"), { recursive: true });
  mkdirSync(join(dir, "test/mutation"), { recursive: true });
  for (const name of ["a.ts", "b.ts", "c.ts", "types.ts"])
    writeFileSync(join(dir, "harness/stats", name), "");
  return dir;
}

function report(root: string, sub: string, files: Record<string, Record<string, number>>, mtime: Date): void {
  mkdirSync(join(root, "reports/mutation", sub), { recursive: true });
  const path = join(root, "reports/mutation", sub, "mutation.json");
  const body = Object.fromEntries(Object.entries(files).map(([f, s]) => [f, { mutants: mutants(s) }]));
  writeFileSync(path, JSON.stringify({ files: body }));
  utimesSync(path, mtime, mtime);
}

const table = (root: string, ...args: string[]) =>
  execFileSync(process.execPath, [SCRIPT, ...args], { cwd: root, encoding: "utf8", stdio: "pipe" });

describe("mutation-table", () => {
  it("combines subset reports into one folder score and names what no report measured", () => {
    const root = scratch();
    report(
      root,
      "stats/a",
      { "harness/stats/a.ts": { Killed: 6, Survived: 2, Ignored: 3 }, "harness/stats/types.ts": {} },
      new Date("2026-12-06T10:00:00Z"),
    );
    // b.ts measured twice: the newer report's counts win
    report(
      root,
      "stats/b-old",
      { "harness/stats/b.ts": { Killed: 1, Survived: 9 } },
      new Date("2026-12-05T10:00:00Z"),
    );
    report(
      root,
      "stats/b",
      { "harness/stats/b.ts": { Killed: 8, Timeout: 1, NoCoverage: 1 } },
      new Date("2026-12-06T11:00:00Z"),
    );
    const out = table(root);
    expect(out).toContain(
      "| `harness/stats/a.ts` | 75.00% | 6 / 8 | 2 | 0 | 3 | reports/mutation/stats/a/mutation.json, 2026-12-06T10:00 |",
    );
    expect(out).toContain(
      "| `harness/stats/b.ts` | 90.00% | 9 / 10 | 0 | 1 | 0 | reports/mutation/stats/b/mutation.json, 2026-12-06T11:00 |",
    );
    expect(out).toContain("| `harness/stats/types.ts` | no mutant | 0 / 0 | 0 | 0 | 0 |");
    // (6 + 9) / (8 + 10); c.ts is on disk and in no report
    expect(out).toContain("| `harness/stats/` | 83.33% | 15 / 18 | 3 of 4 | `c.ts` | `types.ts` |");
  });

  it("keeps the counts in scores.json with --save and reads them back without any report", () => {
    const root = scratch();
    report(
      root,
      "stats/a",
      { "harness/stats/a.ts": { Killed: 6, Survived: 2 } },
      new Date("2026-12-06T10:00:00Z"),
    );
    const first = table(root, "--save");
    const saved = JSON.parse(readFileSync(join(root, "test/mutation/scores.json"), "utf8"));
    expect(saved.files).toEqual({
      "harness/stats/a.ts": { measured: "2026-12-06T10:00:00.000Z", counts: { Killed: 6, Survived: 2 } },
    });
    rmSync(join(root, "reports"), { recursive: true });
    const again = table(root);
    expect(again).toContain(
      "| `harness/stats/a.ts` | 75.00% | 6 / 8 | 2 | 0 | 0 | test/mutation/scores.json, 2026-12-06T10:00 |",
    );
    // same figures either way; a newer report of the file replaces the saved row
    expect(again.replace("test/mutation/scores.json", "reports/mutation/stats/a/mutation.json")).toBe(first);
    report(root, "stats/a", { "harness/stats/a.ts": { Killed: 8 } }, new Date("2026-12-06T12:00:00Z"));
    expect(table(root)).toContain("| `harness/stats/a.ts` | 100.00% | 8 / 8 |");
  });

  it("exits 2 with a message when there is nothing to print or a report is not JSON", () => {
    const root = scratch();
    const run = (...args: string[]) => {
      try {
        table(root, ...args);
        return { status: 0, stderr: "" };
      } catch (error) {
        const e = error as { status: number; stderr: string };
        return { status: e.status, stderr: e.stderr };
      }
    };
    expect(run()).toEqual({
      status: 2,
      stderr:
        "mutation-table: no mutation.json under reports/mutation and no test/mutation/scores.json (run `npm run mutate` first)\n",
    });
    writeFileSync(join(root, "bad.json"), "{");
    const bad = run("bad.json");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^mutation-table: bad\.json is not a Stryker JSON report \(/);
  });
});
