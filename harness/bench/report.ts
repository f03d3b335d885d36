/**
 * `npm run bench:report`: time to summarise and render a full report for a generated results
 * file of about 2,000 trials (blog.yaml's points, 72 repetitions). Prints figures; asserts nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeReport } from "../report/write.js";
import { RESULTS_SCHEMA_VERSION, type Results } from "../results/schema.js";
import { PACKAGE_ROOT } from "../run/environment.js";
import { summarise } from "../stats/summary.js";
import { loadSweep } from "../sweep/load.js";
import { sweepPoints } from "../sweep/plan.js";
import { syntheticTrials } from "./synthetic.js";

const sweep = {
  ...(await loadSweep(join(PACKAGE_ROOT, "sweeps", "blog.yaml"))),
  repetitions: 72,
  durationSec: 5,
};
const trials = syntheticTrials(sweep, { effect: { ebpf: 1.2 }, drift: 0.2, cv: 0.05, seed: 1 });

let started = performance.now();
const summary = summarise(sweep, sweepPoints(sweep), trials);
const summariseMs = performance.now() - started;

const results: Results = {
  schemaVersion: RESULTS_SCHEMA_VERSION,
  runId: "bench-report",
  label: "synthetic",
  state: "completed",
  startedAt: trials[0]?.startedAt ?? "",
  finishedAt: trials.at(-1)?.finishedAt ?? "",
  command: ["routebench", "bench:report"],
  environment: {
    kernel: "synthetic",
    os: "synthetic",
    cpuModel: "synthetic",
    cpuCount: 1,
    memoryGiB: 1,
    netperfVersion: "2.7.0",
    nodeVersion: process.version,
    routebenchVersion: "bench",
    gitCommit: null,
    hostname: "bench",
    backend: "synthetic",
    topology: {},
  },
  sweep,
  plannedTrials: trials.length,
  modeEvidence: [],
  trials,
  summary,
};
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
