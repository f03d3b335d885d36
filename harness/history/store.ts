/**
 * The history store: one SQLite file (Node's built-in node:sqlite, no server, no native
 * add-on) that runs accumulate in. Its schema is below, versioned by SQLite's `user_version`
 * and documented in README ("History store"). A store of another version is refused with its
 * path and version. Adding is idempotent: a run id is stored once, and adding it again writes
 * nothing, so the file stays byte for byte the same.
 *
 * Over 300 lines on purpose: the SQL schema, its documentation and the code that reads and writes
 * it stay together, so a column cannot change on one side only.
 */
import { existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import type { Results } from "../results/schema.js";
import { comparisonSchema, type PointSummary } from "../results/summary-schema.js";
import { UsageError } from "../util/errors.js";
import { parseJsonFile } from "../util/validate.js";
import { type HistoryRun, historyRun } from "./runs.js";
import { loadSqlite } from "./sqlite.js";

/** Bump when a table or column changes; readers refuse other versions. */
export const HISTORY_SCHEMA_VERSION = 1;

/**
 * Version 1. Every table is STRICT; a run's rows go in one transaction.
 * - runs: one row per run (run_id unique), its label, state, times, commit, environment facts
 *   (also whole, as JSON), its sweep (resolved, as JSON) and the fingerprint of the sweep's
 *   design (history/runs.ts `sweepDesign`: runs with equal fingerprints measured the same thing).
 * - points: the run's summary per point, mode and metric (results.json summary.points).
 * - mode_summaries: per mode and metric, the points summarised and the geometric mean of their
 *   medians (comparable between runs of one sweep design only).
 * - comparisons: the run's within-run mode comparisons (results.json summary.comparisons).
 */
const SCHEMA = `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  git_commit TEXT,
  routebench_version TEXT NOT NULL,
  backend TEXT NOT NULL,
  kernel TEXT NOT NULL,
  hostname TEXT NOT NULL,
  sweep_name TEXT NOT NULL,
  sweep_design TEXT NOT NULL,
  environment TEXT NOT NULL,
  sweep TEXT NOT NULL,
  added_at TEXT NOT NULL
) STRICT;
CREATE TABLE points (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  placement TEXT NOT NULL,
  test TEXT NOT NULL,
  size TEXT NOT NULL,
  mode TEXT NOT NULL,
  metric TEXT NOT NULL,
  n INTEGER NOT NULL,
  median REAL NOT NULL,
  mean REAL NOT NULL,
  stddev REAL,
  cv REAL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  ci_low REAL,
  ci_high REAL,
  PRIMARY KEY (run_id, placement, test, size, mode, metric)
) STRICT;
CREATE TABLE mode_summaries (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  mode TEXT NOT NULL,
  metric TEXT NOT NULL,
  points INTEGER NOT NULL,
  geomean_median REAL NOT NULL,
  PRIMARY KEY (run_id, mode, metric)
) STRICT;
CREATE TABLE comparisons (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  placement TEXT NOT NULL,
  test TEXT NOT NULL,
  size TEXT NOT NULL,
  metric TEXT NOT NULL,
  baseline TEXT NOT NULL,
  candidate TEXT NOT NULL,
  ratio REAL NOT NULL,
  ci_low REAL,
  ci_high REAL,
  p_value REAL,
  p_adjusted REAL,
  paired INTEGER NOT NULL,
  n INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (run_id, placement, test, size, metric, baseline, candidate)
) STRICT;
CREATE INDEX points_series ON points (placement, test, size, mode, metric);
PRAGMA user_version = ${HISTORY_SCHEMA_VERSION};
`;

/** What a run adds beyond `HistoryRun`: the whole environment and sweep, kept as JSON. */
export interface StoredRunInput {
  run: HistoryRun;
  environment: unknown;
  sweep: unknown;
}

/** What the store keeps of a results file. */
export function storedRun(results: Results): StoredRunInput {
  return { run: historyRun(results), environment: results.environment, sweep: results.sweep };
}

export interface AddOutcome {
  added: string[];
  /** Run ids already in the store: left as they were. */
  present: string[];
}

export class HistoryStore {
  private constructor(
    readonly path: string,
    private readonly db: DatabaseSync,
  ) {}

  /**
   * Opens a store. `create`: make it (with the current schema) when the file does not exist;
   * otherwise a missing file is a usage error. Another schema version, or a file that is not a
   * routebench store, is refused with its path.
   */
  static async open(path: string, options: { create: boolean }): Promise<HistoryStore> {
    const exists = existsSync(path);
    if (!exists && !options.create)
      throw new UsageError(
        `no history store at ${path}`,
        "create one with `routebench history add DB RESULTS…`",
      );
    const { DatabaseSync } = await loadSqlite();
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { readOnly: exists && !options.create, timeout: 5000 });
      const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
      if (version === 0 && tables === 0) {
        if (!options.create)
          throw new UsageError(`${path} is an empty database, not a routebench history store`);
        db.exec(`BEGIN;${SCHEMA}COMMIT;`);
      } else if (version !== HISTORY_SCHEMA_VERSION) {
        db.close();
        throw new UsageError(
          version === 0
            ? `${path} is an SQLite database but not a routebench history store (no schema version)`
            : `${path} is a history store of schema version ${version}; this routebench reads version ${HISTORY_SCHEMA_VERSION}`,
          version === 0
            ? "give a store made by `routebench history add`"
            : "use the routebench version that wrote it",
        );
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot open history store ${path}: ${(error as Error).message}`);
    }
    return new HistoryStore(path, db);
  }

  close(): void {
    this.db.close();
  }

  /** Adds runs not yet stored, each in its own transaction; a run id already present is left alone. */
  add(inputs: readonly StoredRunInput[], addedAt: string): AddOutcome {
    const outcome: AddOutcome = { added: [], present: [] };
    const exists = this.db.prepare("SELECT 1 AS found FROM runs WHERE run_id = ?");
    for (const input of inputs) {
      if (exists.get(input.run.runId)) {
        outcome.present.push(input.run.runId);
        continue;
      }
      this.db.exec("BEGIN");
      try {
        this.insert(input, addedAt);
        this.db.exec("COMMIT");
      } catch (error) {
        this.db.exec("ROLLBACK");
        throw new UsageError(
          `cannot add run ${input.run.runId} to ${this.path}: ${(error as Error).message}`,
        );
      }
      outcome.added.push(input.run.runId);
    }
    return outcome;
  }

  private insert({ run, environment, sweep }: StoredRunInput, addedAt: string): void {
    this.db
      .prepare(
        `INSERT INTO runs (run_id, label, state, started_at, finished_at, git_commit, routebench_version, backend,
           kernel, hostname, sweep_name, sweep_design, environment, sweep, added_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.runId,
        run.label,
        run.state,
        run.startedAt,
        run.finishedAt,
        run.gitCommit,
        run.routebenchVersion,
        run.backend,
        run.kernel,
        run.hostname,
        run.sweepName,
        run.sweepDesign,
        JSON.stringify(environment),
        JSON.stringify(sweep),
        addedAt,
      );
    const point = this.db.prepare(
      `INSERT INTO points (run_id, placement, test, size, mode, metric, n, median, mean, stddev, cv, min, max, ci_low, ci_high)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const p of run.points)
      point.run(
        run.runId,
        p.placement,
        p.test,
        p.size,
        p.mode,
        p.metric,
        p.n,
        p.median,
        p.mean,
        p.stddev,
        p.cv,
        p.min,
        p.max,
        p.ciLow,
        p.ciHigh,
      );
    const mode = this.db.prepare(
      "INSERT INTO mode_summaries (run_id, mode, metric, points, geomean_median) VALUES (?, ?, ?, ?, ?)",
    );
    for (const m of modeSummaries(run.points))
      mode.run(run.runId, m.mode, m.metric, m.points, m.geomeanMedian);
    const comparison = this.db.prepare(
      `INSERT INTO comparisons (run_id, placement, test, size, metric, baseline, candidate, ratio, ci_low, ci_high,
         p_value, p_adjusted, paired, n, verdict, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of run.comparisons)
      comparison.run(
        run.runId,
        c.placement,
        c.test,
        c.size,
        c.metric,
        c.baseline,
        c.candidate,
        c.ratio,
        c.ciLow,
        c.ciHigh,
        c.pValue,
        c.pAdjusted,
        c.paired ? 1 : 0,
        c.n,
        c.verdict,
        JSON.stringify(c),
      );
  }

  /** Every stored run with its points and comparisons, oldest first. */
  runs(): HistoryRun[] {
    const rows = this.db
      .prepare("SELECT * FROM runs ORDER BY started_at, run_id")
      .all() as unknown as RunRow[];
    const points = this.db.prepare("SELECT * FROM points ORDER BY rowid").all() as unknown as PointRow[];
    const comparisons = this.db
      .prepare("SELECT run_id, record FROM comparisons ORDER BY rowid")
      .all() as unknown as {
      run_id: string;
      record: string;
    }[];
    return rows.map((r) => ({
      runId: r.run_id,
      label: r.label,
      state: r.state as HistoryRun["state"],
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      gitCommit: r.git_commit,
      routebenchVersion: r.routebench_version,
      backend: r.backend,
      kernel: r.kernel,
      hostname: r.hostname,
      sweepName: r.sweep_name,
      sweepDesign: r.sweep_design,
      points: points.filter((p) => p.run_id === r.run_id).map(pointOf),
      comparisons: comparisons
        .filter((c) => c.run_id === r.run_id)
        .map((c) => parseJsonFile(comparisonSchema, c.record, `${this.path}: comparison of run ${r.run_id}`)),
    }));
  }
}

interface RunRow {
  run_id: string;
  label: string;
  state: string;
  started_at: string;
  finished_at: string;
  git_commit: string | null;
  routebench_version: string;
  backend: string;
  kernel: string;
  hostname: string;
  sweep_name: string;
  sweep_design: string;
}

interface PointRow {
  run_id: string;
  placement: PointSummary["placement"];
  test: PointSummary["test"];
  size: string;
  mode: PointSummary["mode"];
  metric: PointSummary["metric"];
  n: number;
  median: number;
  mean: number;
  stddev: number | null;
  cv: number | null;
  min: number;
  max: number;
  ci_low: number | null;
  ci_high: number | null;
}

function pointOf(p: PointRow): PointSummary {
  return {
    n: p.n,
    median: p.median,
    mean: p.mean,
    stddev: p.stddev,
    cv: p.cv,
    min: p.min,
    max: p.max,
    mode: p.mode,
    placement: p.placement,
    test: p.test,
    size: p.size,
    metric: p.metric,
    ciLow: p.ci_low,
    ciHigh: p.ci_high,
  };
}

/** Per mode and metric: how many points had a positive median, and the geometric mean of those medians. */
export function modeSummaries(
  points: readonly PointSummary[],
): { mode: string; metric: string; points: number; geomeanMedian: number }[] {
  const groups = new Map<string, { mode: string; metric: string; logs: number[] }>();
  for (const p of points) {
    if (!(p.median > 0)) continue;
    const key = `${p.mode}\u0000${p.metric}`;
    const group = groups.get(key) ?? { mode: p.mode, metric: p.metric, logs: [] };
    group.logs.push(Math.log(p.median));
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({
    mode: g.mode,
    metric: g.metric,
    points: g.logs.length,
    geomeanMedian: Math.exp(g.logs.reduce((s, v) => s + v, 0) / g.logs.length),
  }));
}
