/**
 * The few error classes routebench raises. Each carries what was wrong and what to do;
 * `exitCodeFor` in cli/output.ts is the one place that turns them into exit codes.
 */

/** Bad input from the user: a sweep file, a flag, a results file. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The machine or the lab is not in a state that allows the operation. Exit code 3. */
export class EnvironmentError extends Error {
  override name = "EnvironmentError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A child process failed: names the command, its exit code and the tail of its stderr. Exit code 4. */
export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderr: string,
    readonly timedOut = false,
  ) {
    const how = timedOut ? "timed out" : signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const tail = tailLines(stderr, 12);
    super(`command ${formatArgv(argv)} ${how}${tail ? `:\n${tail}` : ""}`);
  }
}

/** The last `count` non-empty lines of a text, for error messages. */
export function tailLines(text: string, count: number): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-count)
    .join("\n");
}

/** Quotes an argv the way a shell user would type it. */
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}
