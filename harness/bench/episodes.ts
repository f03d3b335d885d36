/**
 * `npm run bench:episodes`: how often a host's slow stretch splits a pair, under two designs,
 * side by side in one run (issue 21).
 *
 * A shared host slows everything in the guest now and then for 20–60 s by ~25%, and the guest
 * cannot see it. A pair whose two trials straddle the start or end of such a stretch has one
 * trial slow and the other not: a bad pair no rule catches. This benchmark plants such stretches
 * on the lab: on a seeded schedule (episodes of EPISODE seconds, GAP seconds apart), every
 * netperf client this benchmark's runner started is stopped by its pid for SLOW % of every
 * 100 ms while an episode lasts (SIGSTOP, then SIGCONT): uniformly slow, as the host's stretches
 * are, so the interim-dip rule does not see it either. It then runs the issue's sweep (same-node
 * TCP_RR 1,1, modes legacy, eBPF and direct, the sockperf witness, 2 s × BLOCKS) under
 *   - `earlier`: each point's modes shuffled freely and every witness after its trial (a sweep
 *     without `modeOrder`, as planned before 0350ec5);
 *   - `routing-pair`: the routing modes back to back and the pair's first witness before it
 *     (sweep/plan.ts `pointModeOrder`, run/execute.ts `leadsRoutingPair`);
 * ROUNDS times, the two in alternating order, each round's two sweeps under the same episode
 * schedule from their start and the same plan seed. A reference (no episodes, ±1%) runs first.
 *
 * Per sweep it prints the wall time, the eBPF/legacy ratio with its interval and verdict, its
 * distance from the reference, the per-pair log-ratio sd, the median time between the start of
 * a pair's two netperf trials, and the pairs an episode split (one trial at least half inside an
 * episode, the other less: from the schedule and the trials' start times). The witness is not
 * slowed (only netperf's figure decides). Then the
 * totals per design. It asserts nothing. Needs root and the lab (it brings it up and down).
 *
 *   npm run bench:episodes [-- --rounds 3] [--blocks 12] [--seed 7] [--slow-pct 25]
 *                          [--episode 20-40] [--gap 40-80]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median, sampleStandardDeviation } from "simple-statistics";
import type { Results, TrialRecord } from "../results/schema.js";
import type { Sweep } from "../sweep/schema.js";
import { type Random, seededRandom } from "../util/random.js";
import { processRunner, type Runner } from "../util/runner.js";
import { labSweeps, rateComparison, referenceSweepYaml } from "./lab-sweeps.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    blocks: { type: "string", default: "12" },
    seed: { type: "string", default: "7" },
    "slow-pct": { type: "string", default: "25" },
    episode: { type: "string", default: "20-40" },
    gap: { type: "string", default: "40-80" },
  },
});

function range(text: string, flag: string): [number, number] {
  const [low, high] = text.split("-").map(Number);
  if (!(low !== undefined && high !== undefined && low > 0 && high >= low))
    throw new Error(`--${flag} takes LOW-HIGH seconds, got ${text}`);
  return [low, high];
}
const ROUNDS = Number(options.rounds);
const BLOCKS = Number(options.blocks);
const SLOW_PCT = Number(options["slow-pct"]);
const EPISODE_SEC = range(options.episode, "episode");
const GAP_SEC = range(options.gap, "gap");
const TICK_MS = 100;
const DURATION_SEC = 2;
const dir = mkdtempSync(join(tmpdir(), "routebench-episodes-"));

/** A seeded schedule of slow stretches from `startMs` (epoch ms): gap, episode, gap, episode… */
class Episodes {
  readonly spans: [number, number][] = [];
  private readonly random: Random;
  private end: number;

  constructor(seed: number, startMs: number) {
    this.random = seededRandom(seed);
    this.end = startMs;
  }

  private uniform([low, high]: [number, number]): number {
    return (low + this.random() * (high - low)) * 1000;
  }

