/**
 * `npm run bench:estimators`: the within-run estimator against robust ones under the burst
 * model of a noisy host (estimator-simulation.ts): coverage of the quiet ratio, mean interval
 * half-width, bias and 95th-percentile error, per pair count of the profiles. Prints a table;
 * asserts nothing (test/unit/stats/estimators.test.ts holds the claims).
 */
import { PAIR_COUNTS, type Scenario, simulate } from "./estimator-simulation.js";

const RUNS = Number(process.env.RUNS ?? 4000);
const scenarios: [string, Scenario][] = [
  ["quiet (sd 0.03, no bursts)", { sd: 0.03, burstShare: 0, bursts: "either" }],
  ["bursts in 25% of pairs, either mode", { sd: 0.03, burstShare: 0.25, bursts: "either" }],
  ["bursts in 25% of pairs, candidate only", { sd: 0.03, burstShare: 0.25, bursts: "candidate" }],
];
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`${RUNS} seeded runs per cell; truth 1.15; burst = one trial 15–30% slow`);
for (const [title, scenario] of scenarios) {
  console.log(`\n${title}`);
  console.log("estimator                          n  coverage  ±width   bias   |err| p95");
  PAIR_COUNTS.forEach((n, i) => {
    for (const row of simulate(scenario, n, RUNS, 1000 + i)) {
      console.log(
        `${row.estimator.padEnd(32)} ${String(n).padStart(3)}  ${pct(row.coverage).padStart(7)}  ${pct(row.halfWidth).padStart(6)}  ${pct(row.bias).padStart(6)}  ${pct(row.error95).padStart(6)}`,
      );
    }
  });
}
