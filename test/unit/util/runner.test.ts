/**
 * The real process runner's stop: a trial's program is killed by the run's abort signal, also
 * when the stop came before the program was started (a SIGTERM while the counters were read).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStat } from "../../../harness/cli/signals.js";
import { processRunner } from "../../../harness/util/runner.js";

describe("processRunner", () => {
  it("kills a program whose abort signal fired before it started", async () => {
    const result = await processRunner.run(["sleep", "5"], { signal: AbortSignal.abort() });
    expect(result.signal).toBe("SIGKILL");
    expect(result.durationMs).toBeLessThan(4000);
  });

  it("kills a running program when its abort signal fires", async () => {
    const control = new AbortController();
    setTimeout(() => control.abort(), 50);
    const result = await processRunner.run(["sleep", "5"], { signal: control.signal });
    expect(result.signal).toBe("SIGKILL");
  });

  it("lets a program run to its end when no stop comes", async () => {
    const result = await processRunner.run(["sh", "-c", "echo done"], {
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ exitCode: 0, signal: null, stdout: "done\n" });
  });

  it("starts each program in a session of its own: a terminal's signals reach routebench, not the trial", async () => {
    // a terminal sends Ctrl-C and hang-up to its foreground process group; netperf would end its
    // test early on SIGINT and print the short test as whole (exit 0)
    const result = await processRunner.run(["cat", "/proc/self/stat"]);
    const sessionOf = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3];
    const child = parseStat(result.stdout);
    expect(child).not.toBeNull();
    const childSession = sessionOf(result.stdout);
    const childPid = result.stdout.split(" ")[0];
    expect(childSession).toBe(childPid); // the leader of a new session (setsid)
    expect(childSession).not.toBe(sessionOf(readFileSync("/proc/self/stat", "utf8")));
  });
});
