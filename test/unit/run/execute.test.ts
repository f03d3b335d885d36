/**
 * The run loop (harness/run/execute.ts) against a scripted backend: what it records, retries,
 * rejects, keeps on a stop, and asks of the backend. No process, namespace or /proc reading.
 *
 * Over 300 lines on purpose: one case per decision of the run loop (execute.ts), against one
 * scripted backend.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { installInterruptHandlers } from "../../../harness/cli/run.js";
import { SAME_INTERRUPT_MS } from "../../../harness/cli/signals.js";
import { NOISE_RULE_REPEATS } from "../../../harness/machine/noise.js";
import type { NoiseSample, TrialRecord } from "../../../harness/results/schema.js";
import {
  type ExecuteContext,
  executeTrials,
  givenUpTrials,
  type ProgressEvent,
  type RunControl,
} from "../../../harness/run/execute.js";
import { summarise, trialSeconds } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints, type Trial } from "../../../harness/sweep/plan.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import { EnvironmentError } from "../../../harness/util/errors.js";
import type { WitnessName } from "../../../harness/witness/witness.js";
import {
  FakeSession,
  NETPERF_STDOUT,
  QUIET,
  type ScriptedOutcome,
  scriptedNoise,
  type TrialScript,
} from "../support/fake-backend.js";

/** 2 placements × 2 sizes × 2 modes × 2 blocks = 16 trials; given repetitions, so no adaptive extension. */
function sweepOf(extra = ""): Sweep {
  return parseSweep(
    `name: loop\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR, sizes: ["1,1", "64,64"]}]\nduration: 1\nrepetitions: 2\n${extra}`,
    "loop.yaml",
  );
}

/** A trial outcome whose path shows the mode moved under it (a mode rejection). */
const MODE_MOVED: ScriptedOutcome = {
  path: {
    bpfRedirects: 0,
    stackPasses: 0,
    iptablesForwardPackets: 0,
    ok: false,
    kind: "mode",
    reason: "the mode's generation changed during the trial",
  },
};

/** The loop's context around a session; a function gets the run's control, to stop or kill from a trial. */
function contextOf(
  sweep: Sweep,
  sessionOf: FakeSession | ((control: RunControl) => FakeSession),
  options: { records?: TrialRecord[]; noise?: NoiseSample[] } = {},
) {
  const control: RunControl = { stopRequested: false, kill: new AbortController() };
  const session = typeof sessionOf === "function" ? sessionOf(control) : sessionOf;
  const written: TrialRecord[] = [];
  const events: ProgressEvent[] = [];
  const context: ExecuteContext = {
    sweep,
    session,
    control,
    record: (record) => written.push(record),
    onProgress: (event) => events.push(event),
    modeEvidence: [],
    records: [...(options.records ?? [])],
    sampleNoise: scriptedNoise(options.noise),
  };
  return { context, control, session, written, events };
}

const byId = (records: readonly TrialRecord[], id: string) => records.filter((r) => r.id === id);
const NO_CONTROL =
  "establish control: are you sure there is a netserver listening on 198.19.1.11 at port 12865?\n";

/** Only the script's chosen trial (by index in the plan) misbehaves. */
function onTrial(trials: readonly Trial[], index: number, outcome: TrialScript): TrialScript {
  return (trial, attempt, signal) =>
    trial.id === trials[index]?.id ? outcome(trial, attempt, signal) : undefined;
}

/** A run whose trial `index` (in plan order) acts on the run's control: a stop request or a kill. */
function interruptedAt(
  sweep: Sweep,
  trials: readonly Trial[],
  index: number,
  act: (control: RunControl, signal: AbortSignal) => ScriptedOutcome | undefined,
) {
  return contextOf(
    sweep,
    (control) => new FakeSession(onTrial(trials, index, (_t, _a, signal) => act(control, signal))),
  );
}