  /** The schedule, extended to cover `untilMs`. */
  private cover(untilMs: number): void {
    while (this.end <= untilMs) {
      const start = this.end + this.uniform(GAP_SEC);
      this.end = start + this.uniform(EPISODE_SEC);
      this.spans.push([start, this.end]);
    }
  }

  active(atMs: number): boolean {
    this.cover(atMs);
    return this.spans.some(([start, end]) => atMs >= start && atMs < end);
  }

  /** The share of [fromMs, toMs) inside an episode. */
  share(fromMs: number, toMs: number): number {
    this.cover(toMs);
    const inside = this.spans.reduce(
      (sum, [start, end]) => sum + Math.max(0, Math.min(end, toMs) - Math.max(start, fromMs)),
      0,
    );
    return inside / (toMs - fromMs);
  }
}

/** The real runner; while an episode lasts, each netperf client it started is stopped SLOW % of every tick. */
function episodeRunner(episodes: Episodes): Runner {
  return {
    run(argv, runOptions = {}) {
      if (!argv.includes("netperf")) return processRunner.run(argv, runOptions);
      let timer: NodeJS.Timeout | undefined;
      const signal = (pid: number, name: NodeJS.Signals) => {
        try {
          process.kill(pid, name);
        } catch {}
      };
      const running = processRunner.run(argv, {
        ...runOptions,
        onSpawn: (pid) => {
          runOptions.onSpawn?.(pid);
          timer = setInterval(() => {
            if (!episodes.active(Date.now())) return;
            signal(pid, "SIGSTOP");
            setTimeout(() => signal(pid, "SIGCONT"), (TICK_MS * SLOW_PCT) / 100);
          }, TICK_MS);
        },
      });
      return running.finally(() => clearInterval(timer));
    },
  };
}

const sweepYaml = (seed: number) =>
  [
    "name: episodes",
    "modes: [legacy, ebpf, direct]",
    "placements: [same-node]",
    'tests: [{test: TCP_RR, sizes: ["1,1"], percentiles: [50, 90, 99]}]',
    "witness: [sockperf]",
    `duration: ${DURATION_SEC}`,
    `repetitions: ${BLOCKS}`,
    `seed: ${seed}`,
    "",
  ].join("\n");

const DESIGNS = {
  earlier: (sweep: Sweep): Sweep => {
    const { modeOrder: _, ...earlier } = sweep;
    return earlier;
  },
  "routing-pair": (sweep: Sweep): Sweep => sweep,
} as const;
type Design = keyof typeof DESIGNS;

const runLab = labSweeps("bench:episodes", dir);

async function run(name: string, yaml: string, runner: Runner, adjust?: (s: Sweep) => Sweep) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const started = performance.now();
  const results = await runLab(name, file, runner, adjust);
  return { results, wallSec: (performance.now() - started) / 1000 };
}

const keyComparison = (results: Results) => rateComparison(results, "same-node");

interface PairFacts {
  logRatios: number[];
  gapsSec: number[];
  split: number;
}

/** The legacy/eBPF pairs of counted trials: log ratios, start-to-start gaps, and those an episode split. */
function pairs(results: Results, episodes: Episodes): PairFacts {
  const counted = results.trials.filter(
    (t) => t.state === "completed" && !t.noisy && t.metrics?.transactionsPerSec !== undefined,
  );
  const byBlock = new Map<number, Partial<Record<string, TrialRecord>>>();
  for (const t of counted) byBlock.set(t.block, { ...byBlock.get(t.block), [t.mode]: t });
  const facts: PairFacts = { logRatios: [], gapsSec: [], split: 0 };
  for (const modes of byBlock.values()) {
    const legacy = modes.legacy;
    const ebpf = modes.ebpf;
    if (!legacy || !ebpf) continue;
    facts.logRatios.push(
      Math.log((ebpf.metrics?.transactionsPerSec as number) / (legacy.metrics?.transactionsPerSec as number)),
    );
    const [a, b] = [Date.parse(legacy.startedAt), Date.parse(ebpf.startedAt)];
    facts.gapsSec.push(Math.abs(b - a) / 1000);
    const share = (t: number) => episodes.share(t, t + DURATION_SEC * 1000);
    if (share(a) >= 0.5 !== share(b) >= 0.5) facts.split += 1;
  }
  return facts;
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? "–" : x.toFixed(d));

