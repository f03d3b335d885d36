/**
 * The gate's decision from an analysis (stats/regression.ts `decide`), how two runs' sweeps
 * differ (`sweepDifference`) and what `compareRuns` puts around them, on hand-made analyses and
 * small sweeps whose mode × point combinations are counted by hand: each rule of the decision
 * (regression beats everything; pass needs every mode shown not worse, no lost point, no noisy
 * point and at least one mode; otherwise undecided with every reason) and its exact words.
 */
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { compareRuns, decide, sweepDifference } from "../../../harness/stats/regression.js";
import type {
  Analysis,
  ModeComparison,
  PointComparison,
  RegressionVerdict,
} from "../../../harness/stats/regression-types.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { UsageError } from "../../../harness/util/errors.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

// only the fields decide() reads
const point = (verdict: RegressionVerdict, extra: Partial<PointComparison> = {}) =>
  ({ verdict, candidateN: 4, ...extra }) as PointComparison;
const mode = (m: Mode, verdict: ModeComparison["verdict"], n = 4, repetitionsToDecide?: number) =>
  ({
    mode: m,
    verdict,
    n,
    ...(repetitionsToDecide === undefined ? {} : { repetitionsToDecide }),
  }) as ModeComparison;
const analysis = (points: PointComparison[], modes: ModeComparison[]): Analysis => {
  const counts = { regression: 0, improvement: 0, unchanged: 0, inconclusive: 0, missing: 0 };
  for (const p of points) counts[p.verdict]++;
  return { basis: { kind: "raw" }, points, modes, counts, sensitivity: "" };
};

