/**
 * One run end to end (harness/run/run.ts) on a scripted backend and a fake Runner: the run
 * folder it writes, an interrupted run's results, and --resume from that folder.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRunFolder } from "../../../harness/results/log.js";
import { readResults } from "../../../harness/results/read.js";
import type { RunControl } from "../../../harness/run/execute.js";
import { type RunRequest, runSweep } from "../../../harness/run/run.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import { EnvironmentError } from "../../../harness/util/errors.js";
import { FakeSession, fakeBackend, scriptedNoise, type TrialScript } from "../support/fake-backend.js";
import { environmentAnswers, FakeRunner } from "../support/fake-runner.js";

const sweep = parseSweep(
  "name: run\nmodes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 3\n",
  "run.yaml",
);
const trials = planSweep(sweep);

function request(session: FakeSession, overrides: Partial<RunRequest> = {}) {
  const control: RunControl = { stopRequested: false, kill: new AbortController() };
  const runner = new FakeRunner(environmentAnswers);
  const req: RunRequest = {
    sweep,
    backend: fakeBackend(session),
    outDir: mkdtempSync(join(tmpdir(), "rb-run-")),
    runId: "unit-run",
    command: ["routebench", "run"],
    control,
    log: () => undefined,
    onProgress: () => undefined,
    runner,
    sampleNoise: scriptedNoise(),
    ...overrides,
  };
  return { req, control, runner };
}

describe("runSweep", () => {
  it("writes run.json, a trials.jsonl line per attempt and results.json, and closes the backend", async () => {
    const session = new FakeSession();
    const { req, runner } = request(session);
    const outcome = await runSweep(req);
    expect(outcome.error).toBeUndefined();
    expect(outcome.results.state).toBe("completed");
    expect(session.calls.at(-1)).toBe("close");
    const onDisk = await readResults(join(outcome.dir, "results.json"));
    expect(onDisk.trials.map((t) => t.id)).toEqual(trials.map((t) => t.id));
    expect(onDisk.summary.completedTrials).toBe(trials.length);
    expect(readFileSync(join(outcome.dir, "trials.jsonl"), "utf8").trim().split("\n")).toHaveLength(
      trials.length,
    );
    // the environment came through the Runner, not from this machine's git or netperf
    expect(onDisk.environment).toMatchObject({
      netperfVersion: "2.7.0",
      gitCommit: "0123456789ab",
      backend: "fake",
    });
    expect(runner.calls.map((argv) => argv.slice(0, 2).join(" "))).toContain("netperf -V");
    expect(onDisk.label).toMatch(/^0123456789ab \d{4}-\d\d-\d\d$/);
  });

  it("an interrupted run writes results.json (aborted) with its finished trials, and --resume completes it", async () => {
    let control: RunControl | undefined;
    const stopAfterThird: TrialScript = (trial) => {
      if (trial.id === trials[2]?.id && control) control.stopRequested = true;
      return undefined;
    };
    const first = request(new FakeSession(stopAfterThird));
    control = first.control;
    const aborted = await runSweep(first.req);
    expect(aborted.results.state).toBe("aborted");
    expect(aborted.results.trials.map((t) => t.id)).toEqual(trials.slice(0, 3).map((t) => t.id));
    expect((await readResults(join(aborted.dir, "results.json"))).state).toBe("aborted");

    const session = new FakeSession();
    const folder = await readRunFolder(aborted.dir);
    const resumed = await runSweep(request(session, { resume: { dir: aborted.dir, ...folder } }).req);
    expect(session.trialCalls()).toEqual(trials.slice(3).map((t) => t.id));
    expect(resumed.results.state).toBe("completed");
    expect(resumed.results.runId).toBe("unit-run");
    expect(resumed.results.trials.map((t) => t.id)).toEqual(trials.map((t) => t.id));
  });

  it("a backend that goes away fails the run but still writes its results and closes the backend", async () => {
    const session = new FakeSession((trial) =>
      trial.id === trials[1]?.id ? { throws: new EnvironmentError("the lab is gone", "lab up") } : undefined,
    );
    const outcome = await runSweep(request(session).req);
    expect(outcome.error).toBeInstanceOf(EnvironmentError);
    expect(outcome.results.state).toBe("failed");
    expect(outcome.results.failure).toBe("the lab is gone");
    expect((await readResults(join(outcome.dir, "results.json"))).failure).toBe("the lab is gone");
    expect(outcome.results.trials).toHaveLength(1);
    expect(session.calls.at(-1)).toBe("close");
  });

  it("an error raised once a stop was asked for ends the run as aborted, with the error kept", async () => {
    let control: RunControl | undefined;
    const session = new FakeSession((trial) => {
      if (trial.id !== trials[1]?.id || !control) return undefined;
      // SIGHUP: the stop is asked for and what runs is killed; the backend then fails
      control.stopRequested = true;
      control.kill.abort();
      return { throws: new EnvironmentError("the lab is gone", "lab up") };
    });
    const made = request(session);
    control = made.control;
    const outcome = await runSweep(made.req);
    expect(outcome.results.state).toBe("aborted");
    expect(outcome.results.failure).toBe("the lab is gone");
    expect(outcome.results.trials).toHaveLength(1);
    expect(session.calls.at(-1)).toBe("close");
  });
});
