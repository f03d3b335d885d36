/**
 * The witness verdict: the interval rule on hand-made cases, and seeded simulations of its
 * false-disagreement rate and its power (assumptions in harness/bench/witness-simulation.ts).
 * Tolerances: 4,000 simulated points per cell give a standard error of ≈0.12 points at a 0.6%
 * rate, so "≤ 1.5%" leaves 7 standard errors; the power cells (≈98–99.5%) are asserted ≥ 95%.
 */
import { describe, expect, it } from "vitest";
import { agreementRates } from "../../../harness/bench/witness-simulation.js";
import { pairedRatio } from "../../../harness/stats/ratio.js";
import {
  type BlockPair,
  compareWitness,
  intervalsAgree,
  witnessDisagreement,
} from "../../../harness/stats/witness.js";

const pairs = (baseline: number[], candidate: number[], blocks = baseline.map((_, i) => i)): BlockPair[] =>
  blocks.map((block, i) => ({ block, baseline: baseline[i] as number, candidate: candidate[i] as number }));

const BASE = [16003.7, 15800.2, 16250.9, 15900.0, 16100.5, 15950.3, 16020.0, 15890.4];
const RATIO_127 = [20396.9, 19900.1, 20800.4, 20100.7, 20500.2, 20250.8, 20330.1, 20190.6];

describe("intervalsAgree", () => {
  it("disagrees only when both intervals exist and do not overlap", () => {
    expect(intervalsAgree({ ciLow: 1.1, ciHigh: 1.2 }, { ciLow: 1.15, ciHigh: 1.3 })).toBe("agree");
    expect(intervalsAgree({ ciLow: 1.1, ciHigh: 1.2 }, { ciLow: 1.2, ciHigh: 1.3 })).toBe("agree"); // touching
    expect(intervalsAgree({ ciLow: 1.1, ciHigh: 1.2 }, { ciLow: 1.21, ciHigh: 1.3 })).toBe("disagree");
    expect(intervalsAgree({ ciLow: 1.21, ciHigh: 1.3 }, { ciLow: 1.1, ciHigh: 1.2 })).toBe("disagree");
    expect(intervalsAgree({ ciLow: null, ciHigh: null }, { ciLow: 1.21, ciHigh: 1.3 })).toBe("undecided");
    expect(intervalsAgree(null, { ciLow: 1.21, ciHigh: 1.3 })).toBe("undecided");
  });
});

