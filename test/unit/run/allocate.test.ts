/**
 * Which points the adaptive phase extends when the time budget binds (run/adaptive.ts
 * `allocateBlock`): exact cases, and a seeded simulation of the whole budgeted loop showing that
 * it leaves fewer points short of the target than extending every needing point in turn.
 */
import { describe, expect, it } from "vitest";
import {
  allocateBlock,
  blockCap,
  pairsStillNeeded,
  type RepetitionNeed,
} from "../../../harness/run/adaptive.js";
import { cleanPairsShort } from "../../../harness/stats/precision-shortfall.js";
import { studentTQuantile } from "../../../harness/stats/student-t.js";
import type { Point } from "../../../harness/sweep/plan.js";
import { seededRandom } from "../../../harness/util/random.js";

const point = (key: string) => ({ key }) as Point;
const need = (key: string, pairs: number, worstHalfWidth: number | null): RepetitionNeed => ({
  point: point(key),
  pairs,
  worstHalfWidth,
});

describe("blockCap", () => {
  it("is maxRepetitions without a budget, and maxRepetitions per point under one (blocks may hold one point)", () => {
    expect(blockCap({ maxRepetitions: 40, timeBudgetMin: undefined }, 14)).toBe(40);
    // the default sweep: 14 points; one block per point would have ended the run at block 40
    expect(blockCap({ maxRepetitions: 40, timeBudgetMin: 14 }, 14)).toBe(560);
    expect(blockCap({ maxRepetitions: 40, timeBudgetMin: 14 }, 0)).toBe(40);
  });
});

describe("pairsStillNeeded", () => {
  it("is n·(w/target)² less n, rounded up, at least 1; null without an interval", () => {
    expect(pairsStillNeeded(need("a", 19, 0.0326), 3)).toBe(Math.ceil(19 * (3.26 / 3) ** 2 - 19)); // 4
    expect(pairsStillNeeded(need("a", 19, 0.0326), 3)).toBe(4);
    expect(pairsStillNeeded(need("b", 8, 0.06), 3)).toBe(24); // 8 × 4 − 8
    expect(pairsStillNeeded(need("c", 10, 0.0301), 3)).toBe(1);
    expect(pairsStillNeeded(need("d", 3, null), 3)).toBeNull();
  });

  it("is at least the clean pairs a comparison over pairs kept noisy lacks, however narrow its interval", () => {
    // 8 pairs, 5 of them noisy: 3 clean, MIN_PAIRS (6) less 3 = 3 more clean pairs at least
    const noisy = { n: 8, noisyPairs: 5, noisyIncluded: true };
    expect(cleanPairsShort(noisy)).toBe(3);
    expect(cleanPairsShort({ n: 8, noisyPairs: 2, undecidedReason: "noisy-pairs" })).toBe(1);
    expect(cleanPairsShort({ n: 8, noisyPairs: 5 })).toBe(0); // its pairs all count
    expect(pairsStillNeeded({ ...need("e", 8, 0.01), cleanShort: cleanPairsShort(noisy) }, 3)).toBe(3);
    // a wide one needs whichever is more
    expect(pairsStillNeeded({ ...need("f", 8, 0.06), cleanShort: 3 }, 3)).toBe(24);
  });
});

describe("allocateBlock", () => {
  const needs = [
    need("far", 19, 0.0447),
    need("near", 19, 0.0326),
    need("new", 4, null),
    need("mid", 12, 0.036),
  ];
  // still needed: far 19·(4.47/3)²−19 = 23.2 → 24; near 4; mid 12·1.44−12 = 5.28 → 6

  it("extends every needing point when there is no budget", () => {
    expect(allocateBlock(needs, 3, null).map((p) => p.key)).toEqual(["far", "near", "new", "mid"]);
  });

  it("takes points without an interval first, then the fewest-needed while they fit, in plan order", () => {
    expect(pairsStillNeeded(needs[0] as RepetitionNeed, 3)).toBe(24);
    expect(pairsStillNeeded(needs[3] as RepetitionNeed, 3)).toBe(6);
    // 11 left: "new" 1, near 4 (5 left... 6), mid 6 → 0 left; far does not fit
    expect(allocateBlock(needs, 3, 11).map((p) => p.key)).toEqual(["near", "new", "mid"]);
    expect(allocateBlock(needs, 3, 10).map((p) => p.key)).toEqual(["near", "new"]);
    expect(allocateBlock(needs, 3, 40).map((p) => p.key)).toEqual(["far", "near", "new", "mid"]);
  });

  it("when nothing fits, narrows every needing point with what is left", () => {
    expect(allocateBlock([need("far", 19, 0.0447), need("mid", 12, 0.036)], 3, 2).map((p) => p.key)).toEqual([
      "far",
      "mid",
    ]);
    expect(allocateBlock([], 3, 5)).toEqual([]);
  });
});

/**
 * The budgeted loop on simulated points: each point's pairs are normal log ratios with its own
 * spread; an interval is t·sd/√n. Both policies start from the same 8 pairs per point and may run
 * the same number of point-blocks; a point is reached when its interval is within the target.
 */
function simulate(policy: "each" | "allocate", seed: number): number {
  const random = seededRandom(seed);
  const normal = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const target = 3;
  // spreads like the default sweep's points on a noisy host: most easy, a few hard
  const spreads = [0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.055, 0.06, 0.065, 0.07];
  const samples = spreads.map((sd) => Array.from({ length: 8 }, () => sd * normal()));
  const halfWidth = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    return (studentTQuantile(0.975, xs.length - 1) * sd) / Math.sqrt(xs.length);
  };
  let left = 30; // point-blocks the budget allows: fewer than all points need
  for (;;) {
    const needs = samples.flatMap((xs, i) => {
      const w = halfWidth(xs);
      return w * 100 <= target || xs.length >= 40 ? [] : [need(String(i), xs.length, w)];
    });
    if (needs.length === 0) break;
    const chosen = policy === "each" ? needs.map((n) => n.point) : allocateBlock(needs, target, left);
    if (chosen.length > left) break;
    left -= chosen.length;
    for (const p of chosen) {
      const i = Number(p.key);
      samples[i]?.push((spreads[i] as number) * normal());
    }
  }
  return samples.filter((xs) => halfWidth(xs) * 100 <= target).length;
}

describe("the budgeted adaptive loop (seeded simulation)", () => {
  it("leaves fewer points short of the target than extending every needing point in turn", {
    tags: ["slow"],
  }, () => {
    const runs = 300;
    let each = 0;
    let allocate = 0;
    for (let seed = 1; seed <= runs; seed++) {
      each += simulate("each", seed);
      allocate += simulate("allocate", seed + 10_000);
    }
    // means over 300 runs of 10 points; their standard errors are about 0.05 each:
    // the allocation must reach at least half a point more on average
    console.log(
      `points reached, mean of ${runs} runs: each in turn ${each / runs}, allocated ${allocate / runs}`,
    );
    expect(allocate / runs).toBeGreaterThan(each / runs + 0.5);
  });
});
