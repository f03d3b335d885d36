/** The run's estimate: the plan is a minimum, the adaptive phase a range up to its bound, a resumed run what is left. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syntheticTrials } from "../../../harness/bench/synthetic.js";
import { estimateRun, estimateText } from "../../../harness/run/estimate.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { estimateSeconds, planSweep, sweepPoints } from "../../../harness/sweep/plan.js";

const blog = readFileSync(new URL("../../../sweeps/blog.yaml", import.meta.url), "utf8");
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

describe("estimateRun", () => {
  it("gives the standard profile's plan as a minimum and its time budget as the bound", () => {
    const sweep = parseSweep(blog, "blog.yaml");
    const trials = planSweep(sweep);
    const estimate = estimateRun(sweep, sweepPoints(sweep), trials);
    expect(estimate.trials).toBe(224);
    expect(estimate.minSec).toBeCloseTo(estimateSeconds(trials), 6);
    // 14 min of attempts at 2.1 s each, and 15 ms between each two: 840 + 400 × 0.015 s
    expect(estimate.adaptive).toEqual({ maxTrials: 400, maxSec: 846, bound: "time budget" });
    expect(estimateText(estimate, minutes)).toBe(
      "7.8 min for these trials (a minimum), up to 14.1 min (up to 400 trials) with the adaptive phase, bound by its time budget",
    );
  });

  it("says one figure for a sweep without a target, and bounds by maxRepetitions without a budget", () => {
    const full = parseSweep(blog, "blog.yaml", { profile: "full" });
    expect(estimateRun(full, sweepPoints(full), planSweep(full)).adaptive).toBeNull();
    const target = parseSweep(
      "placements: [same-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 8\ntargetCiPct: 2\nmaxRepetitions: 10\n",
      "t.yaml",
    );
    const estimate = estimateRun(target, sweepPoints(target), planSweep(target));
    // 2 more blocks of 2 trials at 1.1 s, and 15 ms between each two of the 20 attempts
    expect(estimate.adaptive).toMatchObject({ maxTrials: 20, bound: "maxRepetitions" });
    expect(estimate.adaptive?.maxSec).toBeCloseTo(22 + 20 * 0.015, 6);
  });

  it("for a resumed run counts only the trials left and the budget not yet spent", () => {
    const sweep = parseSweep(blog, "blog.yaml");
    const trials = planSweep(sweep);
    // the first 100 planned trials are done, each took 2.1 s
    const done = syntheticTrials(sweep, { effect: { ebpf: 1.15, legacy: 1 }, drift: 0, cv: 0.02, seed: 1 })
      .slice(0, 100)
      .map((t, i) => ({
        ...t,
        startedAt: new Date(Date.UTC(2026, 0, 1) + i * 2100).toISOString(),
        finishedAt: new Date(Date.UTC(2026, 0, 1) + (i + 1) * 2100).toISOString(),
      }));
    const estimate = estimateRun(sweep, sweepPoints(sweep), trials, done);
    expect(estimate.trials).toBe(124);
    expect(estimate.minSec).toBeCloseTo(124 * 2.1, 6);
    // the budget's 630 s left hold 124 + 176 attempts, 15 ms apart
    expect(estimate.adaptive?.maxTrials).toBe(300);
    expect(estimate.adaptive?.maxSec).toBeCloseTo(840 - 210 + 300 * 0.015, 6);
  });

  it("counts each witnessed trial's witness run: sockperf's length and its 2.25 s wait", () => {
    const plain =
      "placements: [same-node]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [64]}]\nduration: 2\nrepetitions: 4\n";
    const without = parseSweep(plain, "w.yaml");
    const withWitness = parseSweep(`${plain}witness: [sockperf]\n`, "w.yaml");
    const base = estimateRun(without, sweepPoints(without), planSweep(without)).minSec;
    const witnessed = estimateRun(withWitness, sweepPoints(withWitness), planSweep(withWitness)).minSec;
    // 4 blocks × 2 modes of TCP_RR have a witness; the stream trials have none (sockperf witnesses TCP_RR)
    expect(witnessed - base).toBeCloseTo(8 * (2 + 2.25), 6);
  });
});
