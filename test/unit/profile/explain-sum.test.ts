/**
 * The attributed differences against the measured CPU-time difference (issue 22: "must add up to
 * the measured difference in CPU time per unit of work, within its interval; say so or say by how
 * much they do not"). Three blocks of hand-made trials whose figures are worked out here by hand:
 * the attributed differences sum to the measured one, and the independent check (the CPU per
 * transaction read from the samples alone) is judged against the measured difference's interval,
 * within it or outside by a stated amount, in results and in the report's sentence.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { explainRun } from "../../../harness/profile/explain.js";
import { differenceSentence } from "../../../harness/report/explain-section.js";
import type { TrialProfile } from "../../../harness/results/profile-schema.js";
import type { Results, TrialRecord } from "../../../harness/results/schema.js";

const results = JSON.parse(
  readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
) as Results;
const base = results.trials.find(
  (t) => t.state === "completed" && t.point.key === "same-node/TCP_RR/1,1",
) as TrialRecord;

/** Student's t, 97.5% quantile, 2 degrees of freedom (three blocks). */
const T_975_2 = 4.302652729911275;

/** legacy and eBPF measured CPU per transaction (µs) in blocks 1–3: differences 5, 5.5, 5.5. */
const MEASURED = { legacy: [20, 21, 22], ebpf: [15, 15.5, 16.5] };
/** Busy samples by subsystem of each twin (1000 at 1 kHz over 1 s: one busy CPU second). */
const COUNTS = {
  legacy: { netfilter: 300, "tcp-udp": 700 },
  ebpf: { ebpf: 100, "tcp-udp": 900 },
};

function record(mode: "legacy" | "ebpf", block: number, twinRate: number): TrialRecord {
  const profile: TrialProfile = {
    argv: ["perf", "record"],
    netperfArgv: [],
    frequencyHz: 1000,
    windowSec: 1,
    cpus: [1],
    startedAt: base.startedAt,
    samples: 1000,
    busySamples: 1000,
    idleSamples: 0,
    foreignSamples: 0,
    bySubsystem: COUNTS[mode],
    metrics: { transactionsPerSec: twinRate },
  };
  return {
    ...base,
    id: `${block}:${mode}:${base.point.key}`,
    block,
    mode,
    metrics: { transactionsPerSec: 50_000, cpuUsPerTrans: MEASURED[mode][block - 1] as number },
    profile,
  };
}

/** Three blocks; the twins' rates set the sampled CPU per transaction: 1 s busy ÷ rate × 10^6 µs. */
function point(legacyRate: number, ebpfRate: number) {
  const trials = [1, 2, 3].flatMap((b) => [record("legacy", b, legacyRate), record("ebpf", b, ebpfRate)]);
  const p = explainRun(trials)?.points[0];
  if (!p?.difference) throw new Error("no difference");
  return { p, d: p.difference };
}

// the measured difference: mean 16/3, sd of (5, 5.5, 5.5) = 0.5/√3, half-width t × sd/√3
// (routebench computes t numerically: equal here to 8 decimals)
const mean = 16 / 3;
const half = (T_975_2 * (0.5 / Math.sqrt(3))) / Math.sqrt(3);

