/**
 * Reads a results.json (or the folder holding it): refuses other schema versions, then checks
 * every field against the schema, naming the first fields that do not fit.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../util/errors.js";
import { parseFile } from "../util/validate.js";
import { RESULTS_SCHEMA_VERSION, type Results, resultsSchema } from "./schema.js";

export async function readResults(pathOrDir: string): Promise<Results> {
  let file = pathOrDir;
  try {
    if ((await stat(pathOrDir)).isDirectory()) file = join(pathOrDir, "results.json");
  } catch {
    throw new UsageError(`no results at ${pathOrDir}`, "give a results.json or the run folder that holds it");
  }
  if (file !== pathOrDir) await refuseUnfinished(pathOrDir, file);
  let parsed: { schemaVersion?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as { schemaVersion?: unknown };
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (parsed.schemaVersion === undefined) {
    throw new UsageError(`${file} has no schemaVersion: it is not a routebench results.json`);
  }
  if (parsed.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(
      `${file} has results schema version ${JSON.stringify(parsed.schemaVersion)}; this routebench reads version ${RESULTS_SCHEMA_VERSION}`,
      "use the routebench version that wrote it",
    );
  }
  return parseFile(
    resultsSchema,
    parsed,
    file,
    "was it edited or cut short? routebench writes it whole, at the end of a run",
  );
}

/** A run folder without results.json: a run that was killed before it wrote one, named as such. */
async function refuseUnfinished(dir: string, file: string): Promise<void> {
  if (await exists(file)) return;
  const log = join(dir, "trials.jsonl");
  if (!(await exists(log)))
    throw new UsageError(`no results.json in ${dir}`, "give a results.json or the run folder that holds it");
  const finished = (await readFile(log, "utf8")).split("\n").filter((line) => line.trim() !== "").length;
  throw new UsageError(
    `${dir} holds no results.json: the run was interrupted or killed before it finished; its ${finished} finished trial(s) are in ${log}, one JSON record per line`,
    `finish it with \`routebench run --resume ${dir}\` (it keeps those trials, runs the rest and writes results.json), then report it`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