describe("decide", () => {
  it("fails on a regressed point or mode, naming both, whatever else is open", () => {
    const both = decide(
      analysis(
        [point("regression"), point("regression"), point("missing", { candidateN: 0 })],
        [mode("ebpf", "regression"), mode("legacy", "inconclusive"), mode("host", "regression")],
      ),
      7,
    );
    expect(both).toEqual({
      gate: {
        decision: "regression",
        exitCode: 1,
        reason: "2 point(s) and the average of mode(s) ebpf, host regressed beyond −7%",
      },
      requirement: null,
    });
    expect(decide(analysis([point("regression")], [mode("ebpf", "not worse")]), 5).gate).toEqual({
      decision: "regression",
      exitCode: 1,
      reason: "1 point(s) regressed beyond −5%",
    });
    expect(decide(analysis([point("unchanged")], [mode("ebpf", "regression")]), 5).gate.reason).toBe(
      "the average of mode(s) ebpf regressed beyond −5%",
    );
  });

  it("passes when every mode is shown not worse and nothing was lost or left untested", () => {
    const passed = decide(
      analysis(
        // a point measured in the candidate only is not lost, nor one whose candidate values were
        // unusable (a zero: no ratio, candidateN 0); improvements and open points do not block
        [
          point("unchanged"),
          point("improvement"),
          point("inconclusive"),
          point("missing", { candidateN: 3 }),
          point("inconclusive", { candidateN: 0 }),
        ],
        [mode("ebpf", "not worse"), mode("legacy", "improvement")],
      ),
      5,
    );
    expect(passed).toEqual({
      gate: {
        decision: "pass",
        exitCode: 0,
        reason: "no regression, and every mode is shown no worse than −5% on average",
      },
      requirement: null,
    });
  });

  it("is undecided with every reason: an open mode, a lost point, a noisy point, no mode", () => {
    const lost = decide(
      analysis(
        [point("unchanged"), point("missing", { candidateN: 0 }), point("missing", { candidateN: 0 })],
        [mode("ebpf", "not worse")],
      ),
      5,
    );
    expect(lost).toEqual({
      gate: {
        decision: "undecided",
        exitCode: 5,
        reason: "no regression shown, but 2 point(s) of the baseline were not measured in the candidate",
      },
      requirement: null,
    });
    const noisy = decide(
      analysis([point("inconclusive", { noisyTrials: 2 })], [mode("ebpf", "not worse")]),
      5,
    );
    expect(noisy.gate.reason).toBe(
      "no regression shown, but 1 point(s) were not tested: trials kept on a machine that stayed noisy",
    );
    expect(noisy.gate.exitCode).toBe(5);
    // nothing lost, nothing noisy, but no mode: no pass
    expect(decide(analysis([point("inconclusive")], []), 5).gate).toEqual({
      decision: "undecided",
      exitCode: 5,
      reason: "no regression shown, but no mode could be tested",
    });
    expect(decide(analysis([point("missing", { candidateN: 0 })], []), 5).gate.reason).toBe(
      "no regression shown, but 1 point(s) of the baseline were not measured in the candidate; no mode could be tested",
    );
    const all = decide(
      analysis(
        [point("missing", { candidateN: 0 }), point("inconclusive", { noisyTrials: 1 })],
        [
          mode("ebpf", "inconclusive", 3, 9),
          mode("legacy", "inconclusive", 6, 12),
          mode("host", "not worse", 8),
        ],
      ),
      4,
    );
    expect(all.gate).toEqual({
      decision: "undecided",
      exitCode: 5,
      reason:
        "no regression shown, but ebpf, legacy could not be shown no worse than −4%; 1 point(s) of the baseline were not measured in the candidate; 1 point(s) were not tested: trials kept on a machine that stayed noisy",
    });
  });

  it("names the repetitions the open modes need: the largest, at the largest n measured", () => {
    const needs = decide(
      analysis(
        [],
        [
          mode("ebpf", "inconclusive", 3, 9),
          mode("legacy", "inconclusive", 6, 12),
          mode("host", "not worse", 8),
        ],
      ),
      4,
    );
    expect(needs.requirement).toBe(
      "No decision at n = 8 per run: n ≥ 12 repetitions per run are needed for a decision at the spread measured here (per mode: ebpf 9, legacy 12).",
    );
    const never = decide(
      analysis([], [mode("ebpf", "inconclusive", 3, 9), mode("legacy", "inconclusive", 5)]),
      5,
    );
    expect(never.requirement).toBe(
      "No decision at n = 5 per run, and no practical number of repetitions decides it at the spread measured here (per mode: ebpf 9, legacy over 10,000): an average change is too close to −5%; reduce the noise, or re-run both.",
    );
    // no open mode: nothing to ask for
    expect(
      decide(analysis([point("missing", { candidateN: 0 })], [mode("ebpf", "not worse")]), 5).requirement,
    ).toBeNull();
  });
});

const sweepOf = (modes: string, placements: string, tests: string, name?: string) =>
  parseSweep(
    `${name ? `name: ${name}\n` : ""}modes: [${modes}]\nplacements: [${placements}]\ntests: [${tests}]\nrepetitions: 4\nduration: 1\n`,
    "x.yaml",
  );
const results = (sweep: ReturnType<typeof sweepOf>, seed: number, effect = 1) =>
  syntheticResults(
    sweep,
    syntheticTrials(sweep, { effect: { ebpf: effect, legacy: effect }, drift: 0, cv: 0.02, seed }),
    `run-${seed}`,
    `label-${seed}`,
  );

describe("sweepDifference", () => {
  it("counts the mode × point combinations each sweep plans that the other does not", () => {
    // 2 modes × 2 placements × 1 test = 4, against 1 mode × 2 placements × (1 + 1) tests = 4
    const a = results(sweepOf("legacy, ebpf", "same-node, cross-node", "{test: TCP_RR}", "a"), 1);
    const b = results(sweepOf("ebpf", "same-node, cross-node", "{test: TCP_RR}, {test: TCP_CRR}", "b"), 2);
    // shared: ebpf × {same, cross} × TCP_RR = 2; a only: legacy's 2; b only: TCP_CRR's 2
    expect(sweepDifference(a, b)).toBe(
      'baseline "a", 4 mode × point combinations, candidate "b", 4 mode × point combinations; 2 in the baseline\'s sweep only, 2 in the candidate\'s only',
    );
    expect(sweepDifference(b, a)).toBe(
      'baseline "b", 4 mode × point combinations, candidate "a", 4 mode × point combinations; 2 in the baseline\'s sweep only, 2 in the candidate\'s only',
    );
    // one a subset of the other: counted one way only
    const c = results(sweepOf("legacy, ebpf", "same-node", "{test: TCP_RR}", "c"), 3);
    expect(sweepDifference(a, c)).toMatch(/; 2 in the baseline's sweep only, 0 in the candidate's only$/);
    expect(sweepDifference(c, a)).toMatch(/; 0 in the baseline's sweep only, 2 in the candidate's only$/);
    // the same plan under another name is the same sweep
    expect(
      sweepDifference(a, results(sweepOf("legacy, ebpf", "same-node, cross-node", "{test: TCP_RR}", "z"), 4)),
    ).toBeNull();
  });
});