describe("the attributed differences against the measured CPU-time difference", () => {
  it("add up to it, subsystem by subsystem as worked out by hand", () => {
    const { d } = point(50_000, 1e6 / 15);
    expect(d.measured.mean).toBeCloseTo(mean, 12);
    expect(d.measured.lower).toBeCloseTo(mean - half, 8);
    expect(d.measured.upper).toBeCloseTo(mean + half, 8);
    // legacy: 30% netfilter, 70% TCP of 21 µs on average; eBPF: 10% its program, 90% TCP of 15.67 µs
    const ebpfMean = (15 + 15.5 + 16.5) / 3;
    expect(d.bySubsystem.netfilter?.mean).toBeCloseTo(0.3 * 21, 12);
    expect(d.bySubsystem["tcp-udp"]?.mean).toBeCloseTo(0.7 * 21 - 0.9 * ebpfMean, 12);
    expect(d.bySubsystem.ebpf?.mean).toBeCloseTo(-0.1 * ebpfMean, 12);
    expect(d.attributedSum).toBeCloseTo(mean, 12);
  });

  it("says so when the samples' own difference lies within the measured difference's interval", () => {
    // sampled: 1 s / 50,000 = 20 µs and 1 s / 66,667 = 15 µs, a difference of 5, inside [4.62 – 6.05]
    const { p, d } = point(50_000, 1e6 / 15);
    expect(d.sampled?.mean).toBeCloseTo(5, 9);
    expect(d.sampledWithinMeasured).toBe(true);
    expect(d.missBy).toBe(0);
    const sentence = differenceSentence(p);
    expect(sentence).toMatch(
      /legacy spends 5\.33 µs more per transaction than eBPF \(5\.33 \[4\.62 – 6\.05\] µs per transaction\)/,
    );
    expect(sentence).toContain("The attributed differences add up to 5.33 by construction");
    expect(sentence).toContain(
      "Read from the samples alone the difference is 5.00 [5.00 – 5.00]: within the measured difference's interval.",
    );
  });

  it("says by how much when it does not", () => {
    // sampled: 20 µs and 1 s / 100,000 = 10 µs, a difference of 10: above the interval's upper end by 10 − 6.05
    const { p, d } = point(50_000, 100_000);
    expect(d.sampled?.mean).toBeCloseTo(10, 9);
    expect(d.sampledWithinMeasured).toBe(false);
    expect(d.missBy).toBeCloseTo(10 - (mean + half), 9);
    expect(differenceSentence(p)).toContain(
      `outside the measured difference's interval by ${(10 - (mean + half)).toFixed(2)} µs per transaction.`,
    );
    // below the interval: missBy is negative, the sentence gives its size
    const low = point(50_000, 1e6 / 18); // 20 − 18 = 2
    expect(low.d.missBy).toBeCloseTo(2 - (mean - half), 9);
    expect(differenceSentence(low.p)).toContain(`by ${(mean - half - 2).toFixed(2)} µs per transaction.`);
  });
});

describe("where no block holds both modes (a segmented design, as on a slow-switching cluster)", () => {
  it("compares the modes' blocks unpaired, Welch, and still adds up and judges", () => {
    // legacy in blocks 1–3, eBPF in blocks 4–6
    const trials = [1, 2, 3].flatMap((b) => [
      record("legacy", b, 50_000),
      { ...record("ebpf", b, 1e6 / 15), block: b + 3, id: `${b + 3}:ebpf:${base.point.key}` },
    ]);
    const p = explainRun(trials)?.points[0];
    const d = p?.difference;
    expect(d?.pairing).toBe("unpaired");
    // legacy 20, 21, 22 (variance 1); eBPF 15, 15.5, 16.5 (variance 7/12): Welch by hand
    const ebpfMean = 47 / 3;
    const [vl, ve] = [1 / 3, 7 / 12 / 3];
    const se = Math.sqrt(vl + ve);
    const df = (vl + ve) ** 2 / (vl ** 2 / 2 + ve ** 2 / 2);
    expect(d?.measured.mean).toBeCloseTo(21 - ebpfMean, 12);
    expect(df).toBeCloseTo(3.7409, 4);
    // t(0.975, 3.7409) = 2.853943 (scipy.stats.t.ppf)
    expect(d?.measured.upper).toBeCloseTo(21 - ebpfMean + 2.853943 * se, 5);
    expect(d?.attributedSum).toBeCloseTo(21 - ebpfMean, 12);
    expect(d?.sampledWithinMeasured).toBe(true);
    expect(p && differenceSentence(p)).toContain("compared unpaired, with Welch's interval");
    // the ratio with and without sampling, unpaired too: measured 50,000 both; twins 66,667 / 50,000
    expect(p?.sampling?.unsampled.mean).toBeCloseTo(1, 12);
    expect(p?.sampling?.sampled.mean).toBeCloseTo(4 / 3, 9);
  });
});
