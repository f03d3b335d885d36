import { describe, expect, it } from "vitest";
import {
  benchCpuSeconds,
  cpuShares,
  noiseViolation,
  parseProcStat,
  parseTaskStat,
} from "../../../harness/machine/noise.js";
import { comparisonSentence, formatWithInterval } from "../../../harness/report/format.js";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { givenUpTrials, trialFinished } from "../../../harness/run/execute.js";
import { makeRunId } from "../../../harness/run/run.js";

describe("noise", () => {
  it("reads busy and steal shares from two /proc/stat readings", () => {
    const before = parseProcStat("cpu  100 0 100 700 50 0 0 50 0 0\ncpu0 1 2 3\nprocs_running 3\n");
    const after = parseProcStat("cpu  200 0 200 800 50 0 0 150 0 0\n");
    // delta: total 400, idle 100, steal 100
    expect(cpuShares(before.all, after.all)).toEqual({ busyPct: 75, stealPct: 25 });
    expect(before.procsRunning).toBe(3);
    expect(before.cpus.get(0)).toEqual({ total: 6, idle: 0, steal: 0, user: 3, system: 3, softirq: 0 });
  });

  it("splits the benchmark CPU's time into user, system and softirq seconds (USER_HZ ticks)", () => {
    // fields: user nice system idle iowait irq softirq steal
    const before = parseProcStat("cpu  0 0 0 0 0 0 0 0\ncpu1 1000 10 500 300 0 5 400 20 0 0\n");
    const after = parseProcStat("cpu  0 0 0 0 0 0 0 0\ncpu1 1040 10 560 310 0 6 489 25 0 0\n");
    const [b, a] = [before.cpus.get(1), after.cpus.get(1)];
    if (!b || !a) throw new Error("no cpu1");
    // user 40 ticks, system 60, irq+softirq 90, idle 10, steal 5: busy = 200 − 10 − 5 = 190... of 205 ticks
    expect(benchCpuSeconds(b, a)).toEqual({ user: 0.4, system: 0.6, softirq: 0.9, busy: 1.9 });
  });

  it("reads a task's state, parent and CPU from /proc/<pid>/stat (a comm with spaces and parentheses)", () => {
    const line =
      "31658 (my (odd) prog) R 31656 31656 1104 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 219497 3133440 411 18446744073709551615 9 9 9 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 9 9 9 9 9 9 9 0";
    expect(parseTaskStat(line)).toEqual({ comm: "my (odd) prog", state: "R", ppid: 31656, cpu: 1 });
    expect(parseTaskStat("garbage")).toBeNull();
  });

  it("repeats a trial when steal on its CPUs or tasks competing for them pass the thresholds", () => {
    const quiet = {
      cpuBusyPct: 60,
      cpuStealPct: 0,
      loadAvg1: 1,
      loadPerCpu: 0.5,
      benchCpus: [1],
      benchCpuStealPct: 0,
      competingTasks: 0.1,
    };
    expect(noiseViolation(quiet, 2)).toBeNull();
    expect(noiseViolation({ ...quiet, competingTasks: 0.3 }, 2)).toBeNull();
    // steady load on the other core: flagged (and repeated once only, NOISE_RULE_REPEATS)
    expect(noiseViolation({ ...quiet, otherCpusBusyPct: 45 }, 2)).toBeNull();
    expect(noiseViolation({ ...quiet, otherCpusBusyPct: 99 }, 2)).toEqual({
      name: "other-cpus-busy",
      threshold: 50,
      value: 99,
    });
    // a task that wanted the benchmark's CPU for most of the trial
    expect(noiseViolation({ ...quiet, competingTasks: 0.9 }, 2)).toEqual({
      name: "competing-tasks",
      threshold: 0.3,
      value: 0.9,
    });
    expect(noiseViolation({ ...quiet, benchCpuStealPct: 9 }, 2)).toMatchObject({
      name: "cpu-steal-pct",
      value: 9,
    });
    // unpinned: the whole machine's steal counts; foreign tasks count above the CPUs left free
    expect(
      noiseViolation({ cpuBusyPct: 90, cpuStealPct: 7, loadAvg1: 3, loadPerCpu: 1.5, competingTasks: 4 }, 2),
    ).toMatchObject({
      name: "cpu-steal-pct",
    });
    expect(
      noiseViolation({ cpuBusyPct: 90, cpuStealPct: 1, loadAvg1: 3, loadPerCpu: 1.5, competingTasks: 4 }, 2),
    ).toEqual({ name: "competing-tasks", threshold: 1, value: 4 });
    expect(
      noiseViolation(
        { cpuBusyPct: 90, cpuStealPct: 1, loadAvg1: 3, loadPerCpu: 1.5, competingTasks: 0.5 },
        2,
      ),
    ).toBeNull();
  });
});

