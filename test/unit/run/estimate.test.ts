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
    // 14 min of trials at 2.1 s each; the real run that took 388 trials / 13.3 min lies inside
    expect(estimate.adaptive).toEqual({ maxTrials: 400, maxSec: 840, bound: "time budget" });
    expect(estimateText(estimate, minutes)).toBe(
      "7.8 min for these trials (a minimum), up to 14.0 min (up to 400 trials) with the adaptive phase, bound by its time budget",
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
    // 2 more blocks of 2 trials at 1.1 s
    expect(estimate.adaptive).toMatchObject({ maxTrials: 20, bound: "maxRepetitions" });
    expect(estimate.adaptive?.maxSec).toBeCloseTo(22, 6);
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
    expect(estimate.adaptive?.maxSec).toBeCloseTo(840 - 210, 6);
  });
});
