/**
 * explain in the run loop and its attribution: a profiled twin runs right after each counted
 * trial, its samples are attributed and its folded stacks written, and the run's figures per
 * subsystem are computed from them. The backend is scripted; the call chains are the lab's.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProfileCapture, TrialOutcome } from "../../../harness/backends/backend.js";
import type { CpuPlacement } from "../../../harness/machine/cpu-placement.js";
import { explainRun, meanInterval } from "../../../harness/profile/explain.js";
import { foldedText, parseFolded } from "../../../harness/profile/folded.js";
import { type NoiseSample, resultsSchema, type TrialRecord } from "../../../harness/results/schema.js";
import { type ExecuteContext, executeTrials, type RunControl } from "../../../harness/run/execute.js";
import { folderProfileWriter } from "../../../harness/run/profile-twin.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, type Trial } from "../../../harness/sweep/plan.js";
import { UsageError } from "../../../harness/util/errors.js";
import { FakeSession, QUIET } from "../support/fake-backend.js";

const captured = (name: string) =>
  parseFolded(readFileSync(new URL(`../../fixtures/profile/${name}`, import.meta.url), "utf8"));
const STACKS = { legacy: captured("legacy-same-tcp-rr.folded"), ebpf: captured("ebpf-same-tcp-rr.folded") };

/** A lab-like session: pinned to CPU 1, and able to profile a trial (scripted chains). */
class ProfilingSession extends FakeSession {
  override readonly cpuPlacement: CpuPlacement = {
    policy: "one-cpu",
    client: 1,
    server: 1,
    cpus: [1],
    reason: "fake one-cpu",
  };
  async runProfiledTrial(
    trial: Trial,
    signal: AbortSignal,
    afterTrial?: () => void,
  ): Promise<{ outcome: TrialOutcome; capture: ProfileCapture }> {
    this.calls.push(`profile ${trial.id}`);
    const outcome = await this.runTrial(trial, signal);
    afterTrial?.();
    const stacks = STACKS[trial.mode as "legacy" | "ebpf"];
    const samples = [...stacks.values()].reduce((a, b) => a + b, 0);
    return {
      outcome,
      capture: {
        argv: ["perf", "record"],
        frequencyHz: 999,
        windowSec: 0.5,
        cpus: [1],
        startedAt: "t",
        stacks,
        samples,
      },
    };
  }
}

/** Busy CPU seconds per trial: legacy costs more than eBPF. */
const noiseFor = (busy: number): NoiseSample => ({
  ...QUIET,
  benchCpuSec: { user: 0, system: 0, softirq: 0, busy },
});

function run(sweepText: string, session: FakeSession) {
  const sweep = parseSweep(sweepText, "explain.yaml");
  const control: RunControl = { stopRequested: false, kill: new AbortController() };
  const written: TrialRecord[] = [];
  const folded: string[] = [];
  let calls = 0;
  const context: ExecuteContext = {
    sweep,
    session,
    control,
    record: (r) => written.push(r),
    onProgress: () => undefined,
    modeEvidence: [],
    records: [],
    writeFolded: (id, text) => {
      folded.push(text);
      return `profiles/${id}.folded`;
    },
    // each measured trial and its twin read /proc/stat in turn; legacy busier; a little noise per block
    sampleNoise: () => {
      const n = calls++;
      return { stop: () => noiseFor(1 + (n % 4 < 2 ? 0.3 : 0) + (n % 7) * 0.01) };
    },
  };
  return { sweep, context, written, folded, trials: planSweep(sweep) };
}

const SWEEP = `name: explain\nmodes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR, sizes: ["1,1"]}]\nduration: 1\nrepetitions: 3\nexplain: true\n`;

