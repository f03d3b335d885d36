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

/** Throws naming the flag when one of its values is not a positive integer (a bench's numeric options). */
export function requirePositiveIntegers(values: readonly (readonly [flag: string, value: number])[]): void {
  for (const [flag, value] of values)
    if (!(Number.isInteger(value) && value > 0))
      throw new Error(`--${flag} takes positive integers, got ${value}`);
}

export function formatMs(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${median(sorted).toFixed(0)} ms (min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)}, n=${sorted.length})`;
}

/**
 * Stops the process this benchmark started (by its pid) for `stopMs` at a random moment inside
 * its measured window (after 20% of `durationSec`, ending before 80%), then continues it: a
 * planted slowdown. `onStopped` runs once the stop has landed.
 */
export function plantStop(
  pid: number,
  random: () => number,
  stopMs: number,
  durationSec: number,
  onStopped: () => void = () => undefined,
): void {
  const atMs = (0.2 + random() * (0.6 - stopMs / 1000 / durationSec)) * durationSec * 1000;
  setTimeout(() => {
    try {
      process.kill(pid, "SIGSTOP");
      onStopped();
      setTimeout(() => {
        try {
          process.kill(pid, "SIGCONT");
        } catch {}
      }, stopMs);
    } catch {}
  }, atMs);
}