describe("trial log", () => {
  it("treats a trial as finished when it completed or used every attempt", () => {
    const r = (id: string, state: TrialRecord["state"]) => ({ id, state }) as TrialRecord;
    const rejected = (id: string, kind: "path" | "noise") =>
      ({ id, state: "rejected", rejection: { kind, reason: "" } }) as TrialRecord;
    const records = [
      r("a", "completed"),
      r("b", "failed"),
      r("c", "failed"),
      r("c", "failed"),
      rejected("e", "path"),
      rejected("e", "path"),
      rejected("f", "noise"),
      rejected("f", "noise"),
      rejected("f", "path"),
    ];
    // a path rejection uses an attempt; a noise repeat does not
    expect(trialFinished(records, "e", 1)).toBe(true);
    expect(trialFinished(records, "f", 1)).toBe(false);
    expect(givenUpTrials(records, 1)).toEqual(["c", "e"]);
    expect(trialFinished(records, "a", 1)).toBe(true);
    expect(trialFinished(records, "b", 1)).toBe(false);
    expect(trialFinished(records, "c", 1)).toBe(true);
    expect(trialFinished(records, "d", 1)).toBe(false);
  });
});

describe("formatting", () => {
  it("names runs by time and sweep", () => {
    expect(makeRunId("blog", new Date("2026-11-26T12:01:02Z"))).toBe("20261126-120102-blog");
  });

  it("states the uncertainty beside every figure", () => {
    expect(formatWithInterval(1.27, 1.21, 1.33)).toBe("1.27 ± 0.06");
    expect(formatWithInterval(20396.9, 19000, 20500)).toBe("20397 [19000, 20500]");
    expect(formatWithInterval(5, null, null)).toBe("5.00 (no interval: too few repetitions)");
    expect(
      comparisonSentence({
        placement: "same-node",
        test: "TCP_RR",
        size: "1,1",
        metric: "transactionsPerSec",
        baseline: "legacy",
        candidate: "ebpf",
        ratio: 1.2745,
        ciLow: 1.21,
        ciHigh: 1.33,
        pValue: 0.004,
        pAdjusted: 0.02,
        paired: true,
        n: 10,
        halfWidth: 0.047,
        noisyPairs: 0,
        unbalancedPairs: 0,
        lowerIsBetter: false,
        verdict: "better",
      }),
    ).toBe(
      "same-node TCP_RR (1,1 B request,response): ebpf had 1.27 × the legacy transaction rate (+27%; 95% CI 1.21–1.33, p = 0.004, Holm-adjusted p = 0.020): better",
    );
  });

  it("names the destination, IP family and Service count of a point beside its placement and test", () => {
    const comparison = {
      placement: "cross-node",
      test: "TCP_CRR",
      size: "1,1",
      metric: "connectionsPerSec",
      baseline: "legacy",
      candidate: "ebpf",
      ratio: 1.46,
      ciLow: null,
      ciHigh: null,
      pValue: null,
      pAdjusted: null,
      paired: true,
      n: 3,
      halfWidth: null,
      noisyPairs: 0,
      unbalancedPairs: 0,
      lowerIsBetter: false,
      verdict: "undecided",
      undecidedReason: "too-few-pairs",
    } as const;
    expect(
      comparisonSentence({ ...comparison, destination: "service", ipFamily: "ipv6", services: 10000 }),
    ).toBe(
      "cross-node TCP_CRR service ipv6 services=10000 (1,1 B request,response): ebpf had 1.46 × the legacy connection rate: undecided: no interval: too few repetitions",
    );
    // at their defaults they are not named
    expect(comparisonSentence({ ...comparison, destination: "pod", ipFamily: "ipv4" })).toMatch(
      /^cross-node TCP_CRR \(1,1 B/,
    );
  });
});

describe("--target-ci", () => {
  it("asks for more repetitions only where the eBPF/legacy interval is wider than the target, up to maxRepetitions", async () => {
    const { syntheticTrials } = await import("../../../harness/bench/synthetic.js");
    const { parseSweep } = await import("../../../harness/sweep/load.js");
    const { sweepPoints } = await import("../../../harness/sweep/plan.js");
    const { pointsNeedingRepetitions } = await import("../../../harness/run/adaptive.js");
    const sweep = parseSweep(
      "tests: [{test: TCP_RR}]\nplacements: [same-node]\nrepetitions: 6\nduration: 1\ntargetCiPct: 5\nmaxRepetitions: 20\n",
      "x.yaml",
    );
    const points = sweepPoints(sweep);
    const quiet = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.01, cv: 0.005, seed: 1 });
    const noisy = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.3, cv: 0.2, seed: 1 });
    expect(pointsNeedingRepetitions(sweep, points, quiet)).toEqual([]);
    expect(pointsNeedingRepetitions(sweep, points, noisy).map((p) => p.key)).toEqual([
      "same-node/TCP_RR/1,1",
    ]);
    expect(pointsNeedingRepetitions({ ...sweep, maxRepetitions: 6 }, points, noisy)).toEqual([]);
    expect(pointsNeedingRepetitions({ ...sweep, targetCiPct: undefined }, points, noisy)).toEqual([]);
  });

  it("keeps adding blocks to a point whose narrow interval rests on trials kept noisy, counting the clean pairs it lacks", async () => {
    const { syntheticTrials } = await import("../../../harness/bench/synthetic.js");
    const { parseSweep } = await import("../../../harness/sweep/load.js");
    const { sweepPoints } = await import("../../../harness/sweep/plan.js");
    const { repetitionNeeds, pairsStillNeeded } = await import("../../../harness/run/adaptive.js");
    const sweep = parseSweep(
      "tests: [{test: TCP_RR}]\nplacements: [same-node]\nrepetitions: 6\nduration: 1\ntargetCiPct: 5\nmaxRepetitions: 20\n",
      "x.yaml",
    );
    const points = sweepPoints(sweep);
    const quiet = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.01, cv: 0.005, seed: 1 });
    // the eBPF trials of blocks 1–4 kept noisy: 2 clean pairs of 6, so the interval is every pair's
    const keptNoisy = quiet.map((t) => (t.mode === "ebpf" && t.block <= 4 ? { ...t, noisy: true } : t));
    expect(repetitionNeeds(sweep, points, quiet)).toEqual([]);
    const [need] = repetitionNeeds(sweep, points, keptNoisy);
    expect(need?.worstHalfWidth).toBeLessThan(0.05); // narrow, yet not reached
    expect(need?.cleanShort).toBe(4); // MIN_PAIRS (6) less its 2 clean pairs
    expect(need && pairsStillNeeded(need, 5)).toBe(4);
  });

  it("judges the pair the summary states: host/eBPF with host, direct and eBPF; nothing without a compared pair", async () => {
    const { syntheticTrials } = await import("../../../harness/bench/synthetic.js");
    const { parseSweep } = await import("../../../harness/sweep/load.js");
    const { sweepPoints } = await import("../../../harness/sweep/plan.js");
    const { pointsNeedingRepetitions } = await import("../../../harness/run/adaptive.js");
    const { seededRandom } = await import("../../../harness/util/random.js");
    const sweep = parseSweep(
      "modes: [host, direct, ebpf]\ntests: [{test: TCP_RR}]\nplacements: [same-node]\nrepetitions: 6\nduration: 1\ntargetCiPct: 5\nmaxRepetitions: 20\n",
      "x.yaml",
    );
    const points = sweepPoints(sweep);
    const quiet = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.01, cv: 0.005, seed: 1 });
    // direct alone ±40% noisy: host/direct, never compared, would be far wider than the target
    const random = seededRandom(3);
    const directNoisy = quiet.map((t) => {
      if (t.mode !== "direct" || !t.metrics) return t;
      const f = 1 + 0.8 * (random() - 0.5);
      const metrics = Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, (v as number) * f]));
      return { ...t, metrics };
    });
    expect(pointsNeedingRepetitions(sweep, points, directNoisy)).toEqual([]);
    // eBPF noisy instead: host/eBPF is the pair judged, and it needs more blocks
    const ebpfNoisy = directNoisy.map(
      (t) =>
        ({ ...t, mode: t.mode === "direct" ? "ebpf" : t.mode === "ebpf" ? "direct" : t.mode }) as typeof t,
    );
    expect(pointsNeedingRepetitions(sweep, points, ebpfNoisy).map((p) => p.key)).toEqual([
      "same-node/TCP_RR/1,1",
    ]);
    // host and direct only: no compared pair, no precision to reach, no block added
    const baselines = { ...sweep, modes: ["host", "direct"] as typeof sweep.modes };
    const noisy = syntheticTrials(baselines, { effect: {}, drift: 0.3, cv: 0.2, seed: 1 });
    expect(pointsNeedingRepetitions(baselines, points, noisy)).toEqual([]);
  });
});
