/**
 * `npm run bench:history`: the detection table of `history check`'s step detector beside PELT's,
 * from seeded simulated series of 12 runs (assumptions in history-simulation.ts). For each
 * true step at the eighth run (none, 5%, 10%), normal or heavy-tailed run-to-run drift, and the
 * α a series gets (5% alone, 5%/44 as one of the blog sweep's 44 series): the share of series
 * with any step reported, found within ±1 run, exactly at it, and the mean distance of those
 * found. Prints Markdown (the README's table is pasted from it); asserts nothing.
 */
import { type DetectionRates, detectionRates, type SeriesScenario } from "./history-simulation.js";

const SERIES = Number(process.env.HISTORY_SERIES ?? 4000);
const base: SeriesScenario = { runs: 12, drift: 0.015, ownSe: 0.012, step: 0, stepAt: 7 };

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const cells = (r: DetectionRates) =>
  `${percent(r.anyStep)} | ${percent(r.detected)} | ${percent(r.exact)} | ${Number.isNaN(r.meanDelay) ? "–" : r.meanDelay.toFixed(3)}`;

const rows = [
  "| detector | α per series | drift | true step | any step reported | found ±1 run | exactly | mean distance (runs) |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
];
for (const heavyTails of [false, true])
  for (const step of [0, -0.05, -0.1])
    for (const [detector, alpha, alphaText] of [
      ["e-divisive", 0.05, "5%"],
      ["e-divisive", 0.05 / 44, "5%/44"],
      ["pelt", 0, "(BIC penalty)"],
    ] as const) {
      const rates = detectionRates({ ...base, step, heavyTails }, detector, {
        series: SERIES,
        seed: 1,
        alpha,
      });
      rows.push(
        `| ${detector === "pelt" ? "PELT" : "E-divisive + t"} | ${alphaText} | ${heavyTails ? "t₃" : "normal"} | ${step === 0 ? "none" : `${Math.round(-step * 100)}% worse`} | ${cells(rates)} |`,
      );
    }
console.log(
  `${SERIES} series of ${base.runs} runs each, run-to-run drift ${base.drift * 100}% and each run's own median error ${base.ownSe * 100}% (log SD), step at run ${base.stepAt + 1}:\n`,
);
console.log(rows.join("\n"));