describe("executeTrials", () => {
  it("runs every trial once in plan order, switching the mode only when it changes", async () => {
    for (const order of ["interleaved", "blocked"]) {
      const sweep = sweepOf(`order: ${order}\n`);
      const trials = planSweep(sweep);
      const session = new FakeSession();
      const { context, written } = contextOf(sweep, session);
      expect(await executeTrials(context, trials, {})).toBe(true);
      expect(session.trialCalls()).toEqual(trials.map((t) => t.id));
      // expected: the plan's modes with repeats in a row collapsed
      const changes = trials.map((t) => t.mode).filter((mode, i, all) => i === 0 || all[i - 1] !== mode);
      expect(changes.length).toBeLessThan(trials.length); // the plan has repeats, so "switch every trial" would fail
      expect(session.modeCalls()).toEqual(changes);
      if (order === "blocked") expect(changes).toHaveLength(2);
      expect(written).toHaveLength(trials.length);
      expect(written.length).toBeGreaterThan(0); // .every of nothing would be true
      expect(written.every((r) => r.state === "completed" && r.modeEvidence?.mode === r.mode)).toBe(true);
      expect(written.map((r) => r.metrics?.transactionsPerSec)).toEqual(Array(trials.length).fill(17788.322));
    }
  });

  it("tells progress which phase its trials are: the plan by default, or an adaptive block", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    for (const phase of [undefined, "adaptive"] as const) {
      const { context, events } = contextOf(sweep, new FakeSession());
      expect(await executeTrials(context, trials, {}, phase)).toBe(true);
      expect(events.length).toBeGreaterThan(trials.length);
      expect(new Set(events.map((e) => e.phase))).toEqual(new Set([phase ?? "plan"]));
    }
  });

  it("retries a failed attempt up to `retries` times, then gives the trial up and goes on", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const [first, second] = [trials[0]?.id ?? "", trials[1]?.id ?? ""];
    const session = new FakeSession((trial, attempt) => {
      if (trial.id === first && attempt === 1) return { exitCode: 255, stdout: NO_CONTROL };
      if (trial.id === second) return { exitCode: 1, stdout: "" };
      return undefined;
    });
    const { context, written } = contextOf(sweep, session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    expect(byId(written, first).map((r) => [r.attempt, r.state])).toEqual([
      [1, "failed"],
      [2, "completed"],
    ]);
    expect(byId(written, first)[0]?.error).toMatch(/no control connection to netserver/);
    // retries: 1 → two attempts, then given up; the run went on to every other trial
    expect(byId(written, second).map((r) => r.state)).toEqual(["failed", "failed"]);
    expect(givenUpTrials(written, sweep.retries)).toEqual([second]);
    expect(session.trialCalls().slice(0, 4)).toEqual([first, first, second, second]);
    expect(written.filter((r) => r.state === "completed")).toHaveLength(trials.length - 1);

    const once = new FakeSession(onTrial(trials, 1, () => ({ exitCode: 1 })));
    const noRetry = contextOf(sweepOf("retries: 0\n"), once);
    await executeTrials(noRetry.context, trials, {});
    expect(byId(noRetry.written, second)).toHaveLength(1);
  });

  it("does not count a netperf that exited 0 after measuring only part of its length (a SIGINT that reached it)", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const first = trials[0]?.id ?? "";
    // the fixture's line with netperf's ELAPSED_TIME (1.00 of the 1 s asked for) cut to 0.42
    const short = NETPERF_STDOUT.TCP_RR.replace(",1.00,", ",0.42,");
    expect(short).not.toBe(NETPERF_STDOUT.TCP_RR);
    const session = new FakeSession(
      onTrial(trials, 0, (_trial, attempt) => (attempt === 1 ? { stdout: short } : undefined)),
    );
    const { context, written } = contextOf(sweep, session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    const attempts = byId(written, first);
    expect(attempts.map((r) => r.state)).toEqual(["failed", "completed"]);
    expect(attempts[0]?.error).toMatch(/measured 0.42 s of the 1 s asked for/);
    expect(attempts[0]?.metrics).toBeUndefined();
  });

  it("rejects a trial whose packets took the wrong path, retries it and never counts it", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const path = { bpfRedirects: 0, stackPasses: 900, iptablesForwardPackets: 900, ok: false };
    const session = new FakeSession(
      onTrial(trials, 0, (_t, attempt) =>
        attempt === 1
          ? { path: { ...path, kind: "path", reason: "FORWARD counted the trial's packets" } }
          : undefined,
      ),
    );
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, trials, {});
    const mine = byId(written, trials[0]?.id ?? "");
    expect(mine.map((r) => [r.state, r.rejection?.kind])).toEqual([
      ["rejected", "path"],
      ["completed", undefined],
    ]);
    expect(mine[0]?.metrics?.transactionsPerSec).toBe(17788.322); // measured, kept raw, not counted
    const summary = summarise(sweep, sweepPoints(sweep), written);
    expect([summary.completedTrials, summary.rejectedTrials]).toEqual([trials.length, 1]);
  });

  it("after a mode rejection, switches the mode again before the retry", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const target = trials[2] as Trial;
    const session = new FakeSession(
      onTrial(trials, 2, (_t, attempt) => (attempt === 1 ? MODE_MOVED : undefined)),
    );
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, trials, {});
    expect(byId(written, target.id).map((r) => r.rejection?.kind ?? r.state)).toEqual(["mode", "completed"]);
    const at = session.calls.indexOf(`trial ${target.id}`);
    expect(session.calls.slice(at, at + 3)).toEqual([
      `trial ${target.id}`,
      `mode ${target.mode}`,
      `trial ${target.id}`,
    ]);
  });

  it("repeats a trial run on a noisy machine without spending a retry, and keeps it marked noisy when the rule's repeats run out", async () => {
    const sweep = sweepOf("retries: 0\n");
    const trials = planSweep(sweep);
    const steal = { ...QUIET, cpuStealPct: 20 };
    const otherBusy = { ...QUIET, benchCpus: [1], benchCpuStealPct: 0, otherCpusBusyPct: 99 };
    expect(NOISE_RULE_REPEATS["other-cpus-busy"]).toBe(1);
    // trial 1: steal on its first attempt, quiet after; trial 2: the other CPUs busy twice running
    const { context, written } = contextOf(sweep, new FakeSession(), {
      noise: [steal, QUIET, otherBusy, otherBusy],
    });
    await executeTrials(context, trials, {});
    const [one, two] = [byId(written, trials[0]?.id ?? ""), byId(written, trials[1]?.id ?? "")];
    expect(one.map((r) => [r.state, r.rejection?.rule?.name])).toEqual([
      ["rejected", "cpu-steal-pct"],
      ["completed", undefined],
    ]);
    expect(two.map((r) => [r.state, r.noisy])).toEqual([
      ["rejected", undefined],
      ["completed", true],
    ]);
    expect(givenUpTrials(written, 0)).toEqual([]);
  });

  it("once the time budget is spent, keeps a noisy attempt marked noisy instead of repeating it", async () => {
    const otherBusy = { ...QUIET, benchCpus: [1], benchCpuStealPct: 0, otherCpusBusyPct: 99 };
    const run = async (timeBudgetMin: number) => {
      const sweep = sweepOf(`retries: 0\ntimeBudgetMin: ${timeBudgetMin}\n`);
      const trials = planSweep(sweep);
      // an earlier attempt, of a trial not in this plan, that took 60 s of the budget
      const first = contextOf(sweep, new FakeSession());
      await executeTrials(first.context, trials.slice(0, 1), {});
      const earlier = {
        ...(first.written[0] as TrialRecord),
        id: "9:legacy:elsewhere",
        block: 9,
        startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: "2026-01-01T00:01:00.000Z",
      };
      const { context, written } = contextOf(sweep, new FakeSession(), {
        records: [earlier],
        noise: [otherBusy, QUIET],
      });
      await executeTrials(context, trials, {});
      return byId(written, trials[0]?.id ?? "").map((r) => [r.state, r.noisy]);
    };
    // 60 s spent of a 2-minute budget: the repeat runs
    expect(await run(2)).toEqual([
      ["rejected", undefined],
      ["completed", undefined],
    ]);
    // 60 s spent of a 1-minute budget: no repeat, the attempt is kept and marked noisy
    expect(await run(1)).toEqual([["completed", true]]);
  });

  it("repeats a trial whose rate collapsed for part of its length (interim results), and never lets it decide", async () => {
    const sweep = parseSweep(
      "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 6\nretries: 0\n",
      "loop.yaml",
    );
    const trials = planSweep(sweep);
    const interval = (rate: number, seconds = 0.25) =>
      `${rate.toFixed(2)},Trans/s,${seconds.toFixed(3)},1796556303.433\n`;
    const steady = [50_000, 51_000, 49_500, 50_500].map((r) => interval(r)).join("");
    const collapsed = `${steady}${interval(20_000, 0.55)}${steady}`;
    const unsteady = onTrial(trials, 0, () => ({ stdout: `${collapsed}${NETPERF_STDOUT.TCP_RR}` }));
    const { context, written } = contextOf(sweep, new FakeSession(unsteady));
    await executeTrials(context, trials, {});
    const mine = byId(written, trials[0]?.id ?? "");
    expect(NOISE_RULE_REPEATS["interim-dip-pct"]).toBe(3);
    expect(mine.map((r) => [r.state, r.rejection?.rule?.name])).toEqual([
      ["rejected", "interim-dip-pct"],
      ["rejected", "interim-dip-pct"],
      ["rejected", "interim-dip-pct"],
      ["completed", undefined],
    ]);
    expect(mine[0]?.rejection?.rule).toEqual({ name: "interim-dip-pct", threshold: 40, value: 60 });
    expect(mine[3]).toMatchObject({ noisy: true, noisyRule: { name: "interim-dip-pct", value: 60 } });
    // a steady trial with interim lines counts as before
    const other = byId(written, trials[1]?.id ?? "");
    expect(other.map((r) => r.state)).toEqual(["completed"]);
    // the kept trial's point is undecided, not a finding
    const summary = summarise(sweep, sweepPoints(sweep), written);
    const point = trials[0]?.point.key;
    const rate = summary.comparisons.find(
      (c) => `${c.placement}/${c.test}/${c.size}` === point && c.metric === "transactionsPerSec",
    );
    expect(rate).toMatchObject({ verdict: "undecided", undecidedReason: "noisy-pairs", noisyPairs: 1 });
  });

  it("judges a stream by its own threshold: a flow's dip of 60% counts, a stall's 75% is repeated", async () => {
    const sweep = parseSweep(
      "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_STREAM, messageSizes: [64]}]\nduration: 1\nrepetitions: 6\nretries: 0\n",
      "loop.yaml",
    );
    const trials = planSweep(sweep);
    const interval = (rate: number) => `${rate.toFixed(2)},10^6bits/s,0.250,1796556303.433\n`;
    const steady = [1000, 1010, 990, 1005].map(interval).join("");
    const dipped = (rate: number) => `${steady}${interval(rate)}${steady}`;
    const flow = onTrial(trials, 0, () => ({ stdout: `${dipped(400)}${NETPERF_STDOUT.TCP_STREAM}` }));
    const stall = onTrial(trials, 1, () => ({ stdout: `${dipped(250)}${NETPERF_STDOUT.TCP_STREAM}` }));
    const session = new FakeSession((t, a, signal) => flow(t, a, signal) ?? stall(t, a, signal));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, trials, {});
    // 60% below the median interval: the stream's own swing, kept at once
    expect(byId(written, trials[0]?.id ?? "").map((r) => r.state)).toEqual(["completed"]);
    // 75%: past STREAM_DIP_THRESHOLD_PCT, repeated like any unsteady trial
    const stalled = byId(written, trials[1]?.id ?? "");
    expect(stalled.map((r) => r.state)).toEqual(["rejected", "rejected", "rejected", "completed"]);
    expect(stalled[0]?.rejection?.rule).toEqual({ name: "interim-dip-pct", threshold: 70, value: 75 });
  });

  it("on a stop request finishes the running trial, keeps it, and runs no more", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const run = interruptedAt(sweep, trials, 1, (control) => {
      control.stopRequested = true;
      return undefined;
    });
    expect(await executeTrials(run.context, trials, {})).toBe(false);
    expect(run.written.map((r) => [r.id, r.state])).toEqual([
      [trials[0]?.id, "completed"],
      [trials[1]?.id, "completed"],
    ]);
    expect(run.session.trialCalls()).toHaveLength(2);
  });

  it("on a kill during a mode switch starts no trial after it", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const second = trials.findIndex((t, i) => i > 0 && t.mode !== trials[0]?.mode);
    let control: RunControl | undefined;
    // SIGTERM arrives while the session switches to the second trial's mode
    const run = contextOf(sweep, (c) => {
      control = c;
      return new FakeSession(undefined, (mode) => {
        if (mode === trials[second]?.mode) control?.kill.abort();
        return true;
      });
    });
    expect(await executeTrials(run.context, trials, {})).toBe(false);
    expect(run.session.trialCalls()).toEqual(trials.slice(0, second).map((t) => t.id));
  });

  it("on a kill drops the killed attempt (not a result) but keeps the finished trials", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const run = interruptedAt(sweep, trials, 2, (control, signal) => {
      control.kill.abort();
      expect(signal.aborted).toBe(true); // the signal the backend got is the one that kills netperf
      return { exitCode: null, signal: "SIGKILL", stdout: "" };
    });
    expect(await executeTrials(run.context, trials, {})).toBe(false);
    expect(run.written.map((r) => r.id)).toEqual([trials[0]?.id, trials[1]?.id]);
    expect(run.context.records).toHaveLength(2);
  });

  it("keeps a trial that completed as the kill came, then stops", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const run = interruptedAt(sweep, trials, 0, (control) => {
      control.kill.abort();
      return undefined;
    });
    expect(await executeTrials(run.context, trials, {})).toBe(false);
    expect(run.written.map((r) => [r.id, r.state])).toEqual([[trials[0]?.id, "completed"]]);
  });

  it("Ctrl-C once asks for a stop, twice kills the running trial (the run command's SIGINT handlers)", () => {
    const control: RunControl = { stopRequested: false, kill: new AbortController() };
    const logged: string[] = [];
    let clock = 0;
    const uninstall = installInterruptHandlers(
      control,
      (message) => logged.push(message),
      () => clock,
    );
    try {
      process.emit("SIGINT");
      expect([control.stopRequested, control.kill.signal.aborted]).toEqual([true, false]);
      expect(logged.join("")).toMatch(/stopping after the running trial/);
      // the same Ctrl-C, relayed by a launcher (node bin/routebench.js under Node 20, npm run)
      clock += SAME_INTERRUPT_MS - 1;
      process.emit("SIGINT");
      expect(control.kill.signal.aborted).toBe(false);
      clock += 1;
      process.emit("SIGINT");
      expect(control.kill.signal.aborted).toBe(true);
    } finally {
      uninstall();
    }
    expect(process.listenerCount("SIGINT")).toBe(0);
  });

  it("on resume runs only the trials not finished, counting the finished ones as done", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    // a first run: trial 2 given up (both attempts failed), stopped after trial 5
    const interrupted = contextOf(
      sweep,
      (control) =>
        new FakeSession((trial) => {
          if (trial.id === trials[1]?.id) return { exitCode: 1 };
          if (trial.id === trials[4]?.id) control.stopRequested = true;
          return undefined;
        }),
    );
    expect(await executeTrials(interrupted.context, trials, {})).toBe(false);

    const second = new FakeSession();
    const resumed = contextOf(sweep, second, { records: interrupted.written });
    expect(await executeTrials(resumed.context, trials, {})).toBe(true);
    expect(second.trialCalls()).toEqual(trials.slice(5).map((t) => t.id));
    expect(resumed.events[0]).toMatchObject({ kind: "trial-start", done: 5, planned: trials.length });
    expect(resumed.events.at(-1)).toMatchObject({ kind: "trial-end", done: trials.length });
  });

  it("stops the run when a mode cannot be verified, or when the backend is gone", async () => {
    const sweep = sweepOf();
    const trials = planSweep(sweep);
    const unverified = contextOf(sweep, new FakeSession(undefined, (mode) => mode !== "ebpf"));
    await expect(executeTrials(unverified.context, trials, {})).rejects.toThrow(
      /mode ebpf could not be verified/,
    );
    // exactly the trials planned before the first eBPF one ran (an `.every` over them held for none)
    const firstEbpf = trials.findIndex((t) => t.mode === "ebpf");
    expect(firstEbpf).toBeGreaterThanOrEqual(0);
    expect(unverified.written.map((r) => r.id)).toEqual(trials.slice(0, firstEbpf).map((t) => t.id));

    const gone = contextOf(
      sweep,
      new FakeSession(onTrial(trials, 1, () => ({ throws: new EnvironmentError("the lab is gone", "") }))),
    );
    await expect(executeTrials(gone.context, trials, {})).rejects.toThrow(/the lab is gone/);
    expect(gone.written).toHaveLength(1);
  });
});

