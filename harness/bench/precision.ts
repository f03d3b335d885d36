/**
 * `npm run bench:precision`: same-node TCP_RR, eBPF against legacy host routing on the lab,
 * run until the 95% interval of the transaction-rate ratio is within ±1%, twice, as two
 * independent runs (different seeds). Prints each run's wall time, pairs used, estimate and
 * interval, and whether the two agree within their intervals. Asserts nothing.
 *
 *   npm run bench:precision [-- --placement unpinned|one-cpu] [--target 1] [--duration 2]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readResults } from "../results/read.js";
import { topologyFacts } from "../results/schema.js";
import { cli } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    placement: { type: "string", default: "auto" },
    target: { type: "string", default: "1" },
    duration: { type: "string", default: "2" },
    runs: { type: "string", default: "2" },
  },
});
const dir = mkdtempSync(join(tmpdir(), "routebench-precision-"));

interface Outcome {
  wallSec: number;
  pairs: number;
  ratio: number;
  ciLow: number | null;
  ciHigh: number | null;
  sdLogRatio: number | null;
  cpu: string;
  rejected: number;
}

async function once(seed: number): Promise<Outcome> {
  const sweep = join(dir, `precision-${seed}.yaml`);
  // percentiles: [] leaves the transaction rate and the mean latency (1/rate) as the compared
  // metrics; whole-µs percentiles cannot reach ±1% at ~15 µs
  writeFileSync(
    sweep,
    [
      "name: precision",
      "modes: [legacy, ebpf]",
      "placements: [same-node]",
      'tests: [{test: TCP_RR, sizes: ["1,1"], percentiles: []}]',
      `duration: ${options.duration}`,
      "repetitions: 8",
      `targetCiPct: ${options.target}`,
      "maxRepetitions: 200",
      `seed: ${seed}`,
      `cpu: {placement: ${options.placement}}`,
      "",
    ].join("\n"),
  );
  const out = join(dir, `run-${seed}`);
  const started = performance.now();
  await cli(["run", sweep, "--out", out, "--json"]);
  const wallSec = (performance.now() - started) / 1000;
  const results = await readResults(out);
  const c = results.summary.comparisons.find(
    (x) => x.metric === "transactionsPerSec" && x.baseline === "legacy" && x.candidate === "ebpf",
  );
  if (!c) throw new Error(`no comparison in ${out}`);
  const logs = [...new Set(results.trials.map((t) => t.block))].flatMap((block) => {
    const v = (mode: string) =>
      results.trials.find((t) => t.block === block && t.mode === mode && t.state === "completed")?.metrics
        ?.transactionsPerSec;
    const b = v("legacy");
    const e = v("ebpf");
    return b && e ? [Math.log(e / b)] : [];
  });
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd =
    logs.length > 1 ? Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1)) : null;
  const placement = topologyFacts(results.environment.topology).cpuPlacement;
  return {
    wallSec,
    pairs: c.n,
    ratio: c.ratio,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    sdLogRatio: sd,
    cpu: placement ? `${placement.policy}${placement.cpus ? ` (CPU ${placement.cpus.join(",")})` : ""}` : "?",
    rejected: results.trials.filter((t) => t.state === "rejected").length,
  };
}

const fmt = (x: number | null, d = 4) => (x === null ? "–" : x.toFixed(d));
console.log(
  `bench:precision — same-node TCP_RR 1,1, eBPF/legacy transaction rate, until the 95% CI is within ±${options.target}% (${options.duration} s trials, ≥ 8 pairs, cpu placement ${options.placement})`,
);
const outcomes: Outcome[] = [];
for (let run = 1; run <= Number(options.runs); run++) {
  const o = await once(run * 101);
  outcomes.push(o);
  const half = o.ciLow !== null && o.ciHigh !== null ? ((o.ciHigh - o.ciLow) / 2 / o.ratio) * 100 : null;
  console.log(
    `  run ${run}: ${o.wallSec.toFixed(0)} s wall, ${o.pairs} pairs, ratio ${fmt(o.ratio)} [${fmt(o.ciLow)}–${fmt(o.ciHigh)}] (±${fmt(half, 2)}%), per-pair sd of log ratio ${fmt(o.sdLogRatio)}, ${o.rejected} attempts rejected, placement ${o.cpu}`,
  );
}
if (outcomes.length >= 2) {
  const [a, b] = outcomes as [Outcome, Outcome];
  const overlap =
    a.ciLow !== null &&
    b.ciLow !== null &&
    a.ciHigh !== null &&
    b.ciHigh !== null &&
    a.ciLow <= b.ciHigh &&
    b.ciLow <= a.ciHigh;
  console.log(
    `  agreement: runs 1 and 2 ${overlap ? "agree" : "DISAGREE"} within their intervals (ratios ${fmt(a.ratio)} and ${fmt(b.ratio)}, ${(((b.ratio - a.ratio) / a.ratio) * 100).toFixed(2)}% apart)`,
  );
}
console.log(`  results: ${dir}`);
