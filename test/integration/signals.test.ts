/**
 * Signals to real runs on the lab (root): SIGINT, SIGTERM and SIGHUP while the lab comes up and
 * mid-trial, SIGTERM during a mode switch, signals and SIGKILL to the pid of a run started by an
 * old Node (the launcher), Ctrl-C to its process group, a terminal that closes, and SIGINT while
 * the summary and report are written. After each: nothing left behind, every finished trial
 * kept, and a results file that says aborted. Other faults are in faults.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LAB_LOCK_FILE } from "../../harness/backends/lab/lock.js";
import { readResults } from "../../harness/results/read.js";
import {
  attemptsIn,
  globalBinLink,
  hasEnded,
  lockHolder,
  MINI,
  needsOldNode,
  OLD_NODE,
  parentOf,
  procStat,
  rrSweep,
  waitFor,
} from "./fault-helpers.js";
import {
  BIN,
  cleanupEverything,
  expectNothingLeft,
  failUnlessRootInCi,
  runCli,
  skipRootTests,
  startRun,
} from "./helpers.js";

failUnlessRootInCi();

describe.skipIf(skipRootTests)("signals (root)", () => {
  const out = mkdtempSync(join(tmpdir(), "routebench-signals-"));
  beforeAll(cleanupEverything);
  afterEach(cleanupEverything);
  afterAll(async () => {
    await cleanupEverything();
    await expectNothingLeft();
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal} while the lab comes up and mid-trial: exit 130, nothing left, the results say aborted`, async () => {
      const early = startRun([MINI, "--out", join(out, `${signal}-early`)], 0);
      await early.reached; // its first line: the lab is coming up
      early.child.kill(signal);
      expect(await early.closed).toBe(130);
      await expectNothingLeft();

      const dir = join(out, `${signal}-trial`);
      const mid = startRun([MINI, "--out", dir], 1);
      await mid.reached;
      mid.child.kill(signal);
      expect(await mid.closed).toBe(130);
      const results = await readResults(dir);
      expect(results.state).toBe("aborted");
      expect(results.trials.length).toBeGreaterThanOrEqual(1); // the finished trial is kept
      await expectNothingLeft();
    });
  }

  it("SIGTERM during a mode switch: no trial starts after it; exit 130, aborted, nothing left", async () => {
    const dir = join(out, "switch-term");
    // a block runs legacy and eBPF back to back: its first trial's line is followed by a switch
    const run = startRun([rrSweep(out, 1, 6), "--out", dir], 1);
    await run.reached;
    const seen = attemptsIn(dir).length;
    run.child.kill("SIGTERM");
    expect(await run.closed).toBe(130);
    const results = await readResults(dir);
    expect(results.state).toBe("aborted");
    // the trial running or about to start when the signal came was killed, not kept
    expect(results.trials).toHaveLength(seen);
    await expectNothingLeft();
  });

  describe.skipIf(needsOldNode)(
    "started by an old Node (Debian's 20): the launcher stands for the run",
    () => {
      const oldNode = () => {
        if (OLD_NODE === null) throw new Error("these tests need a Node older than 22 at /usr/bin/node");
        return OLD_NODE;
      };

      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        it(`${signal} to the pid of a global install's bin run by it: exit 130, aborted, nothing left`, async () => {
          const dir = join(out, `launcher-${signal}`);
          const run = startRun([rrSweep(out, 1, 4), "--out", dir], 1, {
            command: [oldNode(), globalBinLink(out)],
          });
          await run.reached;
          // the pid the test holds is the launcher; the lab is held by its child
          const holder = lockHolder();
          expect(holder).not.toBe(run.child.pid);
          expect(parentOf(holder as number)).toBe(run.child.pid);
          await sleep(300); // inside the next trial
          const seen = attemptsIn(dir).length;
          run.child.kill(signal);
          expect(await run.closed, run.output().stderr).toBe(130);
          const results = await readResults(dir);
          expect(results.state).toBe("aborted");
          // SIGINT: the running trial finished and was kept (counted once, not as a second Ctrl-C)
          if (signal === "SIGINT") expect(results.trials.length).toBeGreaterThan(seen);
          await expectNothingLeft();
        });
      }

      it("Ctrl-C to its process group reaches launcher and run both and counts once: the running trial is kept", async () => {
        const dir = join(out, "launcher-group");
        const run = startRun([rrSweep(out, 1, 4), "--out", dir], 1, {
          command: [oldNode(), BIN],
          detached: true,
        });
        await run.reached;
        await sleep(300);
        const seen = attemptsIn(dir).length;
        process.kill(-(run.child.pid as number), "SIGINT"); // what a terminal does on Ctrl-C
        expect(await run.closed, run.output().stderr).toBe(130);
        const results = await readResults(dir);
        expect(results.state).toBe("aborted");
        expect(results.trials.length).toBeGreaterThan(seen);
        expect(results.trials.at(-1)?.state).not.toBe("failed");
        await expectNothingLeft();
      });

      it("SIGKILL to its pid: no routebench within 2 s, the lab free at once; --resume repeats no finished trial", async () => {
        const dir = join(out, "launcher-kill");
        const run = startRun([rrSweep(out, 1, 2), "--out", dir], 1, {
          command: [oldNode(), globalBinLink(out)],
        });
        await run.reached;
        // a busy machine repeats trials (noise): wait for a finished one to resume after
        await waitFor(
          "a completed trial",
          () => attemptsIn(dir).some((a) => a.state === "completed"),
          90_000,
        );
        const child = lockHolder() as number;
        expect(parentOf(child)).toBe(run.child.pid);
        run.child.kill("SIGKILL");
        await waitFor("the run's process ends", () => hasEnded(child), 2000).catch((error: Error) => {
          // say what the process was doing, so that a failure here can be told from a slow reaper
          throw new Error(`${error.message}; /proc/${child}/stat: ${procStat(child)}`);
        });
        await waitFor("the lab lock is released", () => !existsSync(LAB_LOCK_FILE), 200);
        const before = attemptsIn(dir);
        const finished = new Set(before.filter((a) => a.state === "completed").map((a) => a.id));
        expect(finished.size).toBeGreaterThanOrEqual(1);
        const resumed = await runCli(["run", "--resume", dir]);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        const results = await readResults(dir);
        expect(results.state).toBe("completed");
        const completed = results.trials.filter((t) => t.state === "completed").map((t) => t.id);
        expect(completed).toHaveLength(results.plannedTrials);
        expect(new Set(completed).size).toBe(completed.length); // no trial completed twice
        expect(results.trials.slice(0, before.length).map((t) => t.id)).toEqual(before.map((a) => a.id));
        expect(results.trials.slice(before.length).filter((t) => finished.has(t.id))).toEqual([]);
        // the killed run left the lab up (as SIGKILL does); the resumed run used it and left it so
        expect((await runCli(["lab", "down"])).exitCode).toBe(0);
        await expectNothingLeft();
      });
    },
  );

  it("SIGHUP from a terminal that closes: the run stops, cleans up and says aborted", async () => {
    const dir = join(out, "terminal-hangup");
    const typescript = join(out, "terminal-hangup.typescript"); // what the terminal showed, until it closed
    // script(1) gives the run a terminal of its own; killing script closes it (the kernel sends SIGHUP)
    const terminal = spawn(
      "script",
      ["-qfec", `node ${BIN} run ${rrSweep(out, 1, 6)} --out ${dir}`, typescript],
      { stdio: ["pipe", "ignore", "ignore"] },
    );
    try {
      await waitFor("a trial", () => attemptsIn(dir).length >= 1, 60_000);
      terminal.kill("SIGKILL");
      await waitFor("the run cleans up", () => existsSync(join(dir, "results.json")), 15_000);
      await waitFor("the lab lock is released", () => !existsSync(LAB_LOCK_FILE), 5000);
      const results = await readResults(dir);
      const shown = existsSync(typescript) ? readFileSync(typescript, "utf8") : "";
      expect(results.state, `${results.failure ?? ""}; the terminal showed:\n${shown}`).toBe("aborted");
      await expectNothingLeft();
    } finally {
      terminal.kill("SIGKILL");
    }
  });

  it("SIGINT while the summary and report are written: the results are kept, the lab is already gone", async () => {
    const dir = join(out, "report-phase");
    // two trials: what follows the last one (lab down, summary, report) does not depend on how many ran
    const run = startRun(
      [rrSweep(out, 1, 1), "--out", dir, "--report", "--report-out", join(out, "report-phase-report")],
      2,
    );
    await run.reached; // the last trial's line: summary and report follow
    await sleep(200);
    // the signal must reach a running process, or nothing was interrupted and nothing is tested
    expect(run.child.exitCode, "the run ended before the SIGINT").toBeNull();
    run.child.kill("SIGINT");
    const code = await run.closed;
    // exit 130 when the handlers still ran, or the signal's default when rendering had begun;
    // never 0: an interrupted run does not report success
    expect([130, null]).toContain(code);
    const results = await readResults(dir);
    expect(["completed", "aborted"]).toContain(results.state);
    const lines = readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
    expect(results.trials.length).toBe(lines.length); // every finished trial kept, none invented
    await expectNothingLeft();
  });
});
