// Mutation testing of the pure modules: `npm run mutate` (scripts/mutate.sh; README "Mutation
// testing"). Not part of `npm test`: a whole run takes tens of minutes on 2 CPUs.
// One group at a time (RB_MUTATE_GROUP), each with its own incremental file and reports under
// reports/mutation/<group>/ (git-ignored: a local cache that churns on every run and would
// conflict on every merge; a fresh checkout's first run is a full one).
const GROUPS = {
  stats: ["harness/stats/**/*.ts"],
  netperf: ["harness/netperf/**/*.ts"],
  sweep: ["harness/sweep/plan.ts"],
  report: ["harness/report/model.ts"],
  lab: ["harness/backends/lab/kernel-counters.ts", "harness/backends/lab/bpf-maps.ts"],
};
const group = process.env.RB_MUTATE_GROUP ?? "stats";
if (!GROUPS[group]) throw new Error(`RB_MUTATE_GROUP=${group}: one of ${Object.keys(GROUPS).join(", ")}`);
// Some files of a group (`npm run mutate -- stats harness/stats/summary.ts`, scripts/mutate.sh):
// RB_MUTATE_FILES, comma-separated; they keep a cache and reports of their own, in
// reports/mutation/<group>/<first file's base name>/, so one subset's run never discards another's.
const files = (process.env.RB_MUTATE_FILES ?? "").split(",").filter((f) => f !== "");
const mutate = files.length > 0 ? files : GROUPS[group];
const out =
  files.length > 0
    ? `reports/mutation/${group}/${files[0].replace(/^.*\//, "").replace(/\.ts$/, "")}`
    : `reports/mutation/${group}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // the unit tests without the `slow` simulations (vitest.stryker.config.ts says why)
  vitest: { configFile: "vitest.stryker.config.ts", related: true },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate,
  coverageAnalysis: "perTest",
  // Some test files build their fixtures at load time (a describe body or the module itself runs
  // summarise, buildReportModel...), which Stryker cannot attribute to a test: without this, each
  // of those ~1,150 "static" mutants of stats/ reruns every test and the group takes days on 2
  // CPUs. With it, a mutant also covered inside tests runs against those tests only, and one
  // covered at load time only is "Ignored" (left out of the score; README gives the count and
  // the score counting them as survivors).
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: `${out}/mutation.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  concurrency: 2,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
