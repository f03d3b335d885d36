/**
 * Seeded simulation of the witness verdict (stats/witness.ts): netperf and a witness measure the
 * eBPF/legacy ratio of one point over the same n interleaved blocks, and `compareWitness` says
 * whether they agree. Shared by its unit tests and `npm run bench:witness`. Not measurements.
 *
 * What it assumes:
 * - each block has a machine state (lognormal drift, sd 0.3 on the log scale) shared by both
 *   modes and both tools: interleaving cancels it in each per-pair ratio;
 * - each trial has its own lognormal noise, independent between the tools, so that a tool's
 *   per-pair log ratio has standard deviation `sd`; its shape is normal or Student t with 3 df
 *   (heavy tails), scaled to that sd;
 * - the witness's true ratio is netperf's times (1 + gap): gap 0 is "both measure the same".
 */
import type { Agreement } from "../stats/witness.js";
import { compareWitness } from "../stats/witness.js";
import { type Random, seededRandom } from "../util/random.js";

export type NoiseShape = "normal" | "t3";

export interface AgreementScenario {
  pairs: number;
  /** Standard deviation of each tool's per-pair log ratio. */
  sd: number;
  /** Relative difference of the witness's true ratio from netperf's. */
  gap: number;
  shape: NoiseShape;
}

export type AgreementRates = Record<Agreement, number>;

function normal(random: Random): number {
  // Box–Muller
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Unit-variance noise of the given shape. */
function noise(random: Random, shape: NoiseShape): number {
  if (shape === "normal") return normal(random);
  const chi = normal(random) ** 2 + normal(random) ** 2 + normal(random) ** 2;
  return normal(random) / Math.sqrt(chi / 3) / Math.sqrt(3);
}

const NETPERF_RATIO = 1.2;

/** Shares of `runs` simulated points judged agree, disagree and undecided. */
export function agreementRates(scenario: AgreementScenario, runs: number, seed: number): AgreementRates {
  const random = seededRandom(seed);
  const counts: AgreementRates = { agree: 0, disagree: 0, undecided: 0 };
  // each trial's own noise: two trials per pair, so sd/√2 each gives the pair's ratio sd
  const trial = () => Math.exp((scenario.sd / Math.SQRT2) * noise(random, scenario.shape));
  for (let run = 0; run < runs; run++) {
    const netperf = [];
    const witness = [];
    for (let block = 0; block < scenario.pairs; block++) {
      const drift = Math.exp(0.3 * normal(random));
      netperf.push({
        block,
        baseline: 16000 * drift * trial(),
        candidate: 16000 * drift * NETPERF_RATIO * trial(),
      });
      const ratio = NETPERF_RATIO * (1 + scenario.gap);
      witness.push({ block, baseline: 9000 * drift * trial(), candidate: 9000 * drift * ratio * trial() });
    }
    const row = compareWitness({
      point: "same-node:TCP_RR:1,1",
      metric: "transactionsPerSec",
      witness: "sockperf",
      netperf,
      witnessPairs: witness,
    });
    counts[row.agreement]++;
  }
  return { agree: counts.agree / runs, disagree: counts.disagree / runs, undecided: counts.undecided / runs };
}
