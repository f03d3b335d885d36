/**
 * `npm run bench:stream-buffers`: why TCP_STREAM runs with fixed socket buffers under one-CPU
 * placement. Same-node TCP_STREAM eBPF/legacy on the lab with each `socketBuffers` design
 * (TCP autotuning, fixed 4 MiB as `auto` chooses, fixed 1 MiB), the designs interleaved round
 * by round in the same minutes (their order shuffled per round), 2 pairs per design per round.
 * Prints each design's pooled eBPF/legacy ratio with its 95% interval and the per-pair sd of
 * the log ratio: the spread that decides how many pairs a ±3% interval needs. Asserts nothing.
 *
 *   npm run bench:stream-buffers [-- --rounds 5] [--size 16384] [--duration 2]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readResults } from "../results/read.js";
import { pairedRatio } from "../stats/ratio.js";
import { seededRandom, shuffled } from "../util/random.js";
import { cli } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    size: { type: "string", default: "16384" },
    duration: { type: "string", default: "2" },
  },
});
const dir = mkdtempSync(join(tmpdir(), "routebench-buffers-"));
const DESIGNS = [
  { name: "autotune", setting: "autotune" },
  { name: "fixed 4 MiB (auto)", setting: "auto" },
  { name: "fixed 1 MiB", setting: "1048576" },
] as const;

/** One run of a design: its (legacy, eBPF) throughput per block. */
async function once(setting: string, seed: number): Promise<{ legacy: number; ebpf: number }[]> {
  const sweep = join(dir, `buffers-${setting}-${seed}.yaml`);
  writeFileSync(
    sweep,
    [
      "name: stream-buffers",
      "modes: [legacy, ebpf]",
      "placements: [same-node]",
      `tests: [{test: TCP_STREAM, messageSizes: [${options.size}]}]`,
      `duration: ${options.duration}`,
      "repetitions: 2",
      `socketBuffers: ${setting}`,
      `seed: ${seed}`,
      "",
    ].join("\n"),
  );
  const out = join(dir, `run-${setting}-${seed}`);
  await cli(["run", sweep, "--out", out, "--json"]);
  const results = await readResults(out);
  const value = (block: number, mode: string) =>
    results.trials.find((t) => t.block === block && t.mode === mode && t.state === "completed")?.metrics
      ?.throughputMbps;
  return [...new Set(results.trials.map((t) => t.block))].flatMap((block) => {
    const legacy = value(block, "legacy");
    const ebpf = value(block, "ebpf");
    return legacy && ebpf ? [{ legacy, ebpf }] : [];
  });
}

console.log(
  `bench:stream-buffers — same-node TCP_STREAM ${options.size} B, eBPF/legacy, ${options.rounds} rounds × 2 pairs per design, designs interleaved (${options.duration} s trials, one-CPU placement)`,
);
// one lab for every run: each run finds it up and leaves it so
await cli(["lab", "up", "--iptables-services", "100"]);
const pairs = new Map<string, { legacy: number; ebpf: number }[]>(DESIGNS.map((d) => [d.name, []]));
try {
  const random = seededRandom(7);
  for (let round = 1; round <= Number(options.rounds); round++) {
    for (const design of shuffled([...DESIGNS], random)) {
      pairs.get(design.name)?.push(...(await once(design.setting, round)));
    }
  }
} finally {
  await cli(["lab", "down"]);
}
for (const design of DESIGNS) {
  const mine = pairs.get(design.name) ?? [];
  const estimate = pairedRatio(
    mine.map((p) => p.legacy),
    mine.map((p) => p.ebpf),
  );
  const fmt = (x: number | null | undefined) => (x == null ? "–" : x.toFixed(3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `  ${design.name.padEnd(20)} ${mine.length} pairs, eBPF/legacy ${fmt(estimate?.ratio)} [${fmt(estimate?.ciLow)}–${fmt(estimate?.ciHigh)}], per-pair sd of log ratio ${fmt(estimate?.sdLogRatio)}, mean legacy ${mean(mine.map((p) => p.legacy)).toFixed(0)} / eBPF ${mean(mine.map((p) => p.ebpf)).toFixed(0)} Mbit/s`,
  );
}
console.log(`  results: ${dir}`);
