/**
 * `npm run bench:overhead`: sweeps/blog.yaml at the default profile's trial length (2 blocks)
 * on the lab. Prints the harness's own overhead as measured, not planned: the trial loop's
 * wall time (first trial start to last trial end: path readings, mode switches, noise
 * sampling, bookkeeping) divided by netperf's own ELAPSED_TIME of the completed trials; and
 * the same with every attempt that ran netperf (repeats of a noisy machine are not the
 * harness's overhead); and the whole command's wall time (CLI start, lab up and down).
 * Asserts nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readResults } from "../results/read.js";
import { PROFILE_SETTINGS } from "../sweep/schema.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";
import { cli } from "./timing.js";

const dir = mkdtempSync(join(tmpdir(), "routebench-overhead-"));
const { durationSec } = PROFILE_SETTINGS.standard;
const sweep = join(dir, "blog-overhead.yaml");
writeFileSync(
  sweep,
  readFileSync(join(PACKAGE_ROOT, "sweeps", "blog.yaml"), "utf8").replace(
    /^profile: .*$/m,
    `duration: ${durationSec}\nrepetitions: 2`,
  ),
);
const out = join(dir, "run");
const started = performance.now();
await cli(["run", sweep, "--out", out, "--json"]);
const wallSec = (performance.now() - started) / 1000;
const results = await readResults(out);
const trials = results.trials;
const first = Math.min(...trials.map((t) => Date.parse(t.startedAt)));
const last = Math.max(...trials.map((t) => Date.parse(t.finishedAt)));
const loopSec = (last - first) / 1000;
const elapsed = (list: typeof trials) => list.reduce((sum, t) => sum + (t.elapsedSec ?? 0), 0);
const completed = trials.filter((t) => t.state === "completed");
const ran = trials.filter((t) => t.elapsedSec !== undefined);
const switches = results.modeEvidence.length;
console.log(
  `bench:overhead — sweeps/blog.yaml, ${durationSec} s trials × 2 blocks on the lab (${completed.length} completed trials, ${trials.length - completed.length} repeated or rejected attempts, ${switches} mode switches)`,
);
console.log(`  trial loop wall time          ${loopSec.toFixed(1)} s`);
console.log(`  netperf ELAPSED_TIME, completed ${elapsed(completed).toFixed(1)} s`);
console.log(`  overhead ratio (completed)    ${(loopSec / elapsed(completed)).toFixed(3)}  (aim: ≤ 1.03)`);
console.log(
  `  overhead ratio (every attempt that ran netperf) ${(loopSec / elapsed(ran)).toFixed(3)}  (${ran.length} attempts)`,
);
console.log(
  `  per attempt                   ${(((loopSec - elapsed(ran)) / ran.length) * 1000).toFixed(0)} ms beyond netperf's own test time`,
);
const phases = new Map<string, number[]>();
for (const t of ran)
  for (const [phase, ms] of Object.entries(t.phasesMs ?? {}))
    phases.set(phase, [...(phases.get(phase) ?? []), ms]);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? 0
    : ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
};
console.log(
  `  per attempt, mean ms          ${[...phases].map(([phase, xs]) => `${phase} ${mean(xs).toFixed(1)}`).join(", ")} (netperf: its whole process; ELAPSED_TIME ${(mean(ran.map((t) => t.elapsedSec ?? 0)) * 1000).toFixed(0)})`,
);
console.log(
  `  per attempt, median ms        ${[...phases].map(([phase, xs]) => `${phase} ${median(xs).toFixed(1)}`).join(", ")}`,
);
// netperf's own start and end: its process's wall time less the test time it reports
const beyond = ran.flatMap((t) =>
  t.phasesMs?.netperf !== undefined && t.elapsedSec !== undefined && !t.streams
    ? [t.phasesMs.netperf - t.elapsedSec * 1000]
    : [],
);
console.log(
  `  netperf beyond ELAPSED_TIME   mean ${mean(beyond).toFixed(1)} ms, median ${median(beyond).toFixed(1)} ms (one-stream attempts: its start, connections and results exchange)`,
);
const sorted = [...trials].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
const gaps = sorted
  .slice(1)
  .map((t, i) => Date.parse(t.startedAt) - Date.parse(sorted[i]?.finishedAt ?? t.startedAt));
console.log(
  `  between attempts, mean ms     ${mean(gaps).toFixed(1)} (mode switches, bookkeeping, progress)`,
);
console.log(
  `  whole command                 ${wallSec.toFixed(1)} s (CLI start, CPU choice, lab up and down included)`,
);
console.log(`  results                       ${out}`);
