/**
 * The gate's pooled per-mode test (stats/regression-modes.ts) on hand-made log values, against
 * figures computed outside the code with numpy/scipy: each repetition's weighted mean change
 * (one weight per netperf test, shared by its metrics; lower-is-better metrics turned), Welch
 * between the runs (`scipy.stats.t`), Holm over the modes, the one-sided 95% bound, the
 * detectable worsening at α/2/modes, and the smallest n at which the bound would clear
 * (searched upwards one n at a time).
 */
import { describe, expect, it } from "vitest";
import type { Tested } from "../../../harness/stats/regression-evidence.js";
import { poolModes } from "../../../harness/stats/regression-modes.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

const T = 0.05;
const LOWER = Math.log(1 - T);
const UPPER = Math.log(1 + T);

function side(logs: number[]) {
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return {
    logs: new Map(logs.map((y, i) => [i, y])),
    sample: { n: logs.length, mean, variance: 0, resolutionVariance: 0 },
    median: 0,
  };
}

function tested(
  mode: Mode,
  size: string,
  metric: MetricName,
  lower: boolean,
  base: number[],
  cand: number[],
): Tested {
  const key = { placement: "same-node", test: "TCP_RR", size, mode, metric } as const;
  return {
    key,
    name: `${size}/${mode}/${metric}`,
    lower,
    base: side(base),
    cand: side(cand),
    // not read by the pooled test
    contrast: { estimate: 0, se: 0, df: null },
    pWorse: null,
    pBetter: null,
  };
}

const points: Tested[] = [
  // two metrics of one netperf test (weight ½ each), one of another (weight 1)
  tested("ebpf", "1,1", "transactionsPerSec", false, [1.0, 1.02, 0.98], [0.95, 0.93, 0.96]),
  tested("ebpf", "1,1", "p50Us", true, [2.0, 2.04, 1.99], [2.06, 2.05, 2.09]),
  tested("ebpf", "64,64", "transactionsPerSec", false, [3.0, 3.01, 2.97], [2.99, 2.9, 2.93]),
  tested("legacy", "1,1", "transactionsPerSec", false, [1.0, 1.02, 0.98], [1.2, 1.21, 1.19]),
];

describe("poolModes against numpy/scipy", () => {
  const [ebpf, legacy] = poolModes(points, LOWER, UPPER, T);

  it("pools a mode's points with one weight per netperf test", () => {
    expect(ebpf).toMatchObject({
      mode: "ebpf",
      points: 3,
      n: 3,
      verdict: "inconclusive",
      repetitionsToDecide: 434,
    });
    expect(ebpf?.goodChange).toBeCloseTo(-0.05272578569123709, 10);
    expect(ebpf?.goodLow).toBeCloseTo(-0.08819298975025047, 8);
    expect(ebpf?.pWorse).toBeCloseTo(0.43251070763407523, 8);
    expect(ebpf?.pWorseAdjusted).toBeCloseTo(0.8650214152681505, 8);
    expect(ebpf?.detectableWorsening).toBeCloseTo(0.11492257711712928, 8);
    expect(ebpf?.reason).toBe(
      "worse by 5.3% on average, but not shown worse than −5%: one-sided Welch p = 0.865 (over 3 points, Holm over 2 mode(s); a regression needs ≤ 0.025); about 434 repetitions per run would decide it at this spread",
    );
  });

  it("calls a mode better when its bound clears the threshold and its better-p the level", () => {
    expect(legacy).toMatchObject({ mode: "legacy", points: 1, n: 3, verdict: "improvement" });
    expect(legacy?.goodChange).toBeCloseTo(0.22140275816016985, 10);
    expect(legacy?.goodLow).toBeCloseTo(0.1845570185037173, 8);
    expect(legacy?.pWorseAdjusted).toBeCloseTo(0.9998326983792359, 8);
    expect(legacy?.detectableWorsening).toBeCloseTo(0.10059229114763035, 8);
    expect(legacy?.repetitionsToDecide).toBeUndefined();
    expect(legacy?.reason).toBe(
      "better by 22.1% on average; no worse than −5%: its one-sided 95% bound is +18.5% (over 1 points, Holm over 2 mode(s))",
    );
  });

  it("has nothing to test with one repetition", () => {
    const [one] = poolModes(
      [tested("ebpf", "1,1", "transactionsPerSec", false, [1], [1.1])],
      LOWER,
      UPPER,
      T,
    );
    expect(one).toMatchObject({
      mode: "ebpf",
      points: 1,
      n: 1,
      verdict: "inconclusive",
      goodLow: null,
      pWorse: null,
      detectableWorsening: null,
      reason: "fewer than 2 repetitions in both runs: no spread to test against",
    });
    // a log change of 0.1
    expect(one?.goodChange).toBeCloseTo(0.10517091807564771, 12);
  });
});
