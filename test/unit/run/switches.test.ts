/**
 * Issue 18: every mode switch is timed and recorded with its evidence, a failed switch too;
 * the summary of a segmented run compares the routing modes by segments and records the
 * design; a before/after run's routing comparison is not called a finding.
 */
import { describe, expect, it } from "vitest";
import type { ModeEvidence, TrialRecord } from "../../../harness/results/schema.js";
import { type ExecuteContext, executeTrials, type RunControl } from "../../../harness/run/execute.js";
import { BLOCKED_CAVEAT } from "../../../harness/stats/judge.js";
import { SEGMENT_ESTIMATOR, summarise } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints, type Trial } from "../../../harness/sweep/plan.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import { seededRandom } from "../../../harness/util/random.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";
import { FakeSession, scriptedNoise } from "../support/fake-backend.js";

/** A session whose switches take `ms` each, or throw for `failing`. */
class SlowSwitches extends FakeSession {
  constructor(
    private readonly ms: number,
    private readonly failing?: Mode,
  ) {
    super();
  }
  override async useMode(mode: Mode): Promise<ModeEvidence> {
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    if (mode === this.failing) throw new Error("az aks update: operation timed out");
    return super.useMode(mode);
  }
}

function contextOf(sweep: Sweep, session: FakeSession): ExecuteContext {
  const control: RunControl = { stopRequested: false, kill: new AbortController() };
  return {
    sweep,
    session,
    control,
    record: () => undefined,
    onProgress: () => undefined,
    modeEvidence: [],
    records: [],
    sampleNoise: scriptedNoise(),
  };
}

const segmented = (extra = "") =>
  parseSweep(
    `name: seg\nmodes: [legacy, ebpf, host]\ntests: [{test: TCP_RR}]\nplacements: [same-node]\nduration: 1\nrepetitions: 4\norder: segmented\n${extra}`,
    "seg.yaml",
  );

describe("the run loop times each switch", () => {
  it("records each switch's start and measured duration with its evidence, in every trial's copy", async () => {
    const sweep = segmented();
    const session = new SlowSwitches(30);
    const context = contextOf(sweep, session);
    const trials = planSweep(sweep);
    expect(await executeTrials(context, trials, {})).toBe(true);
    // A BB A: three switches, each about 30 ms; host (a baseline) leaves the routing mode as it
    // was, so coming back from it switches nothing
    const routing = context.modeEvidence.filter((e) => e.mode !== "host");
    expect(routing.map((e) => e.mode)).toEqual(["legacy", "ebpf", "legacy"]);
    expect(session.calls.filter((c) => c === "mode legacy" || c === "mode ebpf")).toEqual([
      "mode legacy",
      "mode ebpf",
      "mode legacy",
    ]);
    for (const evidence of context.modeEvidence) {
      expect(evidence.switchSec).toBeGreaterThanOrEqual(0.025);
      expect(Date.parse(evidence.switchStartedAt ?? "")).toBeGreaterThan(0);
    }
    // trials.jsonl lines carry their own mode's evidence, so --resume keeps the durations
    // (one record per trial: an .every over no record would hold too)
    expect(context.records.map((r) => r.id)).toEqual(trials.map((t) => t.id));
    expect(context.records.every((r) => r.modeEvidence?.mode === r.mode)).toBe(true);
    expect(context.records.every((r) => r.modeEvidence?.switchSec !== undefined)).toBe(true);
  });

  it("records a switch that fails, with how long it ran, before the error ends the run", async () => {
    const sweep = segmented();
    const context = contextOf(sweep, new SlowSwitches(5, "ebpf"));
    await expect(executeTrials(context, planSweep(sweep), {})).rejects.toThrow(/operation timed out/);
    const failed = context.modeEvidence.at(-1);
    expect(failed).toMatchObject({ mode: "ebpf", ok: false, detail: expect.stringMatching(/switch failed/) });
    expect(failed?.switchSec).toBeGreaterThanOrEqual(0.004);
  });
});