describe("streams, witnesses and CPU cost in the run loop", () => {
  const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
  const instances = [0, 1, 2, 3].map((i) => fixture(`netperf/tcp_rr_1_1.streams4.${i}.csv`));

  it("merges a streams point's instances: rates summed, each instance kept, percentiles as brackets", async () => {
    const sweep = parseSweep(
      'name: s\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR, sizes: ["1,1"]}]\nplacements: [same-node]\nstreams: [4]\nduration: 1\nrepetitions: 1\n',
      "s.yaml",
    );
    const session = new FakeSession(() => ({ instances }));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, planSweep(sweep), {});
    expect(written).toHaveLength(2);
    for (const record of written) {
      expect(record.state).toBe("completed");
      expect(record.point.streams).toBe(4);
      // 41379.902 + 26584.301 + 34944.090 + 26175.115, the fixtures' TRANSACTION_RATE
      expect(record.metrics?.transactionsPerSec).toBeCloseTo(129083.408, 3);
      expect(record.streams?.perInstance.map((m) => m.transactionsPerSec)).toEqual([
        41379.902, 26584.301, 34944.09, 26175.115,
      ]);
      expect(record.streams?.latency?.method).toBe("bound");
      expect(record.metrics?.p50Us).toBeUndefined();
    }
  });

  it("fails an attempt whose every netperf instance timed no transaction, retries it, and goes on", async () => {
    const sweep = parseSweep(
      'name: s\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR, sizes: ["1,1"]}]\nplacements: [same-node]\nstreams: [4]\nduration: 1\nrepetitions: 1\nretries: 1\n',
      "s.yaml",
    );
    // the same netperf lines with no transaction: rate, throughput and latencies 0
    const none = instances.map((csv) => {
      const fields = csv.trim().split(",");
      for (const i of [0, 2, 3, 4, 5, 6, 7, 8, 9]) fields[i] = "0";
      return `${fields.join(",")}\n`;
    });
    const trials = planSweep(sweep);
    const session = new FakeSession(
      onTrial(trials, 0, (_t, attempt) => ({ instances: attempt === 1 ? none : instances })),
    );
    const { context, written } = contextOf(sweep, session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    const first = byId(written, trials[0]?.id as string);
    expect(first.map((r) => r.state)).toEqual(["failed", "completed"]);
    expect(first[0]).toMatchObject({
      exitCode: 0,
      error: "every netperf instance (4 of 4) reported 0 transactions: the trial measured nothing",
    });
    // no figure is made up for the failed attempt; its argv and output are kept
    expect(first[0]?.metrics).toBeUndefined();
    expect(first[0]?.streams).toBeUndefined();
    expect(first[0]?.argv.length).toBeGreaterThan(0);
    expect(first[1]?.metrics?.transactionsPerSec).toBeCloseTo(129083.408, 3);
    // the other trial ran as planned
    expect(byId(written, trials[1]?.id as string).map((r) => r.state)).toEqual(["completed"]);
    // every attempt timing nothing: given up after its retries, the run still finishes
    const never = new FakeSession(onTrial(trials, 0, () => ({ instances: none })));
    const all = contextOf(sweep, never);
    expect(await executeTrials(all.context, trials, {})).toBe(true);
    expect(givenUpTrials(all.written, sweep.retries)).toEqual([trials[0]?.id]);
  });

  it("fails a one-instance attempt that timed no transaction as well, instead of a rate of 0", async () => {
    const sweep = sweepOf("placements: [same-node]\n");
    const fields = NETPERF_STDOUT.TCP_RR.trim().split("\n").at(-1)?.split(",") ?? [];
    for (const i of [0, 2, 3, 4, 5, 6, 7, 8, 9]) fields[i] = "0";
    const trials = planSweep(sweep);
    const session = new FakeSession(
      onTrial(trials, 0, (_t, attempt) => (attempt === 1 ? { stdout: `${fields.join(",")}\n` } : undefined)),
    );
    const { context, written } = contextOf(sweep, session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    const first = byId(written, trials[0]?.id as string);
    expect(first.map((r) => r.state)).toEqual(["failed", "completed"]);
    expect(first[0]).toMatchObject({
      exitCode: 0,
      error: "netperf reported 0 transactions: the trial measured nothing",
    });
    expect(first[0]?.metrics).toBeUndefined();
    expect(first[1]?.metrics?.transactionsPerSec).toBeGreaterThan(0);
  });

  it("runs the witness with each completed trial at its test's points and puts both ratios in the summary", async () => {
    const sweep = sweepOf("witness: sockperf\nplacements: [same-node]\n");
    const sockperf = fixture("witness/sockperf-pp-tcp-rtt.txt");
    const session = new FakeSession(undefined, undefined, () => ({ stdout: sockperf }));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, planSweep(sweep), {});
    expect(session.calls.filter((c) => c.startsWith("witness sockperf"))).toHaveLength(written.length);
    expect(written.length).toBeGreaterThan(0);
    expect(
      written.every((r) => r.witness?.tool === "sockperf" && r.witness.metrics?.p50Us !== undefined),
    ).toBe(true);
    const summary = summarise(sweep, sweepPoints(sweep), written);
    const rows = summary.witness ?? [];
    expect(rows.map((r) => r.metric)).toContain("p50Us");
    // two blocks: too few pairs for an interval, so no verdict either way
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.blocks.length === 2 && r.agreement === "undecided")).toBe(true);
  });

  it("counts the witness's run in its attempt's time, which the time budget adds up", async () => {
    const sweep = sweepOf("witness: sockperf\nplacements: [same-node]\n");
    const sockperf = fixture("witness/sockperf-pp-tcp-rtt.txt");
    class SlowWitness extends FakeSession {
      override async runWitness(trial: Trial, tool: WitnessName) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return super.runWitness(trial, tool);
      }
    }
    const session = new SlowWitness(undefined, undefined, () => ({ stdout: sockperf }));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, planSweep(sweep), {});
    expect(written.length).toBeGreaterThan(0);
    for (const r of written) {
      // a witness run after its trial is inside the attempt's start and finish; one run before carries its own time
      if (r.witness?.before) expect(r.witness.wallSec).toBeGreaterThanOrEqual(0.039);
      else expect(Date.parse(r.finishedAt) - Date.parse(r.startedAt)).toBeGreaterThanOrEqual(40);
    }
    expect(written.some((r) => r.witness?.before)).toBe(true);
    expect(trialSeconds(written)).toBeGreaterThanOrEqual((39 * written.length) / 1000);
  });

  it("runs the witness of a pair's first trial before it, so the pair's two netperf trials follow each other", async () => {
    const sweep = sweepOf("witness: sockperf\nplacements: [same-node]\n");
    const sockperf = fixture("witness/sockperf-pp-tcp-rtt.txt");
    const trials = planSweep(sweep);
    const session = new FakeSession(undefined, undefined, () => ({ stdout: sockperf }));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, trials, {});
    const work = session.calls.filter((c) => !c.startsWith("mode"));
    // each pair: witness(first) trial(first) trial(second) witness(second)
    const expected = [];
    for (let i = 0; i < trials.length; i += 2) {
      const [a, b] = [trials[i]?.id, trials[i + 1]?.id];
      expected.push(`witness sockperf ${a}`, `trial ${a}`, `trial ${b}`, `witness sockperf ${b}`);
    }
    expect(work.filter((c) => c !== "close")).toEqual(expected);
    // each witness ran in its own trial's mode: the switch comes before the leading witness
    const firstWitness = session.calls.indexOf(`witness sockperf ${trials[0]?.id}`);
    expect(session.calls.slice(0, firstWitness)).toContain(`mode ${trials[0]?.mode}`);
    // one record per trial, in plan order: the .every checks below must not hold over nothing
    expect(written.map((r) => r.id)).toEqual(trials.map((t) => t.id));
    expect(written.filter((_, i) => i % 2 === 0).every((r) => r.witness?.before === true)).toBe(true);
    expect(written.filter((_, i) => i % 2 === 1).every((r) => r.witness?.before === undefined)).toBe(true);
    // a run planned before routing pairs (no modeOrder: resumed from an older routebench) keeps every witness after its trial
    const { modeOrder: _, ...older } = sweep;
    const olderRun = contextOf(older, new FakeSession(undefined, undefined, () => ({ stdout: sockperf })));
    await executeTrials(olderRun.context, planSweep(older), {});
    expect(olderRun.written.length).toBe(trials.length);
    expect(olderRun.written.every((r) => r.witness !== undefined && r.witness.before === undefined)).toBe(
      true,
    );
  });

  it("runs a leading witness once for all of its trial's attempts, and again after the mode moved under it", async () => {
    const sweep = sweepOf("witness: sockperf\nplacements: [same-node]\nretries: 2\n");
    const sockperf = fixture("witness/sockperf-pp-tcp-rtt.txt");
    const trials = planSweep(sweep);
    const failsOnce = new FakeSession(
      onTrial(trials, 0, (_t, attempt) => (attempt === 1 ? { exitCode: 1 } : undefined)),
      undefined,
      () => ({ stdout: sockperf }),
    );
    const failing = contextOf(sweep, failsOnce);
    await executeTrials(failing.context, trials, {});
    const id = trials[0]?.id as string;
    expect(failsOnce.calls.filter((c) => c === `witness sockperf ${id}`)).toHaveLength(1);
    expect(byId(failing.written, id).map((r) => [r.state, r.witness?.before])).toEqual([
      ["failed", undefined],
      ["completed", true],
    ]);
    const moved = new FakeSession(
      onTrial(trials, 0, (_t, attempt) => (attempt === 1 ? MODE_MOVED : undefined)),
      undefined,
      () => ({ stdout: sockperf }),
    );
    const rejected = contextOf(sweep, moved);
    await executeTrials(rejected.context, trials, {});
    expect(moved.calls.filter((c) => c === `witness sockperf ${id}`)).toHaveLength(2);
    const again = moved.calls.lastIndexOf(`witness sockperf ${id}`);
    expect(moved.calls.slice(moved.calls.indexOf(`trial ${id}`), again)).toContain(`mode ${trials[0]?.mode}`);
  });

  it("keeps netperf's figure when the witness fails, with the witness's error", async () => {
    const sweep = sweepOf("witness: sockperf\nplacements: [same-node]\n");
    const refused = fixture("witness/sockperf-pp-refused.txt");
    const session = new FakeSession(undefined, undefined, () => ({ stdout: refused }));
    const { context, written } = contextOf(sweep, session);
    await executeTrials(context, planSweep(sweep), {});
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((r) => r.state === "completed" && r.witness?.error !== undefined)).toBe(true);
  });

  it("derives CPU per transaction from the benchmark CPU's busy seconds", async () => {
    const sweep = sweepOf("placements: [same-node]\n");
    const busy = { ...QUIET, benchCpus: [1], benchCpuSec: { user: 0.3, system: 0.4, softirq: 0.3, busy: 1 } };
    const session = new FakeSession();
    const { context, written } = contextOf(sweep, session, { noise: Array(8).fill(busy) });
    await executeTrials(context, planSweep(sweep), {});
    const [first] = written;
    const rate = first?.metrics?.transactionsPerSec as number;
    // 1 CPU second over rate × 1.00 s elapsed transactions
    expect(first?.metrics?.cpuUsPerTrans).toBeCloseTo(1e6 / (rate * 1.0), 6);
  });
});