describe("compareWitness", () => {
  it("estimates each tool with pairedRatio over the blocks both completed", () => {
    const witnessCandidate = BASE.map((b) => b * 0.9 * 1.27);
    const row = compareWitness({
      point: "same-node:TCP_RR:1,1",
      metric: "transactionsPerSec",
      witness: "sockperf",
      netperf: pairs(BASE, RATIO_127),
      // the witness lost block 7 and has an extra block 9 netperf does not
      witnessPairs: pairs(
        [...BASE.slice(0, 7).map((b) => b * 0.9), 1],
        [...witnessCandidate.slice(0, 7), 1],
        [0, 1, 2, 3, 4, 5, 6, 9],
      ),
    });
    expect(row.blocks).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(row.netperf).toEqual(pairedRatio(BASE.slice(0, 7), RATIO_127.slice(0, 7)));
    expect(row.witnessRatio?.ratio).toBeCloseTo(1.27, 12);
    // netperf's interval is ≈ [1.262, 1.278] (ratio.test.ts's figures): the witness's 1.27 falls inside
    expect(row.agreement).toBe("agree");
    expect(witnessDisagreement([row])).toBeNull();
  });

  it("flags tools whose intervals do not overlap, and names them in the warning", () => {
    const noisy = [1.0, 1.01, 0.99, 1.005, 0.995, 1.002, 0.998, 1.0];
    const row = compareWitness({
      point: "cross-node:TCP_STREAM:16384",
      metric: "throughputMbps",
      witness: "iperf3",
      netperf: pairs(BASE, RATIO_127),
      witnessPairs: pairs(
        BASE,
        BASE.map((b, i) => b * 1.1 * (noisy[i] as number)),
      ),
    });
    expect(row.agreement).toBe("disagree");
    const warning = witnessDisagreement([row]);
    expect(warning?.subjects).toEqual(["cross-node:TCP_STREAM:16384/throughputMbps/iperf3"]);
    expect(warning?.reason).toMatch(/netperf 1\.27\d \[1\.2\d\d, 1\.2\d\d\], iperf3 1\.10\d \[/);
  });

  it("is undecided with fewer common blocks than an interval needs, and refuses a block twice", () => {
    const row = compareWitness({
      point: "p",
      metric: "p50Us",
      witness: "sockperf",
      netperf: pairs(BASE, RATIO_127),
      witnessPairs: pairs(BASE.slice(0, 3), RATIO_127.slice(0, 3)),
    });
    expect(row.blocks).toEqual([0, 1, 2]);
    expect(row.agreement).toBe("undecided");
    const twice = [...pairs(BASE, RATIO_127), { block: 0, baseline: 1, candidate: 1 }];
    expect(() =>
      compareWitness({ point: "p", metric: "p50Us", witness: "sockperf", netperf: twice, witnessPairs: [] }),
    ).toThrow(/netperf has two pairs for one block at p/);
  });
});

describe("witnessDisagreement, word for word", () => {
  it("quotes each disagreeing row's two ratios and intervals to 3 decimals, and names its subject", () => {
    const estimate = (ratio: number, ciLow: number | null, ciHigh: number | null) => ({
      ratio,
      ciLow,
      ciHigh,
      pValue: 0.01,
      n: 8,
      paired: true,
      sdLogRatio: 0.01,
      decidable: ciLow !== null,
    });
    const row = (point: string, agreement: "agree" | "disagree" | "undecided") => ({
      point,
      metric: "p50Us" as const,
      witness: "sockperf" as const,
      blocks: [1, 2],
      netperf: estimate(1.2714, 1.26, 1.28),
      witnessRatio: estimate(1.1, 1.0904, 1.11),
      agreement,
    });
    expect(witnessDisagreement([row("a", "agree"), row("b", "undecided")])).toBeNull();
    expect(witnessDisagreement([row("a", "disagree"), row("b", "agree"), row("c", "disagree")])).toEqual({
      kind: "witness-disagrees",
      reason:
        "netperf and a second witness measured eBPF/legacy ratios whose 95% intervals do not overlap (a p50Us: netperf 1.271 [1.260, 1.280], sockperf 1.100 [1.090, 1.110]; c p50Us: netperf 1.271 [1.260, 1.280], sockperf 1.100 [1.090, 1.110])",
      hint: "the tools measure differently (message sizes, timing, one message or stream vs another): check the witness's trials, and do not quote netperf's ratio at these points without saying so",
      subjects: ["a/p50Us/sockperf", "c/p50Us/sockperf"],
    });
  });
});

describe("the non-overlap rule, simulated (n = 8 pairs, 4,000 seeded points per cell)", () => {
  for (const shape of ["normal", "t3"] as const) {
    it(`rarely calls tools measuring the same ratio in disagreement (${shape} noise): ≤ 1.5%`, {
      tags: ["slow"],
    }, () => {
      for (const sd of [0.03, 0.1]) {
        const rates = agreementRates({ pairs: 8, sd, gap: 0, shape }, 4000, 11);
        expect(rates.disagree, `sd ${sd}`).toBeLessThanOrEqual(0.015);
        expect(rates.undecided).toBe(0);
      }
    });

    it(`flags a planted 10% difference in ≥ 95% of points at a 3% per-pair spread (${shape} noise)`, {
      tags: ["slow"],
    }, () => {
      expect(
        agreementRates({ pairs: 8, sd: 0.03, gap: 0.1, shape }, 4000, 12).disagree,
      ).toBeGreaterThanOrEqual(0.95);
    });
  }

  it("loses that power when each tool's per-pair spread is 10% (so a clean table is no proof there)", {
    tags: ["slow"],
  }, () => {
    expect(agreementRates({ pairs: 8, sd: 0.1, gap: 0.1, shape: "normal" }, 4000, 13).disagree).toBeLessThan(
      0.3,
    );
  });
});