/** Completed TCP_RR trials: eBPF `effect` × legacy, a segment shift each, a linear drift and 1% noise. */
function records(sweep: Sweep, effect: number, slope = 0): TrialRecord[] {
  const random = seededRandom(5);
  const shifts = new Map<number, number>();
  return planSweep(sweep).map((trial: Trial, i) => {
    const segment = Math.floor((trial.block - 1) / 4);
    if (!shifts.has(segment)) shifts.set(segment, 1 + 0.02 * (random() - 0.5));
    const tps =
      20000 *
      (trial.mode === "ebpf" ? effect : trial.mode === "host" ? 1.5 : 1) *
      (shifts.get(segment) ?? 1) *
      (1 + slope * i) *
      (1 + 0.01 * (random() - 0.5));
    return {
      id: trial.id,
      block: trial.block,
      mode: trial.mode,
      point: trial.point,
      durationSec: 1,
      state: "completed",
      attempt: 1,
      startedAt: "",
      finishedAt: "",
      argv: [],
      exitCode: 0,
      signal: null,
      timedOut: false,
      stdout: "",
      stderrTail: "",
      metrics: { transactionsPerSec: tps, meanLatencyUs: 1e6 / tps },
    };
  });
}

describe("the summary of a segmented or blocked run", () => {
  it("compares eBPF with legacy by segments and the baselines by blocks, and records the design", () => {
    const sweep = segmented();
    const summary = summarise(sweep, sweepPoints(sweep), records(sweep, 1.3, 0.001));
    const tps = (baseline: Mode, candidate: Mode) =>
      summary.comparisons.find(
        (c) => c.metric === "transactionsPerSec" && c.baseline === baseline && c.candidate === candidate,
      );
    const routing = tps("legacy", "ebpf");
    expect(routing).toMatchObject({ segments: 3, n: 3, paired: false });
    expect(routing?.ratio).toBeGreaterThan(1.25);
    expect(routing?.ratio).toBeLessThan(1.35);
    // one degree of freedom: an honest, wide interval
    expect((routing?.ciHigh ?? 0) / (routing?.ciLow ?? 1)).toBeGreaterThan(1.05);
    // host ran in every block beside the segment's mode: paired by block as before
    expect(tps("host", "ebpf")).toMatchObject({ paired: true, n: 4 });
    expect(tps("host", "legacy")).toMatchObject({ paired: true, n: 4 });
    expect(tps("host", "ebpf")?.segments).toBeUndefined();
    expect(summary.method.estimator).toBe(SEGMENT_ESTIMATOR);
    expect(summary.design).toMatchObject({
      order: "segmented",
      plannedSwitches: 3,
      replacesNodes: false,
      segments: [
        { mode: "legacy", blocks: [1, 2] },
        { mode: "ebpf", blocks: [3, 4, 5, 6] },
        { mode: "legacy", blocks: [7, 8] },
      ],
    });
    expect(summary.design?.description).toMatch(/linear drift cancels/);
  });

  it("does not call a before/after comparison of the routing modes a finding", () => {
    const sweep = parseSweep(
      "modes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nplacements: [same-node]\nduration: 1\nrepetitions: 8\norder: blocked\n",
      "x.yaml",
    );
    const summary = summarise(sweep, sweepPoints(sweep), records(sweep, 1.3));
    const routing = summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
    expect(routing.length).toBeGreaterThan(0);
    for (const c of routing) {
      expect(c.caveat).toBe(BLOCKED_CAVEAT);
      expect(c.verdict).not.toBe("better");
    }
    expect(summary.design?.description).toMatch(/drift over the run and the mode are confounded/);
  });
});

describe("progress", () => {
  it("announces a slow switch every time, with its duration; fast ones once per mode", async () => {
    const { Progress } = await import("../../../harness/cli/progress.js");
    const written: string[] = [];
    const stream = { isTTY: false, columns: 80, write: (chunk: string) => written.push(chunk) > 0 };
    const progress = Progress.for(stream as unknown as NodeJS.WriteStream, false, 2);
    const evidence = (mode: "legacy" | "ebpf", switchSec: number): ModeEvidence => ({
      mode,
      at: "2026-12-06T10:00:00.000Z",
      nodes: {},
      ok: true,
      detail: `agents report ${mode}`,
      switchSec,
    });
    for (const e of [
      evidence("legacy", 0.004),
      evidence("legacy", 0.004),
      evidence("ebpf", 1520),
      evidence("ebpf", 1710),
    ])
      progress.handle({ kind: "mode", evidence: e, done: 0, planned: 4, phase: "plan" });
    expect(written.filter((w) => w.startsWith("mode "))).toEqual([
      "mode legacy: agents report legacy\n",
      "mode ebpf: agents report ebpf (the switch took 25m20s)\n",
      "mode ebpf: agents report ebpf (the switch took 28m30s)\n",
    ]);
  });
});
