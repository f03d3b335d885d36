import { spawn } from "node:child_process";
import { CommandError } from "./errors.js";

/** A finished child process, as a value. */
export interface ProcessResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the process (SIGKILL) after this long. */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Aborting kills the process (SIGKILL). */
  signal?: AbortSignal;
  /** Called with the child's pid once it is spawned (benchmarks that act on the process they started). */
  onSpawn?: (pid: number) => void;
}

/** Runs child processes. The one seam between routebench and the programs it drives. */
export interface Runner {
  /** Runs argv and resolves with its result whatever the exit code. */
  run(argv: readonly string[], options?: RunOptions): Promise<ProcessResult>;
}

/** The real runner: node:child_process, no shell. */
export const processRunner: Runner = {
  run(argv, options = {}) {
    const [command, ...args] = argv;
    if (!command) throw new Error("run: empty argv");
    const started = performance.now();
    return new Promise((resolve) => {
      // a session of its own: a terminal's Ctrl-C or hang-up reaches routebench only, which decides
      // what the running program gets (netperf ends a test early on SIGINT and reports it as whole)
      const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const kill = () => child.kill("SIGKILL");
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, options.timeoutMs)
        : undefined;
      options.signal?.addEventListener("abort", kill, { once: true });
      // a stop that came before the spawn (while the counters were read) fires no event: kill now
      if (options.signal?.aborted) kill();
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      const finish = (exitCode: number | null, signal: string | null, extraStderr = "") => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", kill);
        resolve({
          argv: [...argv],
          exitCode,
          signal,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8") + extraStderr,
          durationMs: performance.now() - started,
          timedOut,
        });
      };
      child.on("error", (error: NodeJS.ErrnoException) =>
        finish(error.code === "ENOENT" ? 127 : 126, null, `${error.message}\n`),
      );
      child.on("close", (code, signal) => finish(code, signal));
      child.stdin.on("error", () => {});
      child.stdin.end(options.input ?? "");
    });
  },
};

/** Runs argv and throws a CommandError unless it exits 0. */
export async function runChecked(
  runner: Runner,
  argv: readonly string[],
  options?: RunOptions,
): Promise<ProcessResult> {
  const result = await runner.run(argv, options);
  if (result.exitCode !== 0) {
    throw new CommandError(
      result.argv,
      result.exitCode,
      result.signal,
      result.stderr || result.stdout,
      result.timedOut,
    );
  }
  return result;
}
