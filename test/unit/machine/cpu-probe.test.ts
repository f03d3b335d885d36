/**
 * The CPU speed probe: its line parsed exactly, and its place in the run loop: right before
 * and right after each trial, outside the trial's CPU reading, one probe serving as the next
 * trial's "before" while fresh.
 */
import { describe, expect, it } from "vitest";
import { type CpuProbeReading, parseCpuProbe } from "../../../harness/machine/cpu-probe.js";
import type { NoiseSample, TrialRecord } from "../../../harness/results/schema.js";
import { type ExecuteContext, executeTrials } from "../../../harness/run/execute.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import { FakeSession } from "../support/fake-backend.js";

describe("parseCpuProbe", () => {
  it("reads the multiply, memory and wall nanoseconds", () => {
    expect(parseCpuProbe("2523228 7466007 12531514\n")).toEqual({
      multiplyNs: 2523228,
      memoryNs: 7466007,
      wallNs: 12531514,
    });
  });

  it("refuses anything but three positive whole numbers", () => {
    for (const bad of ["", "1 2", "1 2 3 4", "1 0 3", "1 -2 3", "1 2.5 3", "a b c"])
      expect(parseCpuProbe(bad), JSON.stringify(bad)).toBeNull();
  });
});

/** A session whose probe returns 1000, 1001… ns and logs each call among the trials. */
class ProbedSession extends FakeSession {
  readonly log: string[] = [];
  private probes = 0;
  async probeCpu(): Promise<CpuProbeReading | null> {
    this.probes++;
    this.log.push(`probe ${this.probes}`);
    return { multiplyNs: 1000 + this.probes, memoryNs: 2000 + this.probes, wallNs: 1 };
  }
}

describe("the probe in the run loop", () => {
  it("probes before and after each trial, outside the trial's CPU reading; a fresh probe is the next trial's before", async () => {
    const sweep = parseSweep(
      "name: p\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR, sizes: ['1,1']}]\nduration: 1\nrepetitions: 1\n",
      "p.yaml",
    );
    const trials = planSweep(sweep);
    const session = new ProbedSession();
    const written: TrialRecord[] = [];
    const quiet: NoiseSample = { cpuBusyPct: 0, cpuStealPct: 0, loadAvg1: 0, loadPerCpu: 0 };
    const context: ExecuteContext = {
      sweep,
      session,
      control: { stopRequested: false, kill: new AbortController() },
      record: (record) => written.push(record),
      onProgress: () => {},
      modeEvidence: [],
      records: [],
      sampleNoise: () => {
        session.log.push("sample start");
        return {
          stop: () => {
            session.log.push("sample stop");
            return quiet;
          },
        };
      },
    };
    expect(await executeTrials(context, trials, {})).toBe(true);
    expect(trials).toHaveLength(4);
    // the first trial probes before and after; each next trial's "before" is the last "after"
    expect(session.log.slice(0, 7)).toEqual([
      "probe 1",
      "sample start",
      "sample stop",
      "probe 2",
      "sample start",
      "sample stop",
      "probe 3",
    ]);
    expect(written.map((r) => r.noise?.cpuProbe)).toEqual(
      [1, 2, 3, 4].map((i) => ({
        before: { multiplyNs: 1000 + i, memoryNs: 2000 + i },
        after: { multiplyNs: 1001 + i, memoryNs: 2001 + i },
      })),
    );
  });
});
