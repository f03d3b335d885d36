/**
 * The real process runner's stop: a trial's program is killed by the run's abort signal, also
 * when the stop came before the program was started (a SIGTERM while the counters were read).
 */
import { describe, expect, it } from "vitest";
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
});
