/**
 * Every warning rule of stats/warnings.ts on hand-made trials, summaries and comparisons: each
 * fires just past its threshold and not at it, with its exact reason, hint and subjects (a
 * trial id, a mode, or `placement/test/size` then the mode or metric). Thresholds: CV > 10%
 * (headline metrics only), steal > 5% in a trial, load > 1.5 per CPU in at least a quarter of
 * the trials, mean steal of two modes more than 1 point apart, a lab datapath whose drops are
 * non-zero or whose retransmissions or reorderings differ between modes (max > 10 and max > 2 ×
 * min), comparisons against legacy with unbalanced pairs or wider than the target.
 *
 * Over 300 lines on purpose: one case per rule (13), sharing one run's hand-made trials.
 */
import { describe, expect, it } from "vitest";
import type { Results, TrialRecord } from "../../../harness/results/schema.js";
import type { Comparison, PointSummary } from "../../../harness/results/summary-schema.js";
import { collectWarnings, type Warning } from "../../../harness/stats/warnings.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";
import { completedTrial } from "../support/trial-record.js";

const sweep = parseSweep(
  "modes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nrepetitions: 4\nduration: 1\n",
  "x.yaml",
);
const points = sweepPoints(sweep);
const [same, cross] = points as [(typeof points)[0], (typeof points)[0]];

type Noise = NonNullable<TrialRecord["noise"]>;
const quiet: Noise = { cpuBusyPct: 50, cpuStealPct: 0, loadAvg1: 1, loadPerCpu: 0.5 };

/** A completed trial of `mode` in `block` at the same-node point, on a quiet machine. */
function trial(id: string, mode: Mode, block: number, extra: Partial<TrialRecord> = {}): TrialRecord {
  return completedTrial(same, block, mode, { transactionsPerSec: 1000 }, { id, noise: quiet, ...extra });
}
/** Both modes in blocks 1 to 4 at both points: 16 quiet trials, nothing to warn about. */
const clean = (): TrialRecord[] =>
  [same, cross].flatMap((point) =>
    [1, 2, 3, 4].flatMap((block) =>
      (["legacy", "ebpf"] as const).map((mode) =>
        trial(`${block}:${mode}:${point.key}`, mode, block, { point }),
      ),
    ),
  );

const summary = (mode: Mode, metric: MetricName, cv: number | null, point = same): PointSummary => ({
  n: 4,
  median: 1,
  mean: 1,
  stddev: null,
  cv,
  min: 1,
  max: 1,
  mode,
  placement: point.placement,
  test: point.test,
  size: point.size,
  metric,
  ciLow: 1,
  ciHigh: 1,
});
const comparison = (extra: Partial<Comparison> = {}, point = same): Comparison => ({
  placement: point.placement,
  test: point.test,
  size: point.size,
  metric: "transactionsPerSec",
  baseline: "legacy",
  candidate: "ebpf",
  ratio: 1,
  ciLow: 0.99,
  ciHigh: 1.01,
  pValue: 0.5,
  pAdjusted: 0.5,
  paired: true,
  n: 8,
  halfWidth: 0.01,
  noisyPairs: 0,
  unbalancedPairs: 0,
  lowerIsBetter: false,
  verdict: "no significant difference",
  ...extra,
});

function warnings(
  input: {
    trials?: TrialRecord[];
    summaries?: PointSummary[];
    comparisons?: Comparison[];
    sweep?: Sweep;
    ended?: Results["state"];
  } = {},
): Warning[] {
  return collectWarnings(
    input.sweep ?? sweep,
    points,
    input.trials ?? clean(),
    input.summaries ?? [],
    input.comparisons ?? [],
    input.ended,
  );
}
const only = (kind: string, input: Parameters<typeof warnings>[0]) => {
  const found = warnings(input).filter((w) => w.kind === kind);
  expect(found.length, kind).toBeLessThanOrEqual(1);
  return found[0];
};

