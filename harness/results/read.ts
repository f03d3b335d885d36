/**
 * Reads a results.json (or the folder holding it): refuses other schema versions (version 2
 * is read as version 3, see `upgradeV2`), then checks every field against the schema, naming
 * the first fields that do not fit.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "../util/errors.js";
import { parseFile, parseJsonFile } from "../util/validate.js";
import { RESULTS_SCHEMA_VERSION, type Results, resultsSchema } from "./schema.js";

/** The results versions this routebench reads. */
export const READABLE_RESULTS_VERSIONS = [2, RESULTS_SCHEMA_VERSION] as const;

/** A version 2 caveat's opening words, and the reason version 3 stores for it. */
const V2_CAVEATS: readonly [string, string][] = [
  ["too few pairs", "too-few-pairs"],
  ["the machine stayed too busy", "noisy-pairs"],
];

/**
 * Version 2 gave every comparison that could not decide (too few pairs, or noisy pairs) the
 * verdict "no significant difference" with a caveat; the caveat was set for nothing else. Its
 * stored figures are version 3's: only the verdict word and its reason change. Pure: returns
 * a copy, leaves anything it does not recognise for the schema to refuse.
 */
export function upgradeV2(json: Record<string, unknown>): Record<string, unknown> {
  const summary = json.summary as { comparisons?: unknown } | undefined;
  if (!summary || !Array.isArray(summary.comparisons))
    return { ...json, schemaVersion: RESULTS_SCHEMA_VERSION };
  const comparisons = summary.comparisons.map((c: unknown) => {
    const comparison = c as { verdict?: unknown; caveat?: unknown };
    if (typeof comparison?.caveat !== "string" || comparison.verdict !== "no significant difference")
      return c;
    const caveat = comparison.caveat;
    const reason = V2_CAVEATS.find(([opening]) => caveat.startsWith(opening))?.[1] ?? "no-interval";
    return { ...comparison, verdict: "undecided", undecidedReason: reason };
  });
  return { ...json, schemaVersion: RESULTS_SCHEMA_VERSION, summary: { ...summary, comparisons } };
}

export async function readResults(pathOrDir: string): Promise<Results> {
  let file = pathOrDir;
  try {
    if ((await stat(pathOrDir)).isDirectory()) file = join(pathOrDir, "results.json");
  } catch {
    throw new UsageError(`no results at ${pathOrDir}`, "give a results.json or the run folder that holds it");
  }
  if (file !== pathOrDir) await refuseUnfinished(pathOrDir, file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // an object first (its version decides how the rest is read), then the whole file against its schema
  const parsed = parseJsonFile(z.record(z.string(), z.unknown()), text, file);
  if (parsed.schemaVersion === undefined) {
    throw new UsageError(`${file} has no schemaVersion: it is not a routebench results.json`);
  }
  if (!(READABLE_RESULTS_VERSIONS as readonly unknown[]).includes(parsed.schemaVersion)) {
    throw new UsageError(
      `${file} has results schema version ${JSON.stringify(parsed.schemaVersion)}; this routebench reads versions ${READABLE_RESULTS_VERSIONS.join(" and ")}`,
      "use the routebench version that wrote it",
    );
  }
  return parseFile(
    resultsSchema,
    parsed.schemaVersion === 2 ? upgradeV2(parsed) : parsed,
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
