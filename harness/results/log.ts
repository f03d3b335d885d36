/**
 * A run's folder: run.json (what is being run, written first), trials.jsonl (one line per
 * finished trial attempt, appended as it finishes, so a crash loses at most the running
 * trial) and results.json (written at the end, also when interrupted).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sweep } from "../sweep/schema.js";
import { EnvironmentError, UsageError } from "../util/errors.js";
import type { Environment, Results, TrialRecord } from "./schema.js";

export interface RunMeta {
  runId: string;
  label: string;
  startedAt: string;
  command: string[];
  sweep: Sweep;
  environment: Environment;
}

export class RunLog {
  constructor(readonly dir: string) {}

  get trialsFile(): string {
    return join(this.dir, "trials.jsonl");
  }

  get resultsFile(): string {
    return join(this.dir, "results.json");
  }

  /** Writes run.json. The folder exists: the CLI prepared it (out-dir.ts); tests may pass any folder. */
  async start(meta: RunMeta): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await writeAtomically(join(this.dir, "run.json"), meta);
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

/** Reads an interrupted run's folder for --resume. */
export async function readRunFolder(dir: string): Promise<{ meta: RunMeta; trials: TrialRecord[] }> {
  let meta: RunMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as RunMeta;
  } catch (error) {
    throw new UsageError(
      `${dir} is not a routebench run folder (cannot read run.json: ${(error as Error).message})`,
    );
  }
  const trials = parseTrialLog(await readFile(join(dir, "trials.jsonl"), "utf8").catch(() => ""));
  return { meta, trials };
}

/** Parses trials.jsonl. A torn last line (the process was killed mid-write) is dropped. */
export function parseTrialLog(text: string): TrialRecord[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const records: TrialRecord[] = [];
  lines.forEach((line, i) => {
    try {
      records.push(JSON.parse(line) as TrialRecord);
    } catch (error) {
      if (i !== lines.length - 1)
        throw new UsageError(`trials.jsonl line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
  });
  return records;
}
