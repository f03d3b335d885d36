/**
 * README's dry-run figures against the planner (issue 25's docs items): the plan sizes and
 * estimates it quotes for sweeps/blog.yaml and sweeps/full-datapath.yaml are what
 * `routebench run [--profile quick] --dry-run` computes today, so a change to the planner or a
 * profile that makes them stale fails here instead of leaving README wrong.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../harness/cli/progress.js";
import { estimateRun, estimateText } from "../../../harness/run/estimate.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints } from "../../../harness/sweep/plan.js";

const readme = readFileSync("README.md", "utf8").replace(/\s+/g, " ");
const plan = (file: string, profile?: "quick") => {
  const sweep = parseSweep(readFileSync(file, "utf8"), file, profile ? { profile } : {});
  const points = sweepPoints(sweep);
  const trials = planSweep(sweep);
  return { sweep, points, trials, estimate: estimateRun(sweep, points, trials) };
};

describe("README's dry-run figures", () => {
  it("blog.yaml: the standard plan is a minimum with a range, the quick plan one figure", () => {
    const standard = plan("sweeps/blog.yaml");
    expect(estimateText(standard.estimate, formatDuration)).toBe(
      "7m50s for these trials (a minimum), up to 14m06s (up to 400 trials) with the adaptive phase, bound by its time budget",
    );
    expect(standard.trials.length).toBe(224);
    expect(readme).toContain("(blog.yaml: 7m50s for 224 trials, up to 14m06s and 400 trials;");
    const quick = plan("sweeps/blog.yaml", "quick");
    expect([quick.trials.length, formatDuration(quick.estimate.minSec)]).toEqual([96, "1m46s"]);
    expect(readme).toContain("about 1m46s of trials by the dry-run's estimate");
  });

  it("full-datapath.yaml: the trial counts and points README gives", () => {
    const standard = plan("sweeps/full-datapath.yaml");
    const quick = plan("sweeps/full-datapath.yaml", "quick");
    expect([standard.points.length, standard.trials.length, standard.sweep.durationSec]).toEqual([
      20, 480, 2,
    ]);
    expect([quick.points.length, quick.trials.length, quick.sweep.durationSec]).toEqual([10, 240, 1]);
    expect(readme).toContain(
      "20 points × 3 modes. Its dry-run plans 480 trials of 2 s with the standard profile",
    );
    expect(readme).toContain(
      "and 240 trials of 1 s with `--profile quick` (its 10 key points × 3 modes × 8 pairs;",
    );
    expect(readme).toContain("today's `--profile quick` of this sweep measures 10 of its 20 points");
  });
});
