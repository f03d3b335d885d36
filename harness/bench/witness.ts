/**
 * `npm run bench:witness`: how often netperf and a witness are called in disagreement
 * (stats/witness.ts: non-overlapping 95% intervals), from seeded simulated points (assumptions
 * in witness-simulation.ts). For each per-pair log-ratio spread, noise shape, number of pairs
 * and true gap between the tools: the share of points judged "disagree". Prints Markdown;
 * asserts nothing.
 */
import { agreementRates, type NoiseShape } from "./witness-simulation.js";

const RUNS = Number(process.env.WITNESS_RUNS ?? 4000);
const SDS = [0.01, 0.03, 0.05, 0.1];
const GAPS = [0, 0.05, 0.1];
const PAIRS = [6, 8, 12];
const SHAPES: NoiseShape[] = ["normal", "t3"];

const rows = [
  `| per-pair sd | noise | gap | ${PAIRS.map((n) => `n = ${n}`).join(" | ")} |`,
  `| --- | --- | --- | ${PAIRS.map(() => "---").join(" | ")} |`,
];
for (const sd of SDS) {
  for (const shape of SHAPES) {
    for (const gap of GAPS) {
      const cells = PAIRS.map((pairs) => {
        const rates = agreementRates({ pairs, sd, gap, shape }, RUNS, 1);
        return `${(rates.disagree * 100).toFixed(1)}%`;
      });
      rows.push(`| ${sd * 100}% | ${shape} | ${gap * 100}% | ${cells.join(" | ")} |`);
    }
  }
}
console.log(`Share of points judged "disagree" (${RUNS} seeded points per cell):\n`);
console.log(rows.join("\n"));