console.log(
  `bench:episodes: same-node TCP_RR 1,1 eBPF/legacy, modes legacy/eBPF/direct, sockperf witness, ${DURATION_SEC} s × ${BLOCKS}; planted episodes ${options.episode} s every ${options.gap} s, netperf clients stopped ${SLOW_PCT}% of each ${TICK_MS} ms`,
);
const seed = Number(options.seed);
const reference = await run("reference", referenceSweepYaml(seed, DURATION_SEC), processRunner);
const ref = keyComparison(reference.results);
if (!ref) throw new Error("the reference has no same-node eBPF/legacy comparison");
console.log(
  `reference: ${reference.wallSec.toFixed(0)} s, ${f(ref.ratio)} [${f(ref.ciLow)}–${f(ref.ciHigh)}], n=${ref.n}`,
);

const totals: Record<
  Design,
  { errors: number[]; halves: number[]; sds: number[]; gaps: number[]; split: number; pairs: number }
> = {
  earlier: { errors: [], halves: [], sds: [], gaps: [], split: 0, pairs: 0 },
  "routing-pair": { errors: [], halves: [], sds: [], gaps: [], split: 0, pairs: 0 },
};
for (let round = 1; round <= ROUNDS; round++) {
  const roundSeed = seed + round * 100;
  const order: Design[] = round % 2 === 1 ? ["earlier", "routing-pair"] : ["routing-pair", "earlier"];
  console.log(`round ${round} (plan seed ${roundSeed}):`);
  for (const design of order) {
    const episodes = new Episodes(roundSeed, Date.now());
    const outcome = await run(
      `${design}-${round}`,
      sweepYaml(roundSeed),
      episodeRunner(episodes),
      DESIGNS[design],
    );
    const c = keyComparison(outcome.results);
    const facts = pairs(outcome.results, episodes);
    const sd = facts.logRatios.length > 1 ? sampleStandardDeviation(facts.logRatios) : null;
    const gap = facts.gapsSec.length > 0 ? median(facts.gapsSec) : null;
    const error = c ? (c.ratio / ref.ratio - 1) * 100 : null;
    const half = c?.halfWidth === null || c?.halfWidth === undefined ? null : c.halfWidth * 100;
    const t = totals[design];
    if (error !== null) t.errors.push(error);
    if (half !== null) t.halves.push(half);
    if (sd !== null) t.sds.push(sd);
    t.gaps.push(...facts.gapsSec);
    t.split += facts.split;
    t.pairs += facts.logRatios.length;
    const verdict = c ? (c.undecidedReason ? `undecided (${c.undecidedReason})` : c.verdict) : "none";
    console.log(
      `  ${design.padEnd(12)} ${outcome.wallSec.toFixed(0)} s: ${f(c?.ratio)} [${f(c?.ciLow)}–${f(c?.ciHigh)}] ±${f(half, 1)}% ${verdict}, ${f(error, 2)}% from the reference; pair sd ${f(sd, 4)}, pair gap median ${f(gap, 1)} s, episodes split ${facts.split} of ${facts.logRatios.length} pairs (${episodes.spans.length} episodes planned)`,
    );
  }
}
console.log("totals:");
for (const design of Object.keys(totals) as Design[]) {
  const t = totals[design];
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const meanAbs = mean(t.errors.map(Math.abs));
  console.log(
    `  ${design.padEnd(12)} mean |error| ${f(meanAbs, 2)}%, mean half-width ±${f(mean(t.halves), 2)}%, mean pair sd ${f(mean(t.sds), 4)}, pair gap median ${f(t.gaps.length ? median(t.gaps) : null, 1)} s, split pairs ${t.split} of ${t.pairs}`,
  );
}
console.log(`results: ${dir}`);