describe("compareRuns around the decision", () => {
  const two = sweepOf("legacy, ebpf", "same-node", "{test: TCP_RR}");
  it("refuses two runs that share no point, saying what differs and what to do", () => {
    const other = sweepOf("legacy, ebpf", "cross-node", "{test: TCP_RR}");
    let error: unknown;
    try {
      compareRuns(results(two, 1), results(other, 2), { maxRegressionPct: 5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/^the runs share no point to compare:\n {2}\S/);
    expect((error as UsageError).hint).toBe("compare runs of the same sweep");
  });

  it("names the runs, the threshold and the method; raw judging has no raw copy and no normalisation", () => {
    const report = compareRuns(results(two, 1), results(two, 2), { maxRegressionPct: 5 });
    expect(report.baseline).toEqual({ runId: "run-1", label: "label-1" });
    expect(report.candidate).toEqual({ runId: "run-2", label: "label-2" });
    expect(report.maxRegressionPct).toBe(5);
    expect(report.normalisation).toBeNull();
    expect(report.raw).toBeNull();
    expect(report.analysis.basis).toEqual({ kind: "raw" });
    expect(report.method.length).toBeGreaterThan(0);
    expect(report.notes.some((n) => n.startsWith("the runs are of different sweeps"))).toBe(false);
  });

  it("normalised: the raw analysis beside it, and what normalising did in words", () => {
    const report = compareRuns(results(two, 1), results(two, 2), {
      maxRegressionPct: 5,
      normalise: "legacy",
    });
    expect(report.analysis.basis).toEqual({ kind: "normalised", reference: "legacy" });
    expect(report.raw?.basis).toEqual({ kind: "raw" });
    expect(report.raw?.points.map((p) => p.mode)).toContain("legacy");
    expect(report.analysis.points.map((p) => p.mode)).not.toContain("legacy");
    expect(report.normalisation).toBe(
      "judged on values normalised by legacy: each value is divided by the legacy value of the same point and repetition in the same run, so a shift every mode shares (a slower machine, more steal) cancels; legacy itself is not judged; the raw comparison is shown beside it",
    );
  });

  it("different sweeps: the gate's reason and the first note say so, unless the gate failed", () => {
    const one = sweepOf("ebpf", "same-node", "{test: TCP_RR}");
    const differ = sweepDifference(results(two, 1), results(one, 2)) as string;
    const undecided = compareRuns(results(two, 1), results(one, 2), { maxRegressionPct: 5 });
    expect(
      undecided.gate.reason.startsWith(`the runs are of different sweeps (${differ}): no regression shown`),
    ).toBe(true);
    expect(undecided.notes[0]).toBe(
      `the runs are of different sweeps (${differ}): only the points both measured are compared; compare runs of the same sweep for a gate that can pass`,
    );
    // a regression is a regression whatever else differs: its reason is not prefixed
    const failed = compareRuns(results(two, 1), results(one, 2, 0.6), { maxRegressionPct: 5 });
    expect(failed.gate.decision).toBe("regression");
    expect(failed.gate.reason).toMatch(/^\d+ point\(s\)/);
    expect(failed.notes[0]).toMatch(/^the runs are of different sweeps/);
  });
});
