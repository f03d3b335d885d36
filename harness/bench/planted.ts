/**
 * `npm run bench:planted`: issue 21's acceptance on the lab, side by side in one run. It runs
 *   1. a reference: same-node TCP_RR 1,1 eBPF/legacy until its 95% interval is within ±1%
 *      (bench:precision's sweep, 2 s trials);
 *   2. a quiet sweep like a user's: TCP_RR 1,1 same- and cross-node, modes legacy, eBPF and
 *      direct, the sockperf witness, the standard profile (2 s × 8, more until ±3%);
 *   3. the same sweep with a planted slowdown in one netperf trial of every three: the
 *      netperf client this benchmark's runner started is stopped by its pid (SIGSTOP) for
 *      STOP ms at a random moment inside its test, then continued (SIGCONT);
 * ROUNDS times, in that order (interleaved in the same minutes), in-process through
 * `runSweep` with the real lab backend and a runner that knows the pids it spawned. It
 * prints each run's wall time, same- and cross-node eBPF/legacy transaction-rate ratios with
 * their intervals and verdicts, the attempts rejected per rule, and the comparisons the issue
 * asks for. It asserts nothing. Needs root and the lab (it brings it up and down itself).
 *
 *   npm run bench:planted [-- --rounds 1] [--stop-ms 400] [--every 3] [--seed 7]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Results } from "../results/schema.js";
import { seededRandom } from "../util/random.js";
import { processRunner, type Runner } from "../util/runner.js";
import { labSweeps, rateComparison, referenceSweepYaml } from "./lab-sweeps.js";
import { plantStop } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "1" },
    "stop-ms": { type: "string", default: "400" },
    every: { type: "string", default: "3" },
    seed: { type: "string", default: "7" },
  },
});
const STOP_MS = Number(options["stop-ms"]);
const EVERY = Number(options.every);
const DURATION_SEC = 2;
const dir = mkdtempSync(join(tmpdir(), "routebench-planted-"));

/** The real runner; every EVERY-th netperf client it starts is stopped once for STOP_MS. */
function plantingRunner(seed: number, planted: { count: number }): Runner {
  const random = seededRandom(seed);
  let netperfs = 0;
  return {
    run(argv, runOptions = {}) {
      if (!argv.includes("netperf")) return processRunner.run(argv, runOptions);
      netperfs += 1;
      if (netperfs % EVERY !== 0) return processRunner.run(argv, runOptions);
      return processRunner.run(argv, {
        ...runOptions,
        onSpawn: (pid) =>
          plantStop(pid, random, STOP_MS, DURATION_SEC, () => {
            planted.count += 1;
          }),
      });
    },
  };
}

const runLab = labSweeps("bench:planted", dir);

async function run(
  name: string,
  yaml: string,
  runner: Runner,
): Promise<{ results: Results; wallSec: number }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const started = performance.now();
  const results = await runLab(name, file, runner);
  return { results, wallSec: (performance.now() - started) / 1000 };
}

const userSweep = (seed: number) =>
  [
    "name: planted",
    "modes: [legacy, ebpf, direct]",
    "placements: [same-node, cross-node]",
    'tests: [{test: TCP_RR, sizes: ["1,1"], percentiles: [50, 90, 99]}]',
    "witness: [sockperf]",
    "profile: standard",
    `seed: ${seed}`,
    "",
  ].join("\n");

interface Figure {
  ratio: number;
  ciLow: number | null;
  ciHigh: number | null;
  halfPct: number | null;
  n: number;
  verdict: string;
}

function figure(results: Results, placement: string): Figure | null {
  const c = rateComparison(results, placement);
  if (!c) return null;
  return {
    ratio: c.ratio,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    halfPct: c.halfWidth === null ? null : c.halfWidth * 100,
    n: c.n,
    verdict: c.undecidedReason ? `undecided (${c.undecidedReason})` : c.verdict,
  };
}

const f = (x: number | null, d = 3) => (x === null ? "–" : x.toFixed(d));
const describe = (x: Figure | null) =>
  x
    ? `${f(x.ratio)} [${f(x.ciLow)}–${f(x.ciHigh)}] (±${f(x.halfPct, 1)}%, n=${x.n}, ${x.verdict})`
    : "no comparison";

function rejections(results: Results): string {
  const counts = new Map<string, number>();
  for (const t of results.trials) {
    if (t.state !== "rejected") continue;
    const rule = t.rejection?.rule?.name ?? t.rejection?.kind ?? "?";
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  return counts.size === 0 ? "none" : [...counts].map(([k, v]) => `${k} ${v}`).join(", ");
}

const apart = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(2)}%`;

console.log(
  `bench:planted — TCP_RR 1,1 eBPF/legacy transaction rate; a ${STOP_MS} ms SIGSTOP of the netperf client in one trial of every ${EVERY}`,
);
for (let round = 1; round <= Number(options.rounds); round++) {
  const seed = Number(options.seed) + round * 100;
  const reference = await run(`reference-${round}`, referenceSweepYaml(seed, DURATION_SEC), processRunner);
  const ref = figure(reference.results, "same-node");
  console.log(`round ${round}:`);
  console.log(`  reference (±1% target): ${reference.wallSec.toFixed(0)} s, same-node ${describe(ref)}`);
  const quiet = await run(`quiet-${round}`, userSweep(seed), processRunner);
  const planted = { count: 0 };
  const stopped = await run(`planted-${round}`, userSweep(seed), plantingRunner(seed, planted));
  for (const [name, outcome, extra] of [
    ["quiet", quiet, ""],
    ["planted", stopped, `, ${planted.count} netperf clients stopped`],
  ] as const) {
    console.log(
      `  ${name} sweep: ${outcome.wallSec.toFixed(0)} s, rejected attempts: ${rejections(outcome.results)}${extra}`,
    );
    for (const placement of ["same-node", "cross-node"])
      console.log(`    ${placement}: ${describe(figure(outcome.results, placement))}`);
  }
  const q = figure(quiet.results, "same-node");
  const p = figure(stopped.results, "same-node");
  if (ref && q) console.log(`  same-node quiet sweep vs reference: ${apart(ref.ratio, q.ratio)} apart`);
  if (q && p) console.log(`  same-node planted vs quiet sweep: ${apart(q.ratio, p.ratio)} apart`);
}
console.log(`  results: ${dir}`);
