/**
 * The CPU speed probe: its line parsed exactly, and its place in the run loop: right before
 * and right after each trial, outside the trial's CPU reading, one probe serving as the next
 * trial's "before" while fresh.
 */

import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CpuProbe,
  type CpuProbeReading,
  PROBE_BASELINE_MIN,
  parseCpuProbe,
  probeBaseline,
} from "../../../harness/machine/cpu-probe.js";
import type { NoiseSample, TrialRecord } from "../../../harness/results/schema.js";
import { type ExecuteContext, executeTrials } from "../../../harness/run/execute.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import type { LineServer } from "../../../harness/util/line-server.js";
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

const QUIET_NOISE: NoiseSample = { cpuBusyPct: 0, cpuStealPct: 0, loadAvg1: 0, loadPerCpu: 0 };

/** The run loop over TCP_RR 1,1 in both modes, `repetitions` blocks, on `session`, recording what it writes. */
function loopOf(repetitions: number, session: FakeSession, sampleNoise: ExecuteContext["sampleNoise"]) {
  const sweep = parseSweep(
    `name: p\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR, sizes: ['1,1']}]\nduration: 1\nrepetitions: ${repetitions}\n`,
    "p.yaml",
  );
  const written: TrialRecord[] = [];
  const context: ExecuteContext = {
    sweep,
    session,
    control: { stopRequested: false, kill: new AbortController() },
    record: (record) => written.push(record),
    onProgress: () => {},
    modeEvidence: [],
    records: [],
    sampleNoise,
  };
  return { context, trials: planSweep(sweep), written };
}

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
    const session = new ProbedSession();
    const { context, trials, written } = loopOf(1, session, () => {
      session.log.push("sample start");
      return {
        stop: () => {
          session.log.push("sample stop");
          return QUIET_NOISE;
        },
      };
    });
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

const probe = (before: number, after: number) => ({
  before: { multiplyNs: before, memoryNs: 10 * before },
  after: { multiplyNs: after, memoryNs: 10 * after },
});

describe("probeBaseline", () => {
  it("takes the 10th percentile of every reading once there are enough, so a slow start does not become the baseline", () => {
    expect(probeBaseline([probe(100, 101), probe(102, 103), probe(104, 105)], "multiplyNs")).toBeNull(); // 6 readings
    // 10 readings 100..109 (floor(0.1 × 9) = index 0) then 20 readings: 10 slow (150) and 100..109 again
    const calm = [probe(100, 101), probe(102, 103), probe(104, 105), probe(106, 107), probe(108, 109)];
    expect(PROBE_BASELINE_MIN).toBeLessThanOrEqual(10);
    expect(probeBaseline(calm, "multiplyNs")).toBe(100);
    const slowStart = [...Array.from({ length: 5 }, () => probe(150, 150)), ...calm];
    // 20 values sorted: 100..109 then ten 150s; index floor(0.1 × 19) = 1 → 101
    expect(probeBaseline(slowStart, "multiplyNs")).toBe(101);
    expect(probeBaseline(slowStart, "memoryNs")).toBe(1010);
  });
});

/** A stand-in for `rb_probe --serve`: a shell script answering each line with `reply` (its count appended). */
function fakeProbe(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rb-probe-"));
  const file = join(dir, "probe.sh");
  writeFileSync(file, `#!/bin/sh\n[ "$1" = --serve ] || exit 3\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("CpuProbe (the probe kept running between trials)", () => {
  it("answers each reading with the next line, from one process, and leaves none behind", async () => {
    const probe = new CpuProbe(
      0,
      fakeProbe('n=0; while read line; do n=$((n+1)); echo "10$n 20$n 30$n"; done'),
    );
    expect(await probe.read()).toEqual({ multiplyNs: 101, memoryNs: 201, wallNs: 301 });
    expect(await probe.read()).toEqual({ multiplyNs: 102, memoryNs: 202, wallNs: 302 });
    const pid = (probe as unknown as { server: LineServer }).server.pid;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    probe.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stat = existsSync(`/proc/${pid}/stat`) ? "still there" : "gone";
    expect(stat).toBe("gone");
    probe.close(); // twice is safe
  });

  it("gives null, and keeps giving null, when the probe is missing, prints nonsense or exits", async () => {
    const missing = new CpuProbe(0, "/nonexistent/rb_probe");
    expect(await missing.read()).toBeNull();
    expect(await missing.read()).toBeNull();
    const nonsense = new CpuProbe(0, fakeProbe("while read line; do echo 'slow'; done"));
    expect(await nonsense.read()).toBeNull();
    expect(await nonsense.read()).toBeNull();
    const exits = new CpuProbe(0, fakeProbe("read line; echo '1 2 3'; exit 0"));
    expect(await exits.read()).toEqual({ multiplyNs: 1, memoryNs: 2, wallNs: 3 });
    expect(await exits.read()).toBeNull();
  });
});
