/**
 * `npm run bench:trial-length`: at one cost in time, do longer trials or more pairs give the
 * narrower interval? (issue 21: on a noisy VM the default sweep's 1–4 KiB streams and TCP_RR
 * P99 stop far from ±3% when the time budget runs out.)
 *
 * It runs TCP_RR 1,1 and TCP_STREAM at SIZES, same- and cross-node, legacy against eBPF, at
 * each trial length of LENGTHS seconds, with as many blocks as make about the same netperf time
 * (BUDGET seconds per point and mode), ROUNDS times, the lengths in a rotated order each round
 * so that every length sees the same minutes of the host. Per point and length it prints the sd
 * of the pairs' log ratios (eBPF/legacy; within each run, pooled over rounds), the wall seconds
 * one pair took (the trial loop's time over its pairs: switches, reads and repeats included),
 * and the half-width that sd gives in 60 s of pair time (≈ 2 · sd · √(seconds per pair / 60)):
 * the figure to compare, lower is better. It asserts nothing. Needs root and the lab (it
 * brings it up and down).
 *
 *   npm run bench:trial-length [-- --rounds 2] [--lengths 1,2,4] [--budget 24] [--sizes 1024,4096] [--seed 5]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Results, TrialRecord } from "../results/schema.js";
import { processRunner } from "../util/runner.js";
import { labSweeps } from "./lab-sweeps.js";
import { requirePositiveIntegers } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    lengths: { type: "string", default: "1,2,4" },
    budget: { type: "string", default: "24" },
    sizes: { type: "string", default: "1024,4096" },
    seed: { type: "string", default: "5" },
  },
});
const ROUNDS = Number(options.rounds);
const LENGTHS = options.lengths.split(",").map(Number);
const SIZES = options.sizes.split(",").map(Number);
const BUDGET_SEC = Number(options.budget);
const SEED = Number(options.seed);
requirePositiveIntegers([
  ["rounds", ROUNDS],
  ["budget", BUDGET_SEC],
  ["seed", SEED + 1],
  ...LENGTHS.map((l) => ["lengths", l] as const),
  ...SIZES.map((s) => ["sizes", s] as const),
]);

const dir = mkdtempSync(join(tmpdir(), "routebench-trial-length-"));
const run = labSweeps("bench:trial-length", dir);

/** Blocks at `lengthSec`: about BUDGET_SEC of netperf per point and mode, at least 3. */
const blocks = (lengthSec: number) => Math.max(3, Math.round(BUDGET_SEC / lengthSec));

function sweepYaml(lengthSec: number, seed: number): string {
  return [
    `name: length-${lengthSec}s`,
    "modes: [legacy, ebpf]",
    "placements: [same-node, cross-node]",
    "tests:",
    `  - {test: TCP_STREAM, messageSizes: [${SIZES.join(", ")}]}`,
    '  - {test: TCP_RR, sizes: ["1,1"], percentiles: [99]}',
    `duration: ${lengthSec}`,
    `repetitions: ${blocks(lengthSec)}`,
    `maxRepetitions: ${blocks(lengthSec)}`,
    `seed: ${seed}`,
    "",
  ].join("\n");
}

/** The series one run gives: a point's metric, its per-block log ratios eBPF/legacy. */
type Series = Map<string, number[]>;

function seriesOf(results: Results): Series {
  const byPair = new Map<string, Partial<Record<string, TrialRecord>>>();
  for (const t of results.trials.filter((t) => t.state === "completed")) {
    const key = `${t.point.key}#${t.block}`;
    byPair.set(key, { ...byPair.get(key), [t.mode]: t });
  }
  const series: Series = new Map();
  for (const pair of byPair.values()) {
    const { legacy, ebpf } = pair;
    if (!(legacy && ebpf)) continue;
    const metrics = legacy.point.test === "TCP_RR" ? ["transactionsPerSec", "p99Us"] : ["throughputMbps"];
    for (const metric of metrics) {
      const a = (legacy.metrics as Record<string, number | undefined>)[metric];
      const b = (ebpf.metrics as Record<string, number | undefined>)[metric];
      if (!(a && b)) continue;
      const name = `${legacy.point.key} ${metric}`;
      series.set(name, [...(series.get(name) ?? []), Math.log(b / a)]);
    }
  }
  return series;
}

/** The trial loop's wall seconds per pair: first start to last end, over the pairs it completed. */
function secondsPerPair(results: Results): number {
  const all = results.trials;
  const first = Math.min(...all.map((t) => Date.parse(t.startedAt)));
  const last = Math.max(...all.map((t) => Date.parse(t.finishedAt)));
  const pairs = all.filter((t) => t.state === "completed").length / 2;
  return (last - first) / 1000 / Math.max(1, pairs);
}

/** Pooled within-run sd: each run's own mean removed, so a shift between runs does not count. */
function pooledSd(runs: number[][]): number {
  let ss = 0;
  let df = 0;
  for (const xs of runs) {
    if (xs.length < 2) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    ss += xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    df += xs.length - 1;
  }
  return df > 0 ? Math.sqrt(ss / df) : Number.NaN;
}

const runs = new Map<number, { series: Series; secPerPair: number }[]>();
console.log(
  `bench:trial-length — TCP_STREAM ${SIZES.join(", ")} B and TCP_RR 1,1, legacy vs eBPF, same- and cross-node; trial lengths ${LENGTHS.join(", ")} s with ~${BUDGET_SEC} s of netperf per point and mode each; ${ROUNDS} round(s); ${dir}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = LENGTHS.map((_, i) => LENGTHS[(i + round) % LENGTHS.length] as number);
  for (const length of order) {
    const name = `length-${length}s-${round + 1}`;
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, sweepYaml(length, SEED + round));
    const started = performance.now();
    const results = await run(name, file, processRunner);
    const wall = (performance.now() - started) / 1000;
    const secPerPair = secondsPerPair(results);
    runs.set(length, [...(runs.get(length) ?? []), { series: seriesOf(results), secPerPair }]);
    const repeated = results.trials.filter((t) => t.state !== "completed").length;
    console.log(
      `  round ${round + 1}, ${length} s trials: ${blocks(length)} blocks, ${wall.toFixed(0)} s in all, ${secPerPair.toFixed(2)} s per pair, ${repeated} attempts repeated or rejected`,
    );
  }
}

const names = [
  ...new Set([...runs.values()].flatMap((list) => list.flatMap((r) => [...r.series.keys()]))),
].sort();
console.log(
  "\nhalf-width in 60 s of pair time (≈ 2·sd·√(s per pair / 60), lower is better), and the pair log-ratio sd:",
);
console.log(`  ${"series".padEnd(44)} ${LENGTHS.map((l) => `${l} s`.padStart(22)).join("")}`);
for (const name of names) {
  const cells = LENGTHS.map((length) => {
    const list = runs.get(length) ?? [];
    const sd = pooledSd(list.map((r) => r.series.get(name) ?? []));
    const secPerPair = list.reduce((a, r) => a + r.secPerPair, 0) / Math.max(1, list.length);
    const hw = 2 * sd * Math.sqrt(secPerPair / 60);
    return `±${(hw * 100).toFixed(2)}% (sd ${(sd * 100).toFixed(1)}%)`.padStart(22);
  });
  console.log(`  ${name.padEnd(44)} ${cells.join("")}`);
}
console.log(`results in ${dir}`);
