/** Reads a results.json (or the folder holding it) and refuses unknown schema versions. */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../util/errors.js";
import { RESULTS_SCHEMA_VERSION, type Results } from "./schema.js";

export async function readResults(pathOrDir: string): Promise<Results> {
  let file = pathOrDir;
  try {
    if ((await stat(pathOrDir)).isDirectory()) file = join(pathOrDir, "results.json");
  } catch {
    throw new UsageError(`no results at ${pathOrDir}`, "give a results.json or the run folder that holds it");
  }
  let parsed: Partial<Results>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<Results>;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (parsed.schemaVersion === undefined) {
    throw new UsageError(`${file} has no schemaVersion: it is not a routebench results.json`);
  }
  if (parsed.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(
      `${file} has results schema version ${JSON.stringify(parsed.schemaVersion)}; this routebench reads version ${RESULTS_SCHEMA_VERSION}`,
      parsed.schemaVersion === undefined
        ? "is it a routebench results.json?"
        : "use the routebench version that wrote it",
    );
  }
  for (const key of ["trials", "summary", "sweep", "environment"] as const) {
    if (!parsed[key]) throw new UsageError(`${file} has no ${key}: not a complete routebench results file`);
  }
  return parsed as Results;
}
