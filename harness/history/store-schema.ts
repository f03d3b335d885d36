/**
 * The history store's SQL schema, versioned by SQLite's `user_version`, and the migration from
 * the version before it. README ("History: a store of runs") documents the same tables; store.ts
 * reads and writes them.
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { parseJsonFile } from "../util/validate.js";
import { DESTINATIONS, IP_FAMILIES } from "../vocabulary/vocabulary.js";

/** Bump when a table or column changes; readers refuse versions they cannot read or migrate. */
export const HISTORY_SCHEMA_VERSION = 2;

/** Version 1 (no column for a point's destination, IP family or Service count): read, and migrated when written. */
export const HISTORY_SCHEMA_V1 = 1;

/**
 * A point's dimensions beyond placement, test and size (sweep/point.ts), one column each. NULL
 * where the point's key has no such field (the sweep did not list that axis); a point key's
 * `pointId` treats a default value and an absent one alike, and so does the series a check
 * builds from them.
 */
const DIMENSION_COLUMNS = `
  destination TEXT,
  ip_family TEXT,
  services INTEGER,`;

/** The columns that make a point unique within a run: NULL (absent) is one value here, as in a key. */
const UNIQUE_POINT =
  "placement, test, size, ifnull(destination, ''), ifnull(ip_family, ''), ifnull(services, -1)";

const pointsTable = (name: string) => `
CREATE TABLE ${name} (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  placement TEXT NOT NULL,
  test TEXT NOT NULL,
  size TEXT NOT NULL,${DIMENSION_COLUMNS}
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
  ci_high REAL
) STRICT;`;

const comparisonsTable = (name: string) => `
CREATE TABLE ${name} (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  placement TEXT NOT NULL,
  test TEXT NOT NULL,
  size TEXT NOT NULL,${DIMENSION_COLUMNS}
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
  record TEXT NOT NULL
) STRICT;`;

const INDEXES = `
CREATE UNIQUE INDEX points_key ON points (run_id, ${UNIQUE_POINT}, mode, metric);
CREATE INDEX points_series ON points (placement, test, size, destination, ip_family, services, mode, metric);
CREATE UNIQUE INDEX comparisons_key ON comparisons (run_id, ${UNIQUE_POINT}, metric, baseline, candidate);`;

/**
 * Version 2. Every table is STRICT; a run's rows go in one transaction.
 * - runs: one row per run (run_id unique), its label, state, times, commit, environment facts
 *   (also whole, as JSON), its sweep (resolved, as JSON) and the fingerprint of the sweep's
 *   design (history/runs.ts `sweepDesign`: runs with equal fingerprints measured the same thing).
 * - points: the run's summary per point, mode and metric (results.json summary.points), the
 *   point's destination, IP family and Service count in their own columns (version 2).
 * - mode_summaries: per mode and metric, the points summarised and the geometric mean of their
 *   medians (comparable between runs of one sweep design only).
 * - comparisons: the run's within-run mode comparisons (results.json summary.comparisons), with
 *   the same dimension columns.
 */
export const SCHEMA = `
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
${pointsTable("points")}
CREATE TABLE mode_summaries (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  mode TEXT NOT NULL,
  metric TEXT NOT NULL,
  points INTEGER NOT NULL,
  geomean_median REAL NOT NULL,
  PRIMARY KEY (run_id, mode, metric)
) STRICT;
${comparisonsTable("comparisons")}
${INDEXES}
PRAGMA user_version = ${HISTORY_SCHEMA_VERSION};
`;

/** The point dimensions a stored row carries (absent: the key has no such field). */
export interface StoredDimensions {
  destination?: (typeof DESTINATIONS)[number];
  ipFamily?: (typeof IP_FAMILIES)[number];
  services?: number;
}

/** The axes of a stored sweep that give a point its dimensions (the rest of the sweep is not read here). */
const sweepAxesSchema = z.object({
  destinations: z.array(z.enum(DESTINATIONS)).optional(),
  ipFamilies: z.array(z.enum(IP_FAMILIES)).optional(),
  lab: z.object({ services: z.array(z.number().int()).optional() }).optional(),
});

/**
 * The dimensions every point of a version-1 run had, from its stored sweep. Version 1 kept no
 * dimension columns, and its key (run, placement, test, size, mode, metric) refused a run with
 * two values on any axis, so a stored run's sweep lists at most one value per axis, which each
 * of its points carries (sweep/plan.ts `withDimensions`).
 */
export function v1Dimensions(sweepJson: string, where: string): StoredDimensions {
  const sweep = parseJsonFile(sweepAxesSchema, sweepJson, where);
  const only = <T>(values: readonly T[] | undefined) => (values?.length === 1 ? values[0] : undefined);
  const dims: StoredDimensions = {};
  const destination = only(sweep.destinations);
  const ipFamily = only(sweep.ipFamilies);
  const services = only(sweep.lab?.services);
  if (destination !== undefined) dims.destination = destination;
  if (ipFamily !== undefined) dims.ipFamily = ipFamily;
  if (services !== undefined) dims.services = services;
  return dims;
}

const V1_POINT_COLUMNS =
  "run_id, placement, test, size, mode, metric, n, median, mean, stddev, cv, min, max, ci_low, ci_high";
const V1_COMPARISON_COLUMNS =
  "run_id, placement, test, size, metric, baseline, candidate, ratio, ci_low, ci_high, p_value, p_adjusted, paired, n, verdict, record";

/**
 * Migrates a version-1 store to this version in place, in one transaction (nothing when another
 * process migrated it since it was opened): the points and
 * comparisons tables are rebuilt with the dimension columns (SQLite cannot change a table's key
 * in place), each run's rows given the dimensions of its sweep (`v1Dimensions`).
 */
export function migrateV1(db: DatabaseSync, path: string): void {
  // IMMEDIATE: the write lock first, then the version again (another process may have migrated)
  db.exec("BEGIN IMMEDIATE");
  try {
    const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (user_version !== HISTORY_SCHEMA_V1) {
      db.exec("COMMIT");
      return;
    }
    db.exec(`${pointsTable("points_v2")}
INSERT INTO points_v2 (${V1_POINT_COLUMNS}) SELECT ${V1_POINT_COLUMNS} FROM points ORDER BY rowid;
DROP TABLE points;
ALTER TABLE points_v2 RENAME TO points;
${comparisonsTable("comparisons_v2")}
INSERT INTO comparisons_v2 (${V1_COMPARISON_COLUMNS}) SELECT ${V1_COMPARISON_COLUMNS} FROM comparisons ORDER BY rowid;
DROP TABLE comparisons;
ALTER TABLE comparisons_v2 RENAME TO comparisons;`);
    const runs = db.prepare("SELECT run_id, sweep FROM runs").all() as unknown as {
      run_id: string;
      sweep: string;
    }[];
    for (const table of ["points", "comparisons"]) {
      const update = db.prepare(
        `UPDATE ${table} SET destination = ?, ip_family = ?, services = ? WHERE run_id = ?`,
      );
      for (const run of runs) {
        const dims = v1Dimensions(run.sweep, `${path}: sweep of run ${run.run_id}`);
        update.run(dims.destination ?? null, dims.ipFamily ?? null, dims.services ?? null, run.run_id);
      }
    }
    db.exec(`${INDEXES}\nPRAGMA user_version = ${HISTORY_SCHEMA_VERSION};`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
