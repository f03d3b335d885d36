/**
 * `npm run bench:overhead`: a quick sweep of sweeps/blog.yaml on the lab; prints the run's
 * wall time divided by the sum of its netperf test durations (the harness's own overhead:
 * lab up/down, mode switches, per-trial path evidence, bookkeeping). Asserts nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readResults } from "../results/read.js";
import { cli } from "./timing.js";

const dir = join(mkdtempSync(join(tmpdir(), "routebench-overhead-")), "run");
const started = performance.now();
await cli(["run", "--profile", "quick", "--out", dir, "--json"]);
const wallSec = (performance.now() - started) / 1000;
const results = await readResults(dir);
const netperfSec = results.trials.reduce((sum, t) => sum + t.durationSec, 0);
const switches = results.modeEvidence.length;
console.log(
  `bench:overhead — sweeps/blog.yaml --profile quick on the lab (${results.trials.length} trials, ${switches} mode switches)`,
);
console.log(`  wall time            ${wallSec.toFixed(1)} s (CLI start, lab up and down included)`);
console.log(`  netperf test time    ${netperfSec.toFixed(1)} s`);
console.log(`  overhead ratio       ${(wallSec / netperfSec).toFixed(3)}  (aim: under 1.10)`);
console.log(
  `  per trial            ${(((wallSec - netperfSec) / results.trials.length) * 1000).toFixed(0)} ms`,
);
console.log(`  results              ${dir}`);
