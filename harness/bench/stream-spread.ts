/**
 * `npm run bench:stream-spread [-- <run folder>…]`: why a stream comparison's interval is as
 * wide as it is (issue 21: on a noisy VM the default sweep's streams stop short of ±3%). For
 * every single-stream stream point of each run, eBPF against legacy, it prints the anatomy of
 * the pairs' spread (bench/stream-spread-anatomy.ts): the pair sd the interval pays for, each
 * mode's trial-to-trial sd, the correlation of a pair's two trials (what pairing cancels), the
 * trial sd that the noise inside a trial (its 0.25 s interim rates) would give on its own, and,
 * for TCP_STREAM, the correlation of a trial's throughput with its bytes per receive call.
 *
 * With run folders it reads them (no lab). Without, it runs its own sweep on the lab first
 * (needs root): TCP_STREAM at --sizes and UDP_STREAM at the first size, both message sizes the
 * same on the wire, at --placements, --blocks interleaved pairs of --duration s trials. UDP_STREAM
 * is the control: the same host, the same routing and the same copies, without TCP's state.
 * It asserts nothing.
 *
 *   npm run bench:stream-spread [-- --blocks 12] [--sizes 1024,4096] [--placements same-node] [--duration 2] [--seed 3]
 *   npm run bench:stream-spread -- results/<run>…
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DIP_THRESHOLD_PCT, INTERIM_SEC, STREAM_DIP_THRESHOLD_PCT } from "../netperf/interim.js";
import { readResults } from "../results/read.js";
import { UNSTEADY_RULE } from "../run/trial-output.js";
import { processRunner } from "../util/runner.js";
import { labSweeps } from "./lab-sweeps.js";
import {
  type DipSelection,
  dipSelection,
  type ModeSpread,
  type StreamSpread,
  streamSpreads,
} from "./stream-spread-anatomy.js";
import { requirePositiveIntegers } from "./timing.js";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    blocks: { type: "string", default: "12" },
    sizes: { type: "string", default: "1024,4096" },
    placements: { type: "string", default: "same-node" },
    duration: { type: "string", default: "2" },
    seed: { type: "string", default: "3" },
  },
});
const SIZES = options.sizes.split(",").map(Number);
requirePositiveIntegers([
  ["blocks", Number(options.blocks)],
  ["duration", Number(options.duration)],
  ["seed", Number(options.seed) + 1],
  ...SIZES.map((s) => ["sizes", s] as const),
]);
const PLACEMENTS = options.placements.split(",");
for (const p of PLACEMENTS)
  if (p !== "same-node" && p !== "cross-node")
    throw new Error(`--placements takes same-node and cross-node, got ${JSON.stringify(p)}`);

async function labRun(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "routebench-stream-spread-"));
  const file = join(dir, "stream-spread.yaml");
  writeFileSync(
    file,
    [
      "name: stream-spread",
      "modes: [legacy, ebpf]",
      `placements: [${PLACEMENTS.join(", ")}]`,
      "tests:",
      `  - {test: TCP_STREAM, messageSizes: [${SIZES.join(", ")}]}`,
      `  - {test: UDP_STREAM, messageSizes: [${SIZES[0]}]}`,
      `duration: ${options.duration}`,
      `repetitions: ${options.blocks}`,
      `maxRepetitions: ${options.blocks}`,
      `seed: ${options.seed}`,
      "",
    ].join("\n"),
  );
  console.log(
    `running TCP_STREAM ${SIZES.join(", ")} B and UDP_STREAM ${SIZES[0]} B, ${PLACEMENTS.join(" and ")}, legacy and eBPF, ${options.blocks} interleaved pairs of ${options.duration} s trials; ${dir}`,
  );
  await labSweeps("bench:stream-spread", dir)("run", file, processRunner);
  return join(dir, "run");
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const r = (x: number | null) => (x === null ? "–" : x.toFixed(2));
const both = (s: StreamSpread, f: (m: ModeSpread) => string) => `${f(s.baseline)} / ${f(s.candidate)}`;

const dirs = positionals.length > 0 ? positionals : [await labRun()];
console.log(
  "bench:stream-spread — eBPF against legacy; per cell legacy / eBPF where two figures\n" +
    "  pair sd: sd of the pairs' ln(eBPF/legacy), what the interval pays for\n" +
    "  trial sd: each mode's ln(throughput) sd, trial to trial\n" +
    "  pair r: correlation of a pair's two trials (1 − pair var / (var₁ + var₂) if their sds are equal): what pairing cancels\n" +
    "  interim-only sd: the trial sd the 0.25 s interim rates' own spread gives (their sd / √intervals)\n" +
    "  r(bytes/recv): correlation of a TCP trial's ln(throughput) with ln(bytes per receive call)",
);
const THRESHOLDS = [DIP_THRESHOLD_PCT, STREAM_DIP_THRESHOLD_PCT];
const dips: DipSelection[] = [];
for (const dir of dirs) {
  const results = await readResults(dir);
  dips.push(dipSelection(results.trials, "legacy", "ebpf", THRESHOLDS, UNSTEADY_RULE));
  const spreads = streamSpreads(results.trials, results.sweep.order, "legacy", "ebpf", INTERIM_SEC);
  console.log(`\n${dir} (${results.environment.cpuModel ?? "?"})`);
  console.log(
    `  ${"point".padEnd(30)} ${"pairs".padStart(5)} ${"pair sd".padStart(8)} ${"trial sd".padStart(15)} ${"pair r".padStart(7)} ${"interim-only sd".padStart(16)} ${"r(bytes/recv)".padStart(14)}`,
  );
  for (const s of spreads) {
    console.log(
      `  ${s.pointKey.padEnd(30)} ${String(s.pairs).padStart(5)} ${pct(s.pairSd).padStart(8)} ${both(s, (m) => pct(m.trialSd)).padStart(15)} ${r(s.pairCorrelation).padStart(7)} ${both(s, (m) => pct(m.interimTrialSd)).padStart(16)} ${both(s, (m) => r(m.recvCorrelation)).padStart(14)}`,
    );
  }
  if (spreads.length === 0) console.log("  no single-stream stream point with 3 or more pairs");
}

// the in-trial steadiness rule on these stream trials, over every run given
const sum = (f: (d: DipSelection) => number) => dips.reduce((a, d) => a + f(d), 0);
const share = (mode: string, i: number) => {
  const judged = sum((d) => d.attempts[mode]?.judged ?? 0);
  const dipped = sum((d) => d.attempts[mode]?.dipped[i] ?? 0);
  return `${dipped} of ${judged} (${judged ? ((100 * dipped) / judged).toFixed(1) : "–"}%)`;
};
const pairs = sum((d) => d.pairs);
console.log(
  `\nstream attempts whose interim rate dipped below their median interval (${UNSTEADY_RULE}), over ${dirs.length} run(s):`,
);
for (const [i, threshold] of THRESHOLDS.entries())
  console.log(`  more than ${threshold}%: legacy ${share("legacy", i)}, eBPF ${share("ebpf", i)}`);
console.log(
  `pairs whose kept trials replaced a first attempt repeated for a dip: ${sum((d) => d.changed)} of ${pairs}; the repeats moved the mean ln(eBPF/legacy) over all ${pairs} pairs by ${pairs ? ((-100 * sum((d) => d.shiftSum)) / pairs).toFixed(2) : "–"}%`,
);