describe("explain in the run loop", () => {
  it("runs a profiled twin right after each counted trial and keeps its attribution with the trial", async () => {
    const session = new ProfilingSession();
    const { context, written, folded, trials } = run(SWEEP, session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    // the twin follows its trial, in the same mode, before the next trial
    const order = session.calls.filter((c) => c.startsWith("profile ") || c.startsWith("trial "));
    for (const t of trials) {
      const at = order.indexOf(`trial ${t.id}`);
      expect(order.slice(at, at + 3)).toEqual([`trial ${t.id}`, `profile ${t.id}`, `trial ${t.id}`]);
    }
    expect(written).toHaveLength(6);
    expect(folded).toHaveLength(6);
    for (const r of written) {
      expect(r.profile?.error).toBeUndefined();
      expect(r.profile?.foldedFile).toBe(`profiles/${r.id}.folded`);
      expect(r.profile?.metrics?.cpuUsPerTrans).toBeGreaterThan(0);
      expect(r.profile?.busySamples).toBeGreaterThan(0);
    }
    const legacy = written.find((r) => r.mode === "legacy")?.profile;
    const ebpf = written.find((r) => r.mode === "ebpf")?.profile;
    expect(legacy?.bySubsystem.netfilter).toBeGreaterThan(0);
    expect(ebpf?.bySubsystem.netfilter).toBe(0);
    expect(ebpf?.bySubsystem.ebpf).toBeGreaterThan(0);
  });

  it("refuses explain before any trial where the backend cannot profile", async () => {
    const { context, trials } = run(SWEEP, new FakeSession());
    await expect(executeTrials(context, trials, {})).rejects.toThrow(UsageError);
    await expect(executeTrials(context, trials, {})).rejects.toThrow(
      /explain is not available on the fake backend/,
    );
  });

  it("runs no twin without explain", async () => {
    const session = new ProfilingSession();
    const { context, written, trials } = run(SWEEP.replace("explain: true\n", ""), session);
    expect(await executeTrials(context, trials, {})).toBe(true);
    expect(session.calls.some((c) => c.startsWith("profile "))).toBe(false);
    // every trial ran and was written, without a profile (an .every over no record would hold too)
    expect(session.trialCalls()).toEqual(trials.map((t) => t.id));
    expect(written).toHaveLength(trials.length);
    expect(written.every((r) => r.profile === undefined)).toBe(true);
  });

  it("turns the twins into CPU per transaction by subsystem whose differences add up to the measured one", async () => {
    const { context, written, trials } = run(SWEEP, new ProfilingSession());
    await executeTrials(context, trials, {});
    const explain = explainRun(written);
    expect(explain).not.toBeNull();
    const point = explain?.points[0];
    expect(point?.unit).toBe("µs per transaction");
    const legacy = point?.modes.find((m) => m.mode === "legacy");
    const ebpf = point?.modes.find((m) => m.mode === "ebpf");
    expect(legacy?.blocks).toBe(3);
    expect(legacy?.bySubsystem.netfilter?.mean).toBeGreaterThan(0);
    expect(ebpf?.bySubsystem.netfilter?.mean).toBe(0);
    expect(ebpf?.bySubsystem.ebpf?.mean).toBeGreaterThan(0);
    // per mode, the subsystems add up to the measured CPU per transaction
    const sum = Object.values(legacy?.bySubsystem ?? {}).reduce((a, i) => a + i.mean, 0);
    expect(sum).toBeCloseTo(legacy?.measured.mean ?? 0, 9);
    expect(point?.difference?.attributedSum).toBeCloseTo(point?.difference?.measured.mean ?? Number.NaN, 9);
    expect(point?.difference?.sampled).not.toBeNull();
    expect(point?.sampling?.metric).toBe("transactionsPerSec");
    expect(point?.sampling?.sampled.n).toBe(3);
    // what run.ts stores parses with the results schema's part
    expect(resultsSchema.shape.explain.parse(explain)).toEqual(explain);
  });
});

describe("the run folder's folded stacks", () => {
  it("are written gzipped under profiles/, one file per trial id, and read back as written", () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-profiles-"));
    const text = "netperf;__send;entry_SYSCALL_64_after_hwframe_[k] 12\n";
    const relative = folderProfileWriter(dir)("2:legacy:same-node/TCP_RR/1,1", text);
    expect(relative).toBe("profiles/2_legacy_same-node_TCP_RR_1,1.folded.gz");
    const bytes = readFileSync(join(dir, relative));
    expect(bytes[0]).toBe(0x1f);
    expect(foldedText(bytes)).toBe(text);
  });
});

describe("meanInterval", () => {
  it("gives the Student-t 95% interval of a mean, and none below two values", () => {
    // mean 2, sd 1, n 3: t(0.975, 2) = 4.303; half-width 4.303 / √3 = 2.484
    const i = meanInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.lower).toBeCloseTo(2 - 2.4841, 3);
    expect(i.upper).toBeCloseTo(2 + 2.4841, 3);
    expect(meanInterval([5])).toEqual({ mean: 5, lower: null, upper: null, n: 1 });
  });
});
