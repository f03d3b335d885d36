/**
 * What summarise (stats/summary.ts) adds around the figures summary-oracle.test.ts recomputes:
 * the seconds trials took (finish − start, summed, bad or negative spans as 0, per point to
 * 0.1 s), the precision rows (judged by the eBPF/legacy pair's comparisons only: the most
 * pairs, the widest half-width (high − low)/2/ratio, reached when every compared metric is
 * within the target), the counts, the method's words by design, and the design record.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { designSummary, summarise, trialSeconds } from "../../../harness/stats/summary.js";
import { designLine } from "../../../harness/sweep/design.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import {
  plannedSwitches,
  planSweep,
  sweepPoints,
  sweepSegments,
  switchCostOf,
} from "../../../harness/sweep/plan.js";
import type { Sweep } from "../../../harness/sweep/schema.js";
import { seededRandom } from "../../../harness/util/random.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

describe("trialSeconds", () => {
  it("sums each attempt's finish minus start, counting an unreadable or backwards span as 0", () => {
    const span = (start: string, finish: string) => ({ startedAt: start, finishedAt: finish }) as TrialRecord;
    expect(trialSeconds([])).toBe(0);
    expect(trialSeconds([span(at(0), at(1250)), span(at(5000), at(7125))])).toBeCloseTo(3.375, 12);
    expect(trialSeconds([span(at(0), at(1250)), span("", at(9000)), span(at(9000), at(4000))])).toBeCloseTo(
      1.25,
      12,
    );
  });
});

const sweep = {
  ...parseSweep(
    "modes: [host, legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nrepetitions: 6\nduration: 1\n",
    "x.yaml",
  ),
  targetCiPct: 30,
};
const [same, cross] = sweepPoints(sweep) as [
  ReturnType<typeof sweepPoints>[0],
  ReturnType<typeof sweepPoints>[0],
];

/** Every planned trial, 1.234 s each; at cross-node eBPF always failed; host 2× faster with 20% noise. */
function trials(s: Sweep = sweep): TrialRecord[] {
  const random = seededRandom(11);
  const effect: Record<Mode, number> = { host: 2, legacy: 1, ebpf: 1.1, direct: 1 };
  return planSweep(s).map((trial, i): TrialRecord => {
    const noise = trial.mode === "host" ? 0.2 : 0.02;
    const tps = 10000 * effect[trial.mode] * (1 + noise * (random() - 0.5));
    const failed = trial.point.key === cross.key && trial.mode === "ebpf";
    return {
      id: trial.id,
      block: trial.block,
      mode: trial.mode,
      point: trial.point,
      durationSec: 1,
      state: failed ? "failed" : "completed",
      attempt: 1,
      startedAt: at(i * 2000),
      finishedAt: at(i * 2000 + 1234),
      argv: [],
      exitCode: failed ? 1 : 0,
      signal: null,
      timedOut: false,
      stdout: "",
      stderrTail: "",
      metrics: failed
        ? undefined
        : {
            transactionsPerSec: tps,
            p50Us: (1e6 / tps) * (1 + noise * (random() - 0.5)),
            p90Us: (1.2e6 / tps) * (1 + noise * (random() - 0.5)),
            p99Us: (2e6 / tps) * (1 + noise * (random() - 0.5)),
            meanLatencyUs: (1.1e6 / tps) * (1 + noise * (random() - 0.5)),
          },
    };
  });
}

