/**
 * A run's folder: run.json (what is being run, written first), trials.jsonl (one line per
 * finished trial attempt, appended as it finishes, so a crash loses at most the running
 * trial) and results.json (written at the end, also when interrupted).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentError, UsageError } from "../util/errors.js";
import { parseFile } from "../util/validate.js";
import {
  RESULTS_SCHEMA_VERSION,
  type Results,
  type RunMeta,
  runMetaSchema,
  type TrialRecord,
  trialRecordSchema,
} from "./schema.js";

export type { RunMeta } from "./schema.js";

export class RunLog {
  constructor(readonly dir: string) {}

  get trialsFile(): string {
    return join(this.dir, "trials.jsonl");
  }

  get resultsFile(): string {
    return join(this.dir, "results.json");
  }

  /** Writes run.json, with its schema version. The folder exists: the CLI prepared it (out-dir.ts); tests may pass any folder. */
  async start(meta: RunMeta): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await writeAtomically(join(this.dir, "run.json"), { schemaVersion: RESULTS_SCHEMA_VERSION, ...meta });
  }

  /** Appends one trial record; synchronous so it is in the file before the next trial starts. */
  append(record: TrialRecord): void {
    try {
      appendFileSync(this.trialsFile, `${JSON.stringify(record)}\n`);
    } catch (error) {
      throw new EnvironmentError(
        `cannot append to ${this.trialsFile} (${(error as Error).message}): the run stops; every trial before this one is in the file`,
        `free space or fix the folder, then \`routebench run --resume ${this.dir}\``,
      );
    }
  }

  async finish(results: Results): Promise<void> {
    try {
      await writeAtomically(this.resultsFile, results);
    } catch (error) {
      throw new EnvironmentError(
        `cannot write ${this.resultsFile} (${(error as Error).message}); the finished trials are in ${this.trialsFile}`,
        `free space or fix the folder, then \`routebench run --resume ${this.dir}\` writes it`,
      );
    }
  }
}

async function writeAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, file);
}

const RESUME_HINT = "resume only a folder this routebench version wrote, or start a new run";

/** Reads an interrupted run's folder for --resume: run.json and trials.jsonl, each checked against its schema. */
export async function readRunFolder(dir: string): Promise<{ meta: RunMeta; trials: TrialRecord[] }> {
  const file = join(dir, "run.json");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(
      `${dir} is not a routebench run folder (cannot read run.json: ${(error as Error).message})`,
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(
      `${file} has schema version ${JSON.stringify(version) ?? "(none)"}; this routebench resumes version ${RESULTS_SCHEMA_VERSION}`,
      RESUME_HINT,
    );
  }
  const { schemaVersion: _version, ...meta } = parseFile(runMetaSchema, json, file, RESUME_HINT);
  const trialsFile = join(dir, "trials.jsonl");
  const trials = parseTrialLog(await readFile(trialsFile, "utf8").catch(() => ""), trialsFile);
  return { meta, trials };
}

/**
 * Parses trials.jsonl, each line against the trial schema. A torn last line (the process was
 * killed mid-write) is dropped; any other line that is not a trial record is refused.
 */
export function parseTrialLog(text: string, file = "trials.jsonl"): TrialRecord[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const records: TrialRecord[] = [];
  lines.forEach((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      if (i !== lines.length - 1)
        throw new UsageError(`${file} line ${i + 1} is not JSON: ${(error as Error).message}`);
      return;
    }
    records.push(parseFile(trialRecordSchema, json, `${file} line ${i + 1}`, RESUME_HINT));
  });
  return records;
}
