/**
 * A helper program kept running for a session and asked by lines: one line written to its
 * stdin, one line of answer on its stdout (the CPU probe, machine/cpu-probe.ts; the FORWARD
 * counter reader, backends/lab/forward-counter.ts). Started at the first request, in a
 * session of its own (a terminal's signals are routebench's to handle); it exits at the end of
 * its stdin, so routebench's death (its pipe closed) ends it too, and it is killed by its pid
 * if it does not. A helper that cannot start, exits or does not answer in time is broken from
 * then on: every later request answers null, and the caller does without it.
 */
import { type ChildProcess, spawn } from "node:child_process";

export class LineServer {
  private child: ChildProcess | null = null;
  private broken = false;
  private buffered = "";
  private waiting: ((line: string | null) => void) | null = null;

  constructor(
    private readonly argv: readonly string[],
    /** How long one answer may take before the helper counts as broken. */
    private readonly timeoutMs: number,
  ) {}

  private start(): ChildProcess {
    const [command, ...args] = this.argv as [string, ...string[]];
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "ignore"], detached: true });
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      this.buffered += chunk;
      const newline = this.buffered.indexOf("\n");
      if (newline < 0 || !this.waiting) return;
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.settle(line);
    });
    const gone = () => {
      this.broken = true;
      this.child = null;
      this.settle(null);
    };
    child.on("error", gone);
    child.on("close", gone); // after its stdout ended: a last line is read before it counts as gone
    child.stdin?.on("error", () => {});
    return child;
  }

  private settle(line: string | null): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(line);
  }

  /** The running helper's pid (none before the first request and once it is gone). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * The answer to `request` (one line, without its newline), or null when the helper cannot
   * run or did not answer in time. One request at a time: the caller awaits each.
   */
  async ask(request: string): Promise<string | null> {
    if (this.broken) return null;
    if (this.waiting) throw new Error("LineServer.ask: a request is already waiting for its answer");
    const child = this.child ?? this.start();
    this.child = child;
    const line = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        this.broken = true;
        this.settle(null);
      }, this.timeoutMs);
      this.waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      child.stdin?.write(`${request}\n`);
    });
    if (line === null) this.close();
    return line;
  }

  /** Marks the helper broken (its answer made no sense) and ends it. */
  fail(): void {
    this.broken = true;
    this.close();
  }

  /** Ends the helper: its stdin closed, and SIGKILL by its pid if it is still there. Safe to call twice. */
  close(): void {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.stdin?.end();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