describe("summarise: precision rows, counts, method and design", () => {
  it("judges each point's precision by its eBPF/legacy comparisons and sums its trials' seconds", () => {
    const records = trials();
    const summary = summarise(sweep, sweepPoints(sweep), records);
    const pairAt = summary.comparisons.filter(
      (c) => c.placement === "same-node" && c.baseline === "legacy" && c.candidate === "ebpf",
    );
    // five compared metrics of TCP_RR, each with an interval
    expect(pairAt.length).toBe(5);
    const widths = pairAt.map((c) => ((c.ciHigh as number) - (c.ciLow as number)) / 2 / c.ratio);
    const worst = Math.max(...widths);
    // host's 20% noise makes its comparisons wider: a precision row that read them would differ
    const hostWidths = summary.comparisons
      .filter((c) => c.placement === "same-node" && c.baseline === "host")
      .map((c) => c.halfWidth as number);
    expect(Math.max(...hostWidths)).toBeGreaterThan(worst * 2);
    expect(worst).toBeLessThan(0.3);
    // 3 modes × 6 blocks × 1.234 s = 22.212 s, to 0.1 s
    expect(summary.precision).toEqual([
      {
        key: same.key,
        placement: "same-node",
        test: "TCP_RR",
        size: "1,1",
        pairs: 6,
        seconds: 22.2,
        worstHalfWidth: expect.closeTo(worst, 12),
        reached: true,
      },
      // eBPF never completed here: no comparison of the pair; its failed attempts took time too
      {
        key: cross.key,
        placement: "cross-node",
        test: "TCP_RR",
        size: "1,1",
        pairs: 0,
        seconds: 22.2,
        worstHalfWidth: null,
        reached: false,
      },
    ]);
    expect(summary).toMatchObject({ completedTrials: 30, failedTrials: 6, rejectedTrials: 0 });
    // a target tighter than the widest metric is not reached; no target, nothing to reach
    const tight = summarise({ ...sweep, targetCiPct: worst * 100 * 0.999 }, sweepPoints(sweep), records);
    expect(tight.precision[0]?.reached).toBe(false);
    const exact = summarise({ ...sweep, targetCiPct: worst * 100 * 1.001 }, sweepPoints(sweep), records);
    expect(exact.precision[0]?.reached).toBe(true);
    const none = summarise({ ...sweep, targetCiPct: undefined }, sweepPoints(sweep), records);
    expect(none.precision.map((p) => p.reached)).toEqual([null, null]);
  });

  it("without eBPF and legacy, judges precision by the pair the sweep compares first", () => {
    const two = { ...sweep, modes: ["host", "legacy"] as Mode[] };
    const summary = summarise(two, sweepPoints(two), trials(two));
    const hostLegacy = summary.comparisons.filter((c) => c.placement === "same-node");
    expect(hostLegacy.every((c) => c.baseline === "host" && c.candidate === "legacy")).toBe(true);
    expect(summary.precision[0]?.worstHalfWidth).toBeCloseTo(
      Math.max(...hostLegacy.map((c) => ((c.ciHigh as number) - (c.ciLow as number)) / 2 / c.ratio)),
      12,
    );
    expect(summary.precision[0]?.pairs).toBe(6);
  });

  it("with host, direct and eBPF, states the precision of host/eBPF (a compared pair), not of the first two modes", () => {
    const three = { ...sweep, modes: ["host", "direct", "ebpf"] as Mode[] };
    const summary = summarise(three, sweepPoints(three), trials(three));
    expect(summary.comparisons.some((c) => c.baseline === "host" && c.candidate === "direct")).toBe(false);
    const hostEbpf = summary.comparisons.filter(
      (c) => c.placement === "same-node" && c.baseline === "host" && c.candidate === "ebpf",
    );
    expect(hostEbpf.length).toBe(5);
    const worst = Math.max(
      ...hostEbpf.map((c) => ((c.ciHigh as number) - (c.ciLow as number)) / 2 / c.ratio),
    );
    expect(summary.precision[0]).toMatchObject({
      pairs: 6,
      worstHalfWidth: expect.closeTo(worst, 12),
      reached: worst <= 0.3,
    });
  });

  it("with no compared pair (host and direct only), states no precision and no target reached or missed", () => {
    const baselines = { ...sweep, modes: ["host", "direct"] as Mode[] };
    const summary = summarise(baselines, sweepPoints(baselines), trials(baselines));
    expect(summary.comparisons).toEqual([]);
    expect(summary.precision.map((p) => [p.pairs, p.worstHalfWidth, p.reached])).toEqual([
      [0, null, null],
      [0, null, null],
    ]);
  });

  it("adds the witness table, and its warning last when netperf and the witness disagree", () => {
    const witnessed = { ...sweep, witness: ["sockperf" as const] };
    // the witness sees eBPF 50% ahead where netperf sees 10%: the intervals cannot overlap
    const records = trials(witnessed).map((t) => ({
      ...t,
      witness: {
        tool: "sockperf" as const,
        argv: [],
        metrics: { transactionsPerSec: (t.metrics?.transactionsPerSec ?? 0) * (t.mode === "ebpf" ? 1.5 : 1) },
      },
    }));
    const summary = summarise(witnessed, sweepPoints(witnessed), records);
    const row = summary.witness?.find((w) => w.point === same.key && w.metric === "transactionsPerSec");
    expect(row?.agreement).toBe("disagree");
    expect(summary.warnings.at(-1)).toMatchObject({
      kind: "witness-disagrees",
      subjects: [`${same.key}/transactionsPerSec/sockperf`],
    });
    // without a witness: no table at all
    expect(summarise(sweep, sweepPoints(sweep), trials())).not.toHaveProperty("witness");
  });

  it("says which estimator and multiplicity rule it used, and records the design", () => {
    const summary = summarise(sweep, sweepPoints(sweep), trials());
    expect(summary.method).toEqual({
      estimator:
        "geometric mean of per-block candidate/baseline ratios, 95% Student-t interval and paired t test on their logs (Welch on log values when modes ran in separate blocks)",
      multiplicity: "Holm (family-wise α = 5% over the run's comparisons)",
      significance: 0.05,
    });
    expect(summary).not.toHaveProperty("witness");
    expect(summary.design).toEqual({
      order: "interleaved",
      description: designLine(sweep),
      plannedSwitches: plannedSwitches(sweep, planSweep(sweep)),
      expectedSwitchSec: switchCostOf(sweep).typicalSec,
      replacesNodes: switchCostOf(sweep).replacesNodes,
      segments: [],
    });
    const segmented = parseSweep(
      "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 4\nduration: 1\norder: segmented\n",
      "seg.yaml",
    );
    const seg = summarise(segmented, sweepPoints(segmented), []);
    expect(seg.method.estimator).toBe(
      "eBPF/legacy: ratio of the modes' mean segment geometric means, 95% Student-t interval on the segments' pooled spread (segments − 2 degrees of freedom); baselines: per-block ratios as above",
    );
    expect(seg.design?.segments).toEqual(sweepSegments(segmented));
    expect(seg.design?.segments.length).toBeGreaterThan(1);
    expect(designSummary(segmented)).toEqual(seg.design);
  });
});
