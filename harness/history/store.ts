/**
 * The history store: one SQLite file (Node's built-in node:sqlite, no server, no native
 * add-on) that runs accumulate in. Its schema is in store-schema.ts, versioned by SQLite's
 * `user_version` and documented in README ("History store"). A store of the version before is
 * read as it is, and migrated when opened for writing; a store of another version is refused
 * with its path and version. Adding is idempotent: a run id is stored once, and adding it again
 * writes nothing, so the file stays byte for byte the same.
 *
 * Over 300 lines on purpose: the rows written (`insert`) and read back (`runs`, the row shapes)
 * stay together, so that a column cannot change on one side only.
 */
import { existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import type { Results } from "../results/schema.js";
import { comparisonSchema, type PointSummary } from "../results/summary-schema.js";
import { UsageError } from "../util/errors.js";
import { parseJsonFile } from "../util/validate.js";
import { type HistoryRun, historyRun } from "./runs.js";
import { loadSqlite } from "./sqlite.js";
import {
  HISTORY_SCHEMA_V1,
  HISTORY_SCHEMA_VERSION,
  migrateV1,
  SCHEMA,
  type StoredDimensions,
  v1Dimensions,
} from "./store-schema.js";

export { HISTORY_SCHEMA_VERSION } from "./store-schema.js";

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
    /** The schema version read: this one, or version 1 opened for reading (not migrated). */
    private readonly version: number,
  ) {}

  /**
   * Opens a store. `create`: make it (with the current schema) when the file does not exist;
   * otherwise a missing file is a usage error. A store of schema version 1 is migrated when
   * opened with `create` (writing), and read as it is otherwise. Another schema version, or a
   * file that is not a routebench store, is refused with its path.
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
    let version: number;
    try {
      db = new DatabaseSync(path, { readOnly: exists && !options.create, timeout: 5000 });
      version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
      if (version === 0 && tables === 0) {
        if (!options.create)
          throw new UsageError(`${path} is an empty database, not a routebench history store`);
        db.exec(`BEGIN;${SCHEMA}COMMIT;`);
        version = HISTORY_SCHEMA_VERSION;
      } else if (version === HISTORY_SCHEMA_V1 && options.create) {
        migrateV1(db, path);
        version = HISTORY_SCHEMA_VERSION;
      } else if (version !== HISTORY_SCHEMA_VERSION && version !== HISTORY_SCHEMA_V1) {
        db.close();
        throw new UsageError(
          version === 0
            ? `${path} is an SQLite database but not a routebench history store (no schema version)`
            : `${path} is a history store of schema version ${version}; this routebench reads versions ${HISTORY_SCHEMA_V1} and ${HISTORY_SCHEMA_VERSION}`,
          version === 0
            ? "give a store made by `routebench history add`"
            : "use the routebench version that wrote it",
        );
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot open history store ${path}: ${(error as Error).message}`);
    }
    return new HistoryStore(path, db, version);
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
      `INSERT INTO points (run_id, placement, test, size, destination, ip_family, services, mode, metric, n, median,
         mean, stddev, cv, min, max, ci_low, ci_high)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const p of run.points)
      point.run(
        run.runId,
        p.placement,
        p.test,
        p.size,
        ...dimensionValues(p),
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
      `INSERT INTO comparisons (run_id, placement, test, size, destination, ip_family, services, metric, baseline,
         candidate, ratio, ci_low, ci_high, p_value, p_adjusted, paired, n, verdict, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of run.comparisons)
      comparison.run(
        run.runId,
        c.placement,
        c.test,
        c.size,
        ...dimensionValues(c),
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
      .all() as unknown as (RunRow & { sweep: string })[];
    const points = this.db.prepare("SELECT * FROM points ORDER BY rowid").all() as unknown as PointRow[];
    const comparisons = this.db
      .prepare("SELECT run_id, record FROM comparisons ORDER BY rowid")
      .all() as unknown as {
      run_id: string;
      record: string;
    }[];
    return rows.map((r) => {
      // version 1 has no dimension columns: its points have the dimensions of their run's sweep
      const v1 =
        this.version === HISTORY_SCHEMA_V1
          ? v1Dimensions(r.sweep, `${this.path}: sweep of run ${r.run_id}`)
          : null;
      return {
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
        points: points
          .filter((p) => p.run_id === r.run_id)
          .map((p) => pointOf(v1 ? { ...p, ...v1Row(v1) } : p)),
        comparisons: comparisons
          .filter((c) => c.run_id === r.run_id)
          .map((c) =>
            parseJsonFile(comparisonSchema, c.record, `${this.path}: comparison of run ${r.run_id}`),
          ),
      };
    });
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
  /** NULL (or, in a version-1 store, no column): the point's key has no such field. */
  destination?: PointSummary["destination"] | null;
  ip_family?: PointSummary["ipFamily"] | null;
  services?: number | null;
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

/** A key's dimension fields as column values (destination, ip_family, services), NULL where absent. */
function dimensionValues(key: StoredDimensions): [string | null, string | null, number | null] {
  return [key.destination ?? null, key.ipFamily ?? null, key.services ?? null];
}

/** Dimensions as a row's columns. */
function v1Row(dims: StoredDimensions): Pick<PointRow, "destination" | "ip_family" | "services"> {
  return { destination: dims.destination, ip_family: dims.ipFamily, services: dims.services };
}

function pointOf(p: PointRow): PointSummary {
  const point: PointSummary = {
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
  // absent, not null: a key without the field, as the summary row it was stored from
  if (p.destination != null) point.destination = p.destination;
  if (p.ip_family != null) point.ipFamily = p.ip_family;
  if (p.services != null) point.services = p.services;
  return point;
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
