/** Printing for commands: JSON for machines, text for people. */
import { LabBusyError } from "../backends/lab/lock.js";
import { CommandError, EnvironmentError, UsageError } from "../util/errors.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

export function warn(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** The one place that turns errors into exit codes (2 usage, 3 environment, 4 a command failed, 1 otherwise). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof EnvironmentError) return 3;
  if (error instanceof CommandError) return 4;
  if (error instanceof LabBusyError) return 6;
  return 1;
}

export function formatError(error: unknown): string {
  if (error instanceof UsageError || error instanceof EnvironmentError || error instanceof LabBusyError) {
    return `routebench: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}`;
  }
  if (error instanceof Error) return `routebench: ${error.message}`;
  return `routebench: ${String(error)}`;
}

/** Parses a whole number flag, naming the flag when it is not one. */
export function parseIntegerFlag(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value))
      throw new UsageError(`${flag} takes a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}
