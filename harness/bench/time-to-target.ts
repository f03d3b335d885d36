/**
 * `npm run bench:time-to-target -- [--target 3] <run folder>…`: how many minutes of trials a
 * sweep needs on a machine for every comparison of its precision pair (eBPF/legacy) to reach
 * ±target %, at the spread its own runs saw (stats/precision-shortfall.ts `timeToTarget`: per
 * point the pairs its widest comparison needs, at least the sweep's repetitions, times the
 * seconds one of its pairs took): about the time a run with perfect allocation would need,
 * so a budget well below it leaves some comparison short at that spread. The t quantile at the run's
 * n makes it a slight overestimate for points with few pairs. Beside it, each run's minutes
 * spent, its comparisons within the target, the median legacy same-node TCP_RR rate (the
 * host's speed) and the points that need the most. No lab: it reads runs already made. It
 * prints figures and asserts nothing.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { median } from "simple-statistics";
import { readResults } from "../results/read.js";
import { precisionPair } from "../stats/point-comparison.js";
import { cleanPairsShort, timeToTarget } from "../stats/precision-shortfall.js";
import { trialSeconds } from "../stats/trial-seconds.js";

const { values, positionals: dirs } = parseArgs({
  options: { target: { type: "string", default: "3" } },
  allowPositionals: true,
});
const target = Number(values.target);
if (!(target > 0) || dirs.length === 0) {
  console.error("usage: npm run bench:time-to-target -- [--target PCT] <run folder>…");
  process.exit(2);
}

const minutes = (sec: number) => (sec / 60).toFixed(1);
console.log(
  `minutes of trials for every comparison within ±${target}% at each run's own spread (perfect allocation)`,
);
for (const dir of dirs) {
  const results = await readResults(dir);
  const pair = precisionPair(results.sweep.modes);
  if (!pair) {
    console.log(`${basename(dir)}: no precision pair (modes ${results.sweep.modes.join(", ")})`);
    continue;
  }
  const compared = results.summary.comparisons.filter(
    (c) => c.baseline === pair.baseline && c.candidate === pair.candidate,
  );
  const need = timeToTarget(results.sweep, pair, compared, results.trials, target);
  // within the target on pairs that decide (an interval over pairs kept noisy reaches nothing)
  const within = compared.filter(
    (c) => c.halfWidth !== null && c.halfWidth * 100 <= target && cleanPairsShort(c) === 0,
  ).length;
  const host = results.trials.filter(
    (t) =>
      t.state === "completed" &&
      t.mode === "legacy" &&
      t.point.placement === "same-node" &&
      t.point.test === "TCP_RR",
  );
  const tps = host.flatMap((t) => (t.metrics?.transactionsPerSec ? [t.metrics.transactionsPerSec] : []));
  const most = [...need.points]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 3)
    .map((n) => `${n.pointId} ${n.metric} ${n.pairs} pairs ${minutes(n.seconds)} min`);
  console.log(
    [
      `${basename(dir)}: needs ${minutes(need.seconds)} min`,
      `spent ${minutes(trialSeconds(results.trials))}`,
      `${within}/${compared.length} within ±${target}%`,
      `legacy same-node TCP_RR ${tps.length > 0 ? `${(median(tps) / 1000).toFixed(1)}k trans/s` : "not run"}`,
      `most: ${most.join("; ")}`,
    ].join(" | "),
  );
}
