/**
 * `npm run bench:send-ring`: what netperf's send ring costs and changes under fixed socket
 * buffers. netperf sends from a ring of socket-buffer / message-size + 1 buffers (nettest_omni.c:
 * `send_width = (lss_size/send_size) + 1`), each malloc'd and filled before the test. With the
 * lab's fixed 4 MiB buffers (the kernel reports 8 MiB) that is 131,073 buffers for 64 B
 * messages, about 10 MiB set up per trial and walked during it; with autotuning (the 16 KiB
 * default send buffer) netperf would use 257. routebench passes `-W` with the width netperf
 * picks under the default buffer (netperf/argv.ts, sendRingWidth). `--receive` adds `-M 131072`
 * to both designs (netserver's receive calls as under autotuning, instead of 8 MiB ones).
 *
 * Same-node TCP_STREAM eBPF/legacy on the lab through the real trial loop (`runSweep`, path
 * proof and all), two designs interleaved round by round in the same minutes (order shuffled
 * per round): "-W as routebench passes it" and "netperf's own ring" (the same argv with -W
 * removed by this script's runner). Prints per design and size: the pooled eBPF/legacy ratio
 * with its 95% interval, the per-pair sd of the log ratio, the median throughput per mode, and
 * how long netperf's process ran beyond its ELAPSED_TIME. Asserts nothing; needs root and the
 * lab (it brings it up and down itself).
 *
 *   npm run bench:send-ring [-- --rounds 4] [--sizes 64,1024] [--repetitions 3] [--receive]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median } from "simple-statistics";
import type { Results } from "../results/schema.js";
import { pairedRatio } from "../stats/ratio.js";
import { seededRandom, shuffled } from "../util/random.js";
import { processRunner, type Runner } from "../util/runner.js";
import { labSweeps } from "./lab-sweeps.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    sizes: { type: "string", default: "64,1024" },
    repetitions: { type: "string", default: "3" },
    receive: { type: "boolean", default: false },
  },
});
const SIZES = options.sizes.split(",").map(Number);
const dir = mkdtempSync(join(tmpdir(), "routebench-send-ring-"));

/** `argv` without `option` and its value after netperf's `--` (its test-specific options). */
function withoutSpecific(argv: readonly string[], option: string): string[] {
  const at = argv.indexOf(option, argv.indexOf("--"));
  return at < 0 ? [...argv] : argv.filter((_, i) => i !== at && i !== at + 1);
}

/** netperf's argv as `design` runs it: routebench's, or without -W; with `-M 131072` under --receive. */
function asDesigned(argv: readonly string[], ownRing: boolean): string[] {
  const ring = ownRing ? withoutSpecific(argv, "-W") : [...argv];
  if (!options.receive) return ring;
  const selectors = ring.indexOf("-o", ring.indexOf("--"));
  return [...ring.slice(0, selectors), "-M", "131072", ...ring.slice(selectors)];
}

const designRunner = (ownRing: boolean): Runner => ({
  run: (argv, runOptions) =>
    processRunner.run(argv.includes("netperf") ? asDesigned(argv, ownRing) : argv, runOptions),
});

const DESIGNS = [
  { name: "-W default ring", runner: designRunner(false) },
  { name: "netperf's own ring", runner: designRunner(true) },
] as const;

const runLab = labSweeps("bench:send-ring", dir);

async function once(design: (typeof DESIGNS)[number], round: number): Promise<Results> {
  const name = `${design === DESIGNS[0] ? "w" : "own"}-${round}`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      "name: send-ring",
      "modes: [legacy, ebpf]",
      "placements: [same-node]",
      `tests: [{test: TCP_STREAM, messageSizes: [${SIZES.join(", ")}]}]`,
      "duration: 2",
      `repetitions: ${options.repetitions}`,
      `seed: ${round}`,
      "",
    ].join("\n"),
  );
  return runLab(name, file, design.runner);
}

type Pair = { legacy: number; ebpf: number };
const pairs = new Map<string, Pair[]>();
const extraMs = new Map<string, number[]>();
const rates = new Map<string, number[]>();
const push = <T>(map: Map<string, T[]>, key: string, ...values: T[]) =>
  map.set(key, [...(map.get(key) ?? []), ...values]);

console.log(
  `bench:send-ring — same-node TCP_STREAM ${SIZES.join(", ")} B eBPF/legacy, fixed 4 MiB buffers${options.receive ? ", -M 131072 in both designs" : ""}, ${options.rounds} rounds × ${options.repetitions} pairs per design and size, designs interleaved`,
);
const random = seededRandom(11);
for (let round = 1; round <= Number(options.rounds); round++) {
  for (const design of shuffled([...DESIGNS], random)) {
    const results = await once(design, round);
    for (const size of SIZES) {
      const key = `${design.name}|${size}`;
      const mine = results.trials.filter((t) => t.state === "completed" && t.point.size === String(size));
      for (const t of mine) {
        if (t.phasesMs?.netperf !== undefined && t.elapsedSec !== undefined)
          push(extraMs, key, t.phasesMs.netperf - t.elapsedSec * 1000);
        if (t.metrics?.throughputMbps !== undefined)
          push(rates, `${key}|${t.mode}`, t.metrics.throughputMbps);
      }
      for (const block of new Set(mine.map((t) => t.block))) {
        const value = (mode: string) =>
          mine.find((t) => t.block === block && t.mode === mode)?.metrics?.throughputMbps;
        const legacy = value("legacy");
        const ebpf = value("ebpf");
        if (legacy && ebpf) push(pairs, key, { legacy, ebpf });
      }
    }
  }
  console.log(`  round ${round} done`);
}
const fmt = (x: number | null | undefined, d = 3) => (x == null ? "–" : x.toFixed(d));
for (const size of SIZES)
  for (const design of DESIGNS) {
    const key = `${design.name}|${size}`;
    const mine = pairs.get(key) ?? [];
    const estimate = pairedRatio(
      mine.map((p) => p.legacy),
      mine.map((p) => p.ebpf),
    );
    const med = (xs: number[] | undefined) => (xs && xs.length > 0 ? median(xs) : null);
    console.log(
      `  ${String(size).padStart(5)} B ${design.name.padEnd(24)} ${mine.length} pairs, eBPF/legacy ${fmt(estimate?.ratio)} [${fmt(estimate?.ciLow)}–${fmt(estimate?.ciHigh)}], per-pair sd ${fmt(estimate?.sdLogRatio)}, median legacy ${fmt(med(rates.get(`${key}|legacy`)), 0)} / eBPF ${fmt(med(rates.get(`${key}|ebpf`)), 0)} Mbit/s, netperf beyond ELAPSED median ${fmt(med(extraMs.get(key)), 0)} ms`,
    );
  }
console.log(`  results: ${dir}`);
