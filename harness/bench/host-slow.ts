/**
 * `npm run bench:host-slow -- <run folder>…`: how well the CPU speed probe (machine/cpu-probe.ts)
 * tells the trials a host slowed from the others, in runs already made on the lab. No lab.
 *
 * For every attempt that measured a rate and carries probe readings, it takes the trial's rate
 * against the median of its point and mode in the same run (1 = typical), and the probe's
 * slowdown: the slower of its before/after readings against the run's baseline (the 10th
 * percentile of all its readings), for the multiply chain and the memory walk apart. Trials that
 * a guest-visible rule already judged noisy (steal, a competing task, busy other CPUs) are left
 * out: the probe is for what the guest cannot see. It prints the correlation of rate and probe
 * slowdown, and per threshold the share of slow trials (rate below 0.85 of the median) the probe
 * flags (detection) against the share of typical ones (0.95 or above) it flags (false alarms).
 * It prints figures and asserts nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { median, sampleCorrelation } from "simple-statistics";
import { probeBaseline } from "../machine/cpu-probe.js";
import { noiseViolation } from "../machine/noise.js";
import { trialRecordSchema } from "../results/schema.js";
import { mainMetric } from "../vocabulary/vocabulary.js";

const SLOW = 0.85;
const TYPICAL = 0.95;
const THRESHOLDS = [5, 10, 15, 20, 25, 30, 40, 60];
type Part = "multiplyNs" | "memoryNs";

interface Row {
  rel: number;
  slowPct: Record<Part, number>;
}

function rowsOf(dir: string): Row[] {
  const records = readFileSync(join(dir, "trials.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => trialRecordSchema.parse(JSON.parse(line)));
  const probes = records.flatMap((r) => (r.noise?.cpuProbe ? [r.noise.cpuProbe] : []));
  const baseline = {
    multiplyNs: probeBaseline(probes, "multiplyNs"),
    memoryNs: probeBaseline(probes, "memoryNs"),
  };
  if (baseline.multiplyNs === null || baseline.memoryNs === null) return [];
  const rated = records.flatMap((r) => {
    const metric = mainMetric(r.point.test);
    const rate = r.metrics?.[metric];
    const probe = r.noise?.cpuProbe;
    if (rate === undefined || !probe || !r.noise) return [];
    if (noiseViolation(r.noise, 2)) return []; // the guest saw it: not the probe's job
    return [{ key: `${r.point.key} ${r.mode}`, rate, probe }];
  });
  const medians = new Map<string, number>();
  for (const key of new Set(rated.map((r) => r.key)))
    medians.set(key, median(rated.filter((r) => r.key === key).map((r) => r.rate)));
  const pct = (probe: (typeof rated)[number]["probe"], part: Part) =>
    (Math.max(probe.before[part], probe.after[part]) / (baseline[part] as number) - 1) * 100;
  return rated.map((r) => ({
    rel: r.rate / (medians.get(r.key) as number),
    slowPct: { multiplyNs: pct(r.probe, "multiplyNs"), memoryNs: pct(r.probe, "memoryNs") },
  }));
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: npm run bench:host-slow -- <run folder> [more run folders]");
  process.exit(2);
}
const rows = dirs.flatMap(rowsOf);
const slow = rows.filter((r) => r.rel < SLOW);
const typical = rows.filter((r) => r.rel >= TYPICAL);
console.log(
  `${rows.length} probed trials in ${dirs.length} run(s): ${slow.length} slow (rate < ${SLOW} of their median), ${typical.length} typical (≥ ${TYPICAL})`,
);
for (const part of ["multiplyNs", "memoryNs"] as const) {
  const r = sampleCorrelation(
    rows.map((row) => row.rel),
    rows.map((row) => row.slowPct[part]),
  );
  console.log(`\n${part}: correlation of rate with probe slowdown ${r.toFixed(3)}`);
  console.log("threshold %  detected (slow flagged)  false alarms (typical flagged)");
  for (const threshold of THRESHOLDS) {
    const share = (group: Row[]) =>
      group.length === 0
        ? "-"
        : `${((100 * group.filter((row) => row.slowPct[part] > threshold).length) / group.length).toFixed(1)}%`;
    console.log(
      `${String(threshold).padStart(11)}  ${share(slow).padStart(22)}  ${share(typical).padStart(30)}`,
    );
  }
}
