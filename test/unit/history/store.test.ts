/** The history store: round trip, idempotent adding (the file unchanged byte for byte), refusals. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { historyRun } from "../../../harness/history/runs.js";
import { isSqliteExperimentalWarning } from "../../../harness/history/sqlite.js";
import { HISTORY_SCHEMA_VERSION, HistoryStore, storedRun } from "../../../harness/history/store.js";
import { noisyCopies } from "./noisy-copies.js";

const runs = noisyCopies({ runs: 2, seed: 3 });

function tableCounts(path: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  const counts = Object.fromEntries(
    ["runs", "points", "mode_summaries", "comparisons"].map((t) => [
      t,
      (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
    ]),
  );
  db.close();
  return counts;
}

describe("history store", () => {
  it("keeps what it is given and reads it back as the runs it came from", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rb-store-")), "history.db");
    const store = await HistoryStore.open(path, { create: true });
    expect(store.add(runs.map(storedRun), "2026-12-06T00:00:00.000Z")).toEqual({
      added: runs.map((r) => r.runId),
      present: [],
    });
    expect(store.runs()).toEqual(runs.map(historyRun));
    store.close();
    const first = runs[0];
    expect(tableCounts(path)).toEqual({
      runs: 2,
      points: 2 * (first?.summary.points.length ?? 0),
      mode_summaries: 2 * new Set(first?.summary.points.map((p) => `${p.mode}/${p.metric}`)).size,
      comparisons: 2 * (first?.summary.comparisons.length ?? 0),
    });
  });

  it("adds a run id once: adding the same runs again leaves the file byte for byte the same", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rb-store-")), "history.db");
    const store = await HistoryStore.open(path, { create: true });
    store.add(runs.map(storedRun), "2026-12-06T00:00:00.000Z");
    store.close();
    const before = readFileSync(path);
    const counts = tableCounts(path);
    const again = await HistoryStore.open(path, { create: true });
    expect(again.add(runs.map(storedRun), "2026-12-07T00:00:00.000Z")).toEqual({
      added: [],
      present: runs.map((r) => r.runId),
    });
    again.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(tableCounts(path)).toEqual(counts);
  });

  it("refuses a store of another schema version with its path and version", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rb-store-")), "old.db");
    (await HistoryStore.open(path, { create: true })).close();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${HISTORY_SCHEMA_VERSION + 1}`);
    db.close();
    await expect(HistoryStore.open(path, { create: true })).rejects.toThrow(
      `${path} is a history store of schema version ${HISTORY_SCHEMA_VERSION + 1}; this routebench reads versions 1 and ${HISTORY_SCHEMA_VERSION}`,
    );
  });

  it("refuses what is not a store, and a missing store when reading", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-store-"));
    const other = join(dir, "other.db");
    const db = new DatabaseSync(other);
    db.exec("CREATE TABLE t (x)");
    db.close();
    await expect(HistoryStore.open(other, { create: true })).rejects.toThrow(
      /not a routebench history store/,
    );
    const text = join(dir, "results.json");
    writeFileSync(text, "{}".padEnd(200, " "));
    await expect(HistoryStore.open(text, { create: true })).rejects.toThrow(
      /cannot open history store .*results\.json: file is not a database/,
    );
    await expect(HistoryStore.open(join(dir, "none.db"), { create: false })).rejects.toThrow(
      /no history store at/,
    );
  });

  it("drops only node:sqlite's experimental warning", () => {
    expect(
      isSqliteExperimentalWarning(
        "SQLite is an experimental feature and might change at any time",
        "ExperimentalWarning",
      ),
    ).toBe(true);
    const warning = new Error("SQLite is an experimental feature and might change at any time");
    warning.name = "ExperimentalWarning";
    expect(isSqliteExperimentalWarning(warning)).toBe(true);
    expect(isSqliteExperimentalWarning("VM Modules is an experimental feature", "ExperimentalWarning")).toBe(
      false,
    );
    expect(isSqliteExperimentalWarning("SQLite is an experimental feature", "DeprecationWarning")).toBe(
      false,
    );
  });
});