describe("collectWarnings", () => {
  it("says nothing about a clean run, and only what is missing about a run with no trial", () => {
    expect(warnings()).toEqual([]);
    expect(warnings({ trials: [] }).map((w) => w.kind)).toEqual(["missing-points"]);
    expect(warnings({ trials: [] })[0]?.subjects).toHaveLength(4);
  });

  it("high-cv: headline metrics above 10%, the worst named, hints that follow the sweep's options", () => {
    const summaries = [
      summary("legacy", "transactionsPerSec", 0.1), // at the threshold: not noisy
      summary("host", "transactionsPerSec", 0.11, cross), // noisy, but not the worst
      summary("ebpf", "transactionsPerSec", 0.251, cross),
      summary("legacy", "transactionsPerSec", 0.251), // as bad: the first one found stays the worst
      summary("ebpf", "transactionsPerSec", 0.15),
      summary("ebpf", "p50Us", 0.9), // not a headline metric
      summary("ebpf", "transactionsPerSec", null),
    ];
    expect(only("high-cv", { summaries })).toEqual({
      kind: "high-cv",
      reason:
        "4 point/mode series vary by more than 10% between repetitions; worst: CV 25% at cross-node TCP_RR 1,1 ebpf",
      hint: "try repetitions: 10 in the sweep file (without --profile on the command line), or --target-ci 5 (adds repetitions where needed)",
      subjects: [
        "cross-node/TCP_RR/1,1/host",
        "cross-node/TCP_RR/1,1/ebpf",
        "same-node/TCP_RR/1,1/legacy",
        "same-node/TCP_RR/1,1/ebpf",
      ],
    });
    expect(only("high-cv", { summaries: [summary("ebpf", "throughputMbps", 0.11)] })?.subjects).toEqual([
      "same-node/TCP_RR/1,1/ebpf",
    ]);
    const noisy = [summary("ebpf", "transactionsPerSec", 0.2)];
    const hint = (s: Partial<Sweep>) =>
      only("high-cv", { summaries: noisy, sweep: { ...sweep, ...s } })?.hint;
    // without a target: twice the repetitions, at least 10, or the adaptive rule; never longer
    // trials (they widened the interval per minute on a noisy host: README "Trial length")
    const fixed = (n: number) =>
      `try repetitions: ${n} in the sweep file (without --profile on the command line), or --target-ci 5 (adds repetitions where needed)`;
    expect(hint({ repetitions: 7 })).toBe(fixed(14));
    expect(hint({ repetitions: 5, profile: "full" })).toBe(fixed(10));
    // a quick look: the standard profile is the next step
    expect(hint({ repetitions: 8, profile: "quick" })).toBe(
      "try --profile standard (2 s trials, pairs added where an interval is wide)",
    );
    // with a target the adaptive phase adds pairs, and repetitions in the file would turn it
    // off: the hint says what the comparisons read instead, naming the precision pair
    const adaptive = (pair: string, bounds = "up to 16 pairs") =>
      `the comparisons read pairs, which cancel what a block's trials share; the adaptive phase adds pairs where the ${pair} interval is wider than ±3%, ${bounds}, and the wide-interval warning names those it could not narrow`;
    expect(hint({ repetitions: 7, targetCiPct: 3 })).toBe(adaptive("ebpf/legacy"));
    expect(hint({ targetCiPct: 3, modes: ["host", "ebpf"] })).toBe(adaptive("ebpf/host"));
    expect(hint({ targetCiPct: 3, maxRepetitions: 40, timeBudgetMin: 14 })).toBe(
      adaptive("ebpf/legacy", "up to 40 pairs within its 14-minute budget"),
    );
    // a target without a pair to reach it on (one mode): no adaptive rule runs, so the
    // repetitions are what to try, never an empty hint
    expect(hint({ targetCiPct: 3, modes: ["ebpf"] })).toBe(
      "try repetitions: 10 in the sweep file (without --profile on the command line)",
    );
    expect(hint({ targetCiPct: 3, cpu: { ...sweep.cpu, placement: "unpinned" } })).toBe(
      `${adaptive("ebpf/legacy")}; try both ends on one CPU (cpu: {placement: one-cpu})`,
    );
    // explicit CPUs win over placement: advice names them, and none when both share one CPU
    const pinned = (cpu: Partial<Sweep["cpu"]>) =>
      hint({ targetCiPct: 3, cpu: { ...sweep.cpu, placement: "unpinned", ...cpu } });
    expect(pinned({ client: 0, server: 1 })).toBe(
      `${adaptive("ebpf/legacy")}; try both ends on one CPU (cpu: {client: 0, server: 0})`,
    );
    expect(pinned({ server: 1 })).toBe(
      `${adaptive("ebpf/legacy")}; try both ends on one CPU (cpu: {client: 1, server: 1})`,
    );
    expect(pinned({ client: 1, server: 1 })).toBe(adaptive("ebpf/legacy"));
    expect(only("high-cv", { summaries: [summary("ebpf", "transactionsPerSec", 0.1)] })).toBeUndefined();
  });

  it("cpu-steal: every attempt above 5% steal, failed ones included", () => {
    const trials = clean();
    (trials[0] as TrialRecord).noise = { ...quiet, cpuStealPct: 5 };
    (trials[1] as TrialRecord).noise = { ...quiet, cpuStealPct: 12.4 };
    trials[2] = { ...(trials[2] as TrialRecord), state: "failed", noise: { ...quiet, cpuStealPct: 5.1 } };
    expect(only("cpu-steal", { trials })).toEqual({
      kind: "cpu-steal",
      reason: "CPU steal above 5% during 2 trial(s) (up to 12%): the VM's host took CPU time away",
      hint: "results are noisier than the repetitions alone show; rerun on a quieter machine or at a quieter time",
      subjects: [trials[1]?.id, trials[2]?.id],
    });
  });

  it("high-load: completed trials above 1.5 per CPU, once they are a quarter of the attempts", () => {
    const loaded = (ids: number[], value = 1.6, state: TrialRecord["state"] = "completed") =>
      clean().map((t, i) => (ids.includes(i) ? { ...t, state, noise: { ...quiet, loadPerCpu: value } } : t));
    // 4 of 16 is a quarter
    const four = loaded([0, 3, 5, 9]);
    expect(only("high-load", { trials: four })).toEqual({
      kind: "high-load",
      reason: "1-minute load above 1.5 per CPU during 4 trial(s): other work competed with netperf",
      hint: "stop other jobs on the machine, or pin netperf and netserver to idle CPUs (cpu: {client, server})",
      subjects: [0, 3, 5, 9].map((i) => four[i]?.id),
    });
    expect(only("high-load", { trials: loaded([0, 3, 5]) })).toBeUndefined();
    expect(only("high-load", { trials: loaded([0, 3, 5, 9], 1.5) })).toBeUndefined();
    expect(only("high-load", { trials: loaded([0, 3, 5, 9], 3, "failed") })).toBeUndefined();
  });

  it("failed-trials: the count, the first one's error or exit code", () => {
    const trials = clean();
    trials[3] = {
      ...(trials[3] as TrialRecord),
      state: "failed",
      exitCode: 255,
      error: "no control connection",
    };
    trials[7] = { ...(trials[7] as TrialRecord), state: "failed", exitCode: 1 };
    expect(only("failed-trials", { trials })).toEqual({
      kind: "failed-trials",
      reason: `2 trial attempt(s) failed; first: ${trials[3]?.id}: no control connection`,
      hint: "each failed attempt is in trials.jsonl with its argv, exit code and stderr; `retries:` in the sweep sets how often a trial is retried",
      subjects: [trials[3]?.id, trials[7]?.id],
    });
    const noError = clean();
    noError[5] = { ...(noError[5] as TrialRecord), state: "failed", exitCode: 3 };
    expect(only("failed-trials", { trials: noError })?.reason).toBe(
      `1 trial attempt(s) failed; first: ${noError[5]?.id}: exit 3`,
    );
  });

  it("path-mismatch and noise-repeats: rejected attempts by the kind of rejection", () => {
    const trials = clean();
    const reject = (i: number, rejection: TrialRecord["rejection"]) => {
      trials[i] = { ...(trials[i] as TrialRecord), state: "rejected", rejection };
    };
    reject(1, { kind: "mode", reason: "the mode map said legacy" });
    reject(2, { kind: "path", reason: "no packet crossed the BPF program" });
    reject(4, { kind: "noise", reason: "busy", rule: { name: "cpu-steal-pct", threshold: 5, value: 9 } });
    reject(6, { kind: "noise", reason: "busy", rule: { name: "cpu-steal-pct", threshold: 5, value: 7 } });
    reject(8, { kind: "noise", reason: "busy", rule: { name: "competing-tasks", threshold: 0.5, value: 1 } });
    expect(only("path-mismatch", { trials })).toEqual({
      kind: "path-mismatch",
      reason: `2 trial attempt(s) were not counted: their packets took a path that contradicts their mode, or the mode was switched under them (e.g. ${trials[1]?.id}: the mode map said legacy)`,
      hint: "they were retried; run `routebench lab verify` in each mode, and make sure nothing else switches the lab during a run",
      subjects: [trials[1]?.id, trials[2]?.id],
    });
    // a noise rejection recorded without its rule (the schema allows it) is still counted
    const ruleless = clean();
    ruleless[3] = {
      ...(ruleless[3] as TrialRecord),
      state: "rejected",
      rejection: { kind: "noise", reason: "busy" },
    };
    expect(only("noise-repeats", { trials: ruleless })?.subjects).toEqual([ruleless[3]?.id]);
    expect(only("noise-repeats", { trials })).toEqual({
      kind: "noise-repeats",
      reason:
        "3 trial attempt(s) ran while the machine was too busy (cpu-steal-pct > 5, competing-tasks > 0.5) and were repeated; they are kept in trials.jsonl but not counted",
      hint: "other work competed for the benchmark's CPU or the VM's host took CPU time; run on a quieter machine for fewer repeats",
      subjects: [trials[4]?.id, trials[6]?.id, trials[8]?.id],
    });
  });

  it("noisy-kept: completed trials kept noisy, with the rules they broke when recorded", () => {
    const trials = clean();
    const rule = (name: string, threshold: number) => ({ name, threshold, value: threshold * 2 });
    trials[0] = { ...(trials[0] as TrialRecord), noisy: true, noisyRule: rule("interim-dip-pct", 35) };
    trials[1] = { ...(trials[1] as TrialRecord), noisy: true, noisyRule: rule("interim-dip-pct", 35) };
    trials[2] = { ...(trials[2] as TrialRecord), noisy: true };
    trials[3] = { ...(trials[3] as TrialRecord), noisy: true, state: "rejected" };
    trials[4] = { ...(trials[4] as TrialRecord), noisy: true, noisyRule: rule("cpu-steal-pct", 5) };
    const tail =
      " after every allowed repeat and were kept: their pairs are left out of the comparisons, and a comparison left with too few pairs is undecided (noisy pairs), not a finding";
    expect(only("noisy-kept", { trials })).toEqual({
      kind: "noisy-kept",
      reason: `4 trial(s) stayed above the noise thresholds (interim-dip-pct > 35, cpu-steal-pct > 5)${tail}`,
      hint: "stop the competing work (see each trial's noise: competingTasks, benchCpuStealPct) and run again, or resume later",
      subjects: [trials[0]?.id, trials[1]?.id, trials[2]?.id, trials[4]?.id],
    });
    const bare = clean();
    bare[5] = { ...(bare[5] as TrialRecord), noisy: true };
    expect(only("noisy-kept", { trials: bare })?.reason).toBe(
      `1 trial(s) stayed above the noise thresholds${tail}`,
    );
  });

  it("steal-imbalance: the modes' mean steal more than 1 point apart, the benchmark CPUs' own steal first", () => {
    const steal = (legacy: Partial<Noise>, ebpf: Partial<Noise>) =>
      clean().map((t) => ({ ...t, noise: { ...quiet, ...(t.mode === "legacy" ? legacy : ebpf) } }));
    expect(
      only("steal-imbalance", { trials: steal({ cpuStealPct: 1 }, { cpuStealPct: 2 }) }),
    ).toBeUndefined();
    expect(only("steal-imbalance", { trials: steal({ cpuStealPct: 1 }, { cpuStealPct: 2.25 }) })).toEqual({
      kind: "steal-imbalance",
      reason:
        "CPU steal fell unevenly on the modes: ebpf trials lost 2.3% on average, legacy 1.0%; pairing cancels drift both modes share, not this",
      hint: "rerun at a quieter time; trials with steal above the threshold are repeated, this is what remained below it",
      subjects: ["legacy", "ebpf"],
    });
    // the whole VM's steal is even; the benchmark's CPUs' is not
    const bench = steal({ cpuStealPct: 3, benchCpuStealPct: 4 }, { cpuStealPct: 3, benchCpuStealPct: 0.5 });
    expect(only("steal-imbalance", { trials: bench })?.reason).toMatch(
      /^CPU steal fell unevenly on the modes: legacy trials lost 4\.0% on average, ebpf 0\.5%;/,
    );
    // a mean, not a sum or the last value: legacy 0, 0, 0, 8 per point (mean 2) against ebpf 0.5
    const uneven = clean().map((t) => ({
      ...t,
      noise: { ...quiet, cpuStealPct: t.mode === "ebpf" ? 0.5 : t.block === 4 ? 8 : 0 },
    }));
    expect(only("steal-imbalance", { trials: uneven })?.reason).toMatch(
      /legacy trials lost 2\.0% on average, ebpf 0\.5%/,
    );
    // ties: the first mode found is named, as most and as least
    const three = (values: Record<string, number>) =>
      [...clean(), ...clean().map((t) => ({ ...t, id: `${t.id}:host`, mode: "host" as const }))].map((t) => ({
        ...t,
        noise: { ...quiet, cpuStealPct: values[t.mode] as number },
      }));
    expect(only("steal-imbalance", { trials: three({ legacy: 3, ebpf: 3, host: 0 }) })?.reason).toMatch(
      /^CPU steal fell unevenly on the modes: legacy trials lost 3\.0% on average, host 0\.0%;/,
    );
    expect(only("steal-imbalance", { trials: three({ legacy: 0, ebpf: 0, host: 3 }) })?.reason).toMatch(
      /^CPU steal fell unevenly on the modes: host trials lost 3\.0% on average, legacy 0\.0%;/,
    );
    // failed attempts and a single mode do not count
    const oneMode = clean().map((t) => (t.mode === "ebpf" ? { ...t, state: "failed" as const } : t));
    for (const t of oneMode) if (t.mode === "ebpf") t.noise = { ...quiet, cpuStealPct: 40 };
    expect(only("steal-imbalance", { trials: oneMode })).toBeUndefined();
  });

  it("datapath: drops, or retransmissions or reorderings that differ between modes beyond 10 per trial and 2×", () => {
    const counters = (legacy: [number, number, number], ebpf: [number, number, number], point = same) =>
      clean().map((t) => {
        if (t.point.key !== point.key) return t;
        const [retrans, reorder, drops] = t.mode === "legacy" ? legacy : ebpf;
        return {
          ...t,
          datapath: {
            tcpRetransSegs: retrans,
            tcpReorder: reorder,
            tcpDsackRecv: 0,
            drops: drops ? { "rb-n1/eth0": drops } : {},
          },
        };
      });
    expect(only("datapath", { trials: counters([10, 0, 0], [0, 10, 0]) })).toBeUndefined(); // max 10
    expect(only("datapath", { trials: counters([11, 0, 0], [5.5, 0, 0]) })).toBeUndefined(); // exactly 2×
    expect(only("datapath", { trials: counters([0, 11, 0], [0, 5.5, 0]) })).toBeUndefined();
    const tail =
      "the comparison may partly measure the lab (drops, reordering) rather than host routing; keep both ends on one CPU (cpu: {placement: one-cpu}) and check each trial's datapath counters";
    expect(only("datapath", { trials: counters([11, 0, 0], [5, 0, 0]) })).toEqual({
      kind: "datapath",
      reason:
        "the lab's own datapath misbehaved differently between modes at 1 point(s), e.g. same-node/TCP_RR/1,1: legacy 11 retransmissions, 0 reorderings, 0 drops per trial; ebpf 5 retransmissions, 0 reorderings, 0 drops per trial",
      hint: tail,
      subjects: ["same-node/TCP_RR/1,1"],
    });
    expect(only("datapath", { trials: counters([2, 11, 0], [2, 5, 0]) })?.subjects).toEqual([
      "same-node/TCP_RR/1,1",
    ]);
    // one drop per trial in one mode: 4 over the point's 4 trials
    expect(only("datapath", { trials: counters([0, 0, 0], [0, 0, 1], cross) })?.reason).toBe(
      "the lab's own datapath misbehaved differently between modes at 1 point(s), e.g. cross-node/TCP_RR/1,1: legacy 0 retransmissions, 0 reorderings, 0 drops per trial; ebpf 0 retransmissions, 0 reorderings, 4 drops per trial",
    );
  });

  it("unbalanced-pairs: comparisons against legacy that lost pairs, each point once, the worst named", () => {
    const comparisons = [
      comparison({ unbalancedPairs: 1 }),
      comparison({ unbalancedPairs: 3, metric: "p50Us" }, cross),
      comparison({ unbalancedPairs: 2 }, cross),
      // as many at another point: the first one found stays the worst
      comparison({ unbalancedPairs: 3, metric: "p99Us" }),
      comparison({ unbalancedPairs: 9, baseline: "host" }),
    ];
    expect(only("unbalanced-pairs", { comparisons })).toEqual({
      kind: "unbalanced-pairs",
      reason:
        "other work on the machine hit one trial of a pair and not the other at 2 point(s) (up to 3 pairs at cross-node TCP_RR 1,1); those pairs are not counted",
      hint: "each trial records the other CPUs' busy share (noise.otherCpusBusyPct); run on a quieter machine to lose fewer pairs",
      subjects: ["same-node/TCP_RR/1,1", "cross-node/TCP_RR/1,1"],
    });
    expect(only("unbalanced-pairs", { comparisons: [comparison({ unbalancedPairs: 0 })] })).toBeUndefined();
  });

  it("few-repetitions: comparisons with too few pairs for an interval, the smallest n named, the hint by how the run was set", () => {
    const comparisons = [
      comparison({ ciLow: null, ciHigh: null, n: 4 }),
      comparison({ ciLow: null, ciHigh: null, n: 3, metric: "p50Us" }),
      comparison({ ciLow: null, ciHigh: null, n: 5 }, cross),
      comparison({ n: 2 }, cross),
      // enough pairs (6, the least that gives one), no interval for another reason (no
      // spread): not this warning's
      comparison({ ciLow: null, ciHigh: null, n: 6, metric: "p90Us" }, cross),
    ];
    expect(only("few-repetitions", { comparisons })).toEqual({
      kind: "few-repetitions",
      reason:
        "3 comparison(s) rest on fewer than 6 pairs (n=3): too few for an interval that keeps its coverage, so each is undecided",
      hint: "use --profile standard (at least 8 pairs, adaptive to ±3%), or repetitions: 6 or more in the sweep file (without --profile on the command line)",
      subjects: ["same-node/TCP_RR/1,1", "cross-node/TCP_RR/1,1"],
    });
    // under a target, or a run that did not complete, resuming finishes the pairs
    // an unfinished run: resuming finishes its pairs
    const resume = "`routebench run --resume DIR` finishes an interrupted run";
    for (const ended of ["aborted", "failed"] as const) {
      expect(only("few-repetitions", { comparisons, ended })?.hint).toBe(resume);
      expect(only("few-repetitions", { comparisons, ended, sweep: { ...sweep, targetCiPct: 3 } })?.hint).toBe(
        resume,
      );
    }
    // a finished run under a target ran its repetitions: the missing pairs were left out, and
    // resuming it would add none
    const leftOut =
      "each point ran at least the sweep's 4 blocks: the pairs missing were left out (failed trials, or pairs unbalanced or kept noisy: see the warnings above); run again on a quieter machine";
    const targeted = { ...sweep, targetCiPct: 3 };
    expect(only("few-repetitions", { comparisons, ended: "completed", sweep: targeted })?.hint).toBe(leftOut);
    // how it ended unknown (a summary made apart from its run): both
    expect(only("few-repetitions", { comparisons, sweep: targeted })?.hint).toBe(`${leftOut}, or ${resume}`);
    expect(only("few-repetitions", { comparisons, ended: "completed" })?.hint).toMatch(
      /^use --profile standard/,
    );
    // no interval for another reason, at any n (a segmented run's segments): not this warning's
    expect(
      only("few-repetitions", {
        comparisons: [comparison({ ciLow: null, ciHigh: null, n: 2, undecidedReason: "too-few-segments" })],
      }),
    ).toBeUndefined();
    expect(
      only("few-repetitions", { comparisons: [comparison({ ciLow: null, ciHigh: null, n: 8 })] }),
    ).toBeUndefined();
  });

  it("wide-interval: the precision pair's comparisons wider than the target, percentiles included, only when there is one", () => {
    const target = { ...sweep, targetCiPct: 3, maxRepetitions: 8 };
    const comparisons = [
      comparison({ halfWidth: 0.03 }), // at the target
      comparison({ halfWidth: 0.031 }, cross),
      comparison({ halfWidth: null, metric: "throughputMbps" }),
      // the adaptive rule chases every compared metric (pointPrecision), so the warning counts it
      comparison({ halfWidth: 0.5, metric: "p99Us" }),
      comparison({ halfWidth: 0.5, baseline: "host" }), // not the precision pair
      comparison({ halfWidth: 0.5, candidate: "direct" }), // nor this
      // narrow, but over pairs kept noisy: it reached nothing, and the adaptive rule chased it
      comparison({ halfWidth: 0.01, metric: "p90Us", verdict: "undecided", undecidedReason: "noisy-pairs" }),
    ];
    // every one at the cap (n = 8 = maxRepetitions): the cap stopped them
    expect(only("wide-interval", { comparisons, sweep: target })).toEqual({
      kind: "wide-interval",
      reason:
        "4 comparison(s) never got their CI within ±3%, 1 of them only on pairs kept noisy (up to 8 repetitions)",
      hint: "raise maxRepetitions in the sweep, or accept a wider --target-ci",
      subjects: [
        "cross-node/TCP_RR/1,1/transactionsPerSec",
        "same-node/TCP_RR/1,1/throughputMbps",
        "same-node/TCP_RR/1,1/p99Us",
        "same-node/TCP_RR/1,1/p90Us",
      ],
    });
    // the same without any trial: the cap is read from the comparisons' pairs
    expect(only("wide-interval", { comparisons, trials: [], sweep: target })?.reason).toBe(
      "4 comparison(s) never got their CI within ±3%, 1 of them only on pairs kept noisy (up to 8 repetitions)",
    );
    expect(
      only("wide-interval", { comparisons, sweep: { ...sweep, targetCiPct: undefined } }),
    ).toBeUndefined();
    // a target every comparison met: no warning
    expect(
      only("wide-interval", { comparisons: [comparison({ halfWidth: 0.01 })], sweep: target }),
    ).toBeUndefined();
  });

  it("wide-interval: below the cap, says what stopped them and what they would still take", () => {
    // 2 s attempts, 4 blocks of both modes at each point: 16 s per point, 4 s per pair, 32 s in all
    const timed = clean().map((t, i) => ({
      ...t,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 2 * i)).toISOString(),
      finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 2 * i + 2)).toISOString(),
    }));
    const comparisons = [
      // ±6% at 4 pairs needs 4·(6/3)² = 16: 12 more, 48 s
      comparison({ halfWidth: 0.06, n: 4 }),
      // the same point's other comparison counts once, by the wider of the two
      comparison({ halfWidth: 0.04, n: 4, metric: "throughputMbps" }),
      // ±3.1% at 5 pairs: 5.34 in all, so 1 more, 3.2 s
      comparison({ halfWidth: 0.031, n: 5 }, cross),
    ];
    const capped = { ...sweep, targetCiPct: 3, maxRepetitions: 40 };
    // the budget (30 s) ended the run: 32 s spent
    expect(
      only("wide-interval", { comparisons, trials: timed, sweep: { ...capped, timeBudgetMin: 0.5 } }),
    ).toEqual({
      kind: "wide-interval",
      reason:
        "3 comparison(s) never got their CI within ±3%: the 0.5-minute time budget ended them at 4–5 pairs; at the spread this run saw they need about 13 more pairs, ~1 more minute(s) of trials",
      hint: "the pairs' spread sets the time: allow it (timeBudgetMin: 2 in the sweep), accept a wider --target-ci, or run on a quieter machine",
      subjects: [
        "same-node/TCP_RR/1,1/transactionsPerSec",
        "same-node/TCP_RR/1,1/throughputMbps",
        "cross-node/TCP_RR/1,1/transactionsPerSec",
      ],
    });
    // a budget far from used up, or none: the run was stopped before
    for (const stopped of [{ ...capped, timeBudgetMin: 10 }, capped])
      expect(only("wide-interval", { comparisons, trials: timed, sweep: stopped })?.reason).toBe(
        "3 comparison(s) never got their CI within ±3%: the run ended with them at 4–5 pairs; at the spread this run saw they need about 13 more pairs, ~1 more minute(s) of trials",
      );
    // how the run ended decides, when known: a completed run stopped below the cap only on its
    // budget, even one block short of it (the adaptive phase plans blocks by the run's mean
    // trial time, not by these points' own); an aborted run was stopped, budget or not
    const budgetReason = /the 10-minute time budget ended them at 4–5 pairs/;
    const sweep10 = { ...capped, timeBudgetMin: 10 };
    expect(
      only("wide-interval", { comparisons, trials: timed, sweep: sweep10, ended: "completed" })?.reason,
    ).toMatch(budgetReason);
    for (const ended of ["aborted", "failed"] as const)
      expect(
        only("wide-interval", { comparisons, trials: timed, sweep: { ...capped, timeBudgetMin: 0.5 }, ended })
          ?.hint,
      ).toMatch(/--resume/);
    // no budget: a completed run cannot have been stopped by one
    expect(
      only("wide-interval", { comparisons, trials: timed, sweep: capped, ended: "completed" })?.reason,
    ).toMatch(/the run ended with them/);
    // the cap counts the point's completed blocks: a failed attempt in a fifth block is no block
    const failedFifth = {
      ...(timed[0] as TrialRecord),
      id: "5:legacy:same",
      block: 5,
      state: "failed" as const,
    };
    expect(
      only("wide-interval", {
        comparisons: [comparison({ halfWidth: 0.06, n: 4 })],
        trials: [...timed, failedFifth],
        sweep: { ...capped, maxRepetitions: 5, timeBudgetMin: 0.5 },
        ended: "completed",
      })?.reason,
    ).toMatch(/the 0.5-minute time budget ended them at 4 pairs/);
    // the cap counts the point's blocks, not the comparison's pairs: 4 blocks ran at the
    // same-node point, one of them left out of its pairs (unbalanced or noisy), and the cap of
    // 4 stopped it, not the budget
    expect(
      only("wide-interval", {
        comparisons: [comparison({ halfWidth: 0.06, n: 3 })],
        trials: timed,
        sweep: { ...capped, maxRepetitions: 4, timeBudgetMin: 0.5 },
        ended: "completed",
      }),
    ).toMatchObject({
      reason: "1 comparison(s) never got their CI within ±3% (up to 4 repetitions)",
      hint: "raise maxRepetitions in the sweep, or accept a wider --target-ci",
    });
    // some at the cap, some not
    expect(
      only("wide-interval", {
        comparisons: [...comparisons, comparison({ halfWidth: 0.05, n: 40 }, cross)],
        trials: timed,
        sweep: { ...capped, timeBudgetMin: 0.5 },
      })?.reason,
    ).toMatch(/ended them at 4–5 pairs; .*; 1 stopped at the 40-repetition cap$/);
  });

  it("missing-points: each point and mode without a completed trial", () => {
    const trials = clean().map((t) =>
      t.point.key === cross.key && t.mode === "ebpf" ? { ...t, state: "failed" as const } : t,
    );
    const withoutSame = trials.filter((t) => t.point.key !== same.key);
    expect(only("missing-points", { trials: withoutSame })).toEqual({
      kind: "missing-points",
      reason: "3 point/mode series have no completed trial (e.g. same-node/TCP_RR/1,1/legacy)",
      hint: "the run was interrupted or those trials failed; `routebench run --resume DIR` finishes an interrupted run",
      subjects: ["same-node/TCP_RR/1,1/legacy", "same-node/TCP_RR/1,1/ebpf", "cross-node/TCP_RR/1,1/ebpf"],
    });
  });

  it("lists the warnings in the rules' order", () => {
    const trials = clean();
    trials[0] = { ...(trials[0] as TrialRecord), noise: { ...quiet, cpuStealPct: 30 } };
    trials[1] = { ...(trials[1] as TrialRecord), state: "failed" };
    trials[2] = {
      ...(trials[2] as TrialRecord),
      state: "rejected",
      rejection: { kind: "path", reason: "x" },
    };
    trials[3] = {
      ...(trials[3] as TrialRecord),
      state: "rejected",
      rejection: { kind: "noise", reason: "x", rule: { name: "r", threshold: 1, value: 2 } },
    };
    trials[4] = { ...(trials[4] as TrialRecord), noisy: true };
    for (const t of trials.slice(5, 10)) t.noise = { ...quiet, loadPerCpu: 2 };
    trials[11] = {
      ...(trials[11] as TrialRecord),
      datapath: { tcpRetransSegs: 0, tcpReorder: 0, tcpDsackRecv: 0, drops: { d: 1 } },
    };
    const kinds = warnings({
      trials: trials.filter((t) => !(t.point.key === cross.key && t.mode === "legacy")),
      summaries: [summary("ebpf", "transactionsPerSec", 0.5)],
      comparisons: [comparison({ unbalancedPairs: 1, ciLow: null, halfWidth: null, n: 3 })],
      sweep: { ...sweep, targetCiPct: 5 },
    }).map((w) => w.kind);
    expect(kinds).toEqual([
      "high-cv",
      "cpu-steal",
      "high-load",
      "failed-trials",
      "path-mismatch",
      "noise-repeats",
      "noisy-kept",
      "steal-imbalance",
      "datapath",
      "unbalanced-pairs",
      "few-repetitions",
      "wide-interval",
      "missing-points",
    ]);
  });
});
