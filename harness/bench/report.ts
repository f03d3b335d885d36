/**
 * `npm run bench:report`: time to summarise and render a full report for a generated results
 * file of about 2,000 trials (blog.yaml's points, 72 repetitions). Prints figures; asserts nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeReport } from "../report/write.js";
import { loadSweep } from "../sweep/load.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";
import { syntheticResults, syntheticTrials } from "./synthetic.js";

const sweep = {
  ...(await loadSweep(join(PACKAGE_ROOT, "sweeps", "blog.yaml"))),
  repetitions: 72,
  durationSec: 5,
};
const trials = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.2, cv: 0.05, seed: 1 });

let started = performance.now();
const results = syntheticResults(sweep, trials, "bench-report", "synthetic");
const summariseMs = performance.now() - started;
const { summary } = results;

const dir = mkdtempSync(join(tmpdir(), "routebench-bench-report-"));
started = performance.now();
const files = await writeReport(results, dir);
const renderMs = performance.now() - started;

console.log(
  `bench:report — generated results: ${trials.length} trials, ${summary.points.length} point summaries, ${summary.comparisons.length} comparisons`,
);
console.log(`  summarise (bootstrap CIs, permutation tests)   ${(summariseMs / 1000).toFixed(2)} s`);
console.log(
  `  render report (${files.length} files: html, md, svg, png, csv)  ${(renderMs / 1000).toFixed(2)} s`,
);
console.log(
  `  total                                          ${((summariseMs + renderMs) / 1000).toFixed(2)} s`,
);
console.log(`  output: ${dir}`);
