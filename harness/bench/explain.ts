/**
 * `npm run bench:explain -- RUN [RUN2]`: the figures behind explain's claims, from one or two
 * runs made with `explain: true` (their results.json or folders). Per point:
 * - the eBPF/legacy ratio in the measured trials and in their profiled twins (same blocks):
 *   what sampling does to the ratio;
 * - the legacy − eBPF difference in CPU per unit of work, measured and read from the samples
 *   alone, and the attributed differences by subsystem;
 * - with two runs: each subsystem's figure in both, and whether their intervals overlap
 *   (the attribution's agreement between runs).
 * --reattribute attributes each twin's folded stacks again with today's symbol table.
 * Prints Markdown; asserts nothing.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { attribute } from "../profile/attribute.js";
import { explainRun } from "../profile/explain.js";
import { foldedText, parseFolded } from "../profile/folded.js";
import type { Explain, ExplainPoint, Interval } from "../results/profile-schema.js";
import { readResults } from "../results/read.js";
import type { TrialRecord } from "../results/schema.js";
import { SUBSYSTEM_NAMES, SUBSYSTEMS } from "../vocabulary/vocabulary.js";

const f = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);
const show = (i: Interval | null | undefined) =>
  !i
    ? "–"
    : i.lower === null || i.upper === null
      ? `${f(i.mean)} (n=${i.n})`
      : `${f(i.mean)} [${f(i.lower)}, ${f(i.upper)}]`;
const overlap = (a: Interval | undefined, b: Interval | undefined) =>
  !a || !b || a.lower === null || a.upper === null || b.lower === null || b.upper === null
    ? "–"
    : a.lower <= b.upper && b.lower <= a.upper
      ? "yes"
      : "NO";

/** With --reattribute: each twin's samples attributed again from its folded stacks with today's table. */
function reattribute(trials: TrialRecord[], runDir: string): TrialRecord[] {
  return trials.map((t) => {
    const file = t.profile?.foldedFile;
    if (!t.profile || !file || !existsSync(join(runDir, file))) return t;
    const a = attribute(parseFolded(foldedText(readFileSync(join(runDir, file))), file));
    return {
      ...t,
      profile: {
        ...t.profile,
        bySubsystem: a.bySubsystem,
        busySamples: a.busy,
        idleSamples: a.idle,
        foreignSamples: a.foreign,
      },
    };
  });
}

async function load(path: string): Promise<Explain> {
  const results = await readResults(path);
  const runDir = statSync(path).isDirectory() ? path : dirname(path);
  const trials = REATTRIBUTE ? reattribute(results.trials, runDir) : results.trials;
  const explain = REATTRIBUTE ? explainRun(trials) : (results.explain ?? explainRun(trials));
  if (!explain) throw new Error(`${path}: no profiled trials (run with explain: true)`);
  return explain;
}

function pointReport(p: ExplainPoint): string[] {
  const out = [`### ${p.key} (${p.unit})`, ""];
  if (p.sampling)
    out.push(
      `- eBPF/legacy ${p.sampling.metric}: measured trials ${show(p.sampling.unsampled)}, profiled twins ${show(p.sampling.sampled)}`,
    );
  for (const m of p.modes)
    out.push(
      `- ${m.mode}: measured ${show(m.measured)}, read from samples ${show(m.sampled)}, ${m.blocks} blocks, ${m.samples} samples, other tasks ${(m.foreignShare * 100).toFixed(1)}% of samples; share of the benchmark's busy samples: ${SUBSYSTEMS.filter(
        (s) => (m.shares[s] ?? 0) > 0,
      )
        .map((s) => `${s} ${((m.shares[s] ?? 0) * 100).toFixed(1)}%`)
        .join(", ")}`,
    );
  const d = p.difference;
  if (d) {
    out.push(
      `- legacy − eBPF${d.pairing === "unpaired" ? " (unpaired: no block held both modes; Welch)" : ""}: measured ${show(d.measured)}; sum of attributed differences ${f(d.attributedSum)}; read from samples ${show(d.sampled)}; within the measured interval: ${d.sampledWithinMeasured === null ? "–" : d.sampledWithinMeasured ? "yes" : `no, by ${f(d.missBy ?? 0)}`}`,
    );
    out.push("", "| subsystem | legacy | eBPF | legacy − eBPF |", "| --- | --- | --- | --- |");
    const mode = (name: string) => p.modes.find((m) => m.mode === name);
    for (const s of SUBSYSTEMS)
      out.push(
        `| ${SUBSYSTEM_NAMES[s]} | ${show(mode("legacy")?.bySubsystem[s])} | ${show(mode("ebpf")?.bySubsystem[s])} | ${show(d.bySubsystem[s])} |`,
      );
  }
  out.push("");
  return out;
}

