/**
 * Checks, before anything runs, that a run can write everything it will: its folder is
 * creatable (or exists) and writable, is not already another run's folder, and its file
 * system has room for the planned trials. Every loop here is bounded; nothing spins on an
 * error (Node's recursive mkdir loops forever under /proc).
 */
import { accessSync, constants, mkdirSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EnvironmentError, UsageError } from "../util/errors.js";

/** Bytes a trial attempt takes on disk: its trials.jsonl line and its copy in results.json (measured ~3 KiB; doubled for margin). */
export const BYTES_PER_TRIAL = 12 * 1024;
/** File systems no run folder can live on. */
const PSEUDO_FILE_SYSTEMS: Record<number, string> = {
  40864: "procfs",
  1650812274: "sysfs",
  3405662737: "bpffs",
  2613483: "cgroupfs",
  1667723888: "cgroup2fs",
};
const MAX_DEPTH = 64;

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** The nearest folder of `dir` (itself or an ancestor) that exists, found in at most MAX_DEPTH steps. */
function nearestExisting(dir: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let current = resolve(dir);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    try {
      statSync(current);
      return { existing: current, missing: missing.reverse() };
    } catch (error) {
      // ENOTDIR: a parent is a file; walking up finds it and says so
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR")
        throw new UsageError(
          `cannot use the output folder ${dir}: ${current} is not reachable (${describe(error)})`,
        );
    }
    const parent = dirname(current);
    if (parent === current) break;
    missing.push(current);
    current = parent;
  }
  throw new UsageError(
    `cannot use the output folder ${dir}: no existing parent folder within ${MAX_DEPTH} levels`,
  );
}

/**
 * Makes sure `dir` can hold a run of `plannedTrials` attempts; creates it. `resume`: the
 * folder must already be a run folder; otherwise it must not be one.
 */
export function prepareRunFolder(dir: string, plannedTrials: number, options: { resume: boolean }): void {
  const { existing, missing } = nearestExisting(dir);
  if (!statSync(existing).isDirectory())
    throw new UsageError(`cannot use the output folder ${dir}: ${existing} is a file, not a folder`);
  const fsType = Number(statfsSync(existing).type);
  if (PSEUDO_FILE_SYSTEMS[fsType])
    throw new UsageError(
      `cannot use the output folder ${dir}: ${existing} is on ${PSEUDO_FILE_SYSTEMS[fsType]}, which holds no files`,
      "give --out a folder on a disk",
    );
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `cannot write the output folder ${dir}: ${existing} is not writable (${describe(error)})`,
    );
  }
  if (missing.length === 0 && !options.resume) {
    try {
      statSync(join(dir, "run.json"));
      throw new UsageError(
        `${dir} already holds a run (run.json): a new run would mix its trials with that one's`,
        `resume it with \`routebench run --resume ${dir}\`, or give --out a new folder`,
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
    }
  }
  const { bavail, bsize } = statfsSync(existing);
  const free = Number(bavail) * Number(bsize);
  const needed = plannedTrials * BYTES_PER_TRIAL;
  if (free < needed)
    throw new EnvironmentError(
      `not enough room for the run in ${dir}: ${Math.floor(free / 1024)} KiB free, about ${Math.ceil(needed / 1024)} KiB needed for ${plannedTrials} trial attempts`,
      "free some space or give --out a folder on a larger file system",
    );
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new UsageError(`cannot create the output folder ${folder} (${describe(error)})`);
    }
  }
  // a read-only mount passes access(W_OK) for root: write for real
  const probe = join(dir, `.routebench-write-check-${process.pid}`);
  try {
    writeFileSync(probe, "ok\n");
  } catch (error) {
    throw new UsageError(`cannot write into the output folder ${dir} (${describe(error)})`);
  } finally {
    rmSync(probe, { force: true });
  }
}
