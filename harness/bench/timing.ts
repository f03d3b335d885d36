/** Small helpers shared by the benchmark scripts (not tests: they print figures, they assert nothing). */
import { fileURLToPath } from "node:url";
import { median } from "simple-statistics";
import { type ProcessResult, processRunner } from "../util/runner.js";

export const CLI = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));

/** Runs the routebench CLI and throws with its stderr when it fails. */
export async function cli(args: string[]): Promise<ProcessResult> {
  const result = await processRunner.run(["node", CLI, ...args]);
  if (result.exitCode !== 0)
    throw new Error(`routebench ${args.join(" ")} failed (${result.exitCode}):\n${result.stderr}`);
  return result;
}

export function formatMs(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${median(sorted).toFixed(0)} ms (min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)}, n=${sorted.length})`;
}