function agreement(a: Explain, b: Explain): string[] {
  const out = [
    "## Agreement between the two runs",
    "",
    "| point | mode | subsystem | run 1 | run 2 | intervals overlap |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  let pairs = 0;
  let overlapping = 0;
  for (const p of a.points) {
    const q = b.points.find((x) => x.key === p.key);
    if (!q) continue;
    for (const m of p.modes) {
      const n = q.modes.find((x) => x.mode === m.mode);
      if (!n) continue;
      for (const s of SUBSYSTEMS) {
        const i = m.bySubsystem[s];
        const j = n.bySubsystem[s];
        if (!i || !j || (i.mean === 0 && j.mean === 0)) continue;
        const o = overlap(i, j);
        if (o !== "–") {
          pairs++;
          if (o === "yes") overlapping++;
        }
        out.push(`| ${p.key} | ${m.mode} | ${SUBSYSTEM_NAMES[s]} | ${show(i)} | ${show(j)} | ${o} |`);
      }
    }
  }
  out.push(
    "",
    `${overlapping} of ${pairs} subsystem figures have overlapping 95% intervals in the two runs.`,
    "",
  );
  // shares need no interval: how far apart the two runs put each subsystem's share of busy samples
  out.push(
    "| point | mode | largest share difference | mean absolute share difference |",
    "| --- | --- | --- | --- |",
  );
  for (const p of a.points) {
    const q = b.points.find((x) => x.key === p.key);
    for (const m of p.modes) {
      const n = q?.modes.find((x) => x.mode === m.mode);
      if (!n) continue;
      const diffs = SUBSYSTEMS.map((s) => [s, ((m.shares[s] ?? 0) - (n.shares[s] ?? 0)) * 100] as const);
      const [worst, by] = diffs.reduce((x, y) => (Math.abs(y[1]) > Math.abs(x[1]) ? y : x));
      const mean = diffs.reduce((t, [, d]) => t + Math.abs(d), 0) / diffs.length;
      out.push(
        `| ${p.key} | ${m.mode} | ${SUBSYSTEM_NAMES[worst]} ${by >= 0 ? "+" : ""}${by.toFixed(1)} points | ${mean.toFixed(2)} points |`,
      );
    }
  }
  out.push("");
  return out;
}

const args = process.argv.slice(2);
const REATTRIBUTE = args.includes("--reattribute");
const [first, second] = args.filter((a) => a !== "--reattribute");
if (!first) {
  console.error(
    "usage: npm run bench:explain -- [--reattribute] RUN [RUN2]   (results.json or run folders of runs with explain: true; --reattribute: attribute the folded stacks again with today's table)",
  );
  process.exit(2);
}
const a = await load(first);
console.log(`# explain: ${first}\n`);
for (const p of a.points) console.log(pointReport(p).join("\n"));
if (second) {
  const b = await load(second);
  console.log(`# explain: ${second}\n`);
  for (const p of b.points) console.log(pointReport(p).join("\n"));
  console.log(agreement(a, b).join("\n"));
}
