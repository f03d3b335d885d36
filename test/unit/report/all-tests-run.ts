import { syntheticResults, syntheticTrials, syntheticWitness } from "../../../harness/bench/synthetic.js";
import type { Cell } from "../../../harness/report/cells.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { buildReportModel } from "../../../harness/report/model.js";
import type { Results, TrialRecord } from "../../../harness/results/schema.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import type { MetricName, Mode } from "../../../harness/vocabulary/vocabulary.js";

export const SWEEP = `
modes: [legacy, ebpf, direct]
placements: [same-node, cross-node]
tests:
  - {test: TCP_STREAM, messageSizes: [1024]}
  - {test: TCP_RR, sizes: ["1,1"]}
  - {test: TCP_CRR, sizes: ["1,1"]}
  - {test: UDP_RR, sizes: ["1,1"]}
  - {test: UDP_STREAM, messageSizes: [1024]}
repetitions: 8
duration: 1
cpu: {serviceDemand: true}
`;

// eBPF 25% faster than legacy, the direct path 50% faster: eBPF reaches 1.25/1.5 ≈ 83% of it
export const EFFECT = { legacy: 1, ebpf: 1.25, direct: 1.5 };
// at one point the witness sees eBPF 30% further ahead than netperf: a planted disagreement
export const BIASED = "same-node/TCP_RR/1,1";

export function run(): Results {
  const sweep = parseSweep(SWEEP, "issue14.yaml");
  const trials = syntheticTrials(sweep, { effect: EFFECT, drift: 0.05, cv: 0.02, seed: 14, cpuCost: true });
  const results = syntheticResults(sweep, trials, "issue14");
  results.summary.witness = syntheticWitness(trials, {
    witness: "sockperf",
    metric: "transactionsPerSec",
    seed: 5,
    cv: 0.01,
    bias: { [BIASED]: 1.3 },
  });
  return results;
}

export const results = run();
export const model = buildReportModel(results, []);
export const charts = buildCharts(model.charts);

/** A point's completed values in one mode, by block. */
export function values(key: string, mode: Mode, metric: MetricName): Map<number, number> {
  const byBlock = new Map<number, number>();
  for (const t of results.trials as TrialRecord[])
    if (
      t.state === "completed" &&
      t.point.key === key &&
      t.mode === mode &&
      t.metrics?.[metric] !== undefined
    )
      byBlock.set(t.block, t.metrics?.[metric] as number);
  return byBlock;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** exp(mean over shared blocks of ln(candidate/baseline)). */
export function geometricRatio(key: string, metric: MetricName, baseline: Mode, candidate: Mode): number {
  const b = values(key, baseline, metric);
  const c = values(key, candidate, metric);
  const logs = [...b.keys()]
    .filter((k) => c.has(k))
    .map((k) => Math.log((c.get(k) as number) / (b.get(k) as number)));
  return Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length);
}

export const table = (id: string) => {
  const found = model.tables.find((t) => t.id === id);
  if (!found) throw new Error(`no table ${id}: ${model.tables.map((t) => t.id).join(", ")}`);
  return found;
};
export const row = (id: string, ...leading: string[]) =>
  table(id).rows.find((r) =>
    leading.every((text, i) => {
      const cell = r[i];
      return cell?.kind === "text" && cell.text === text;
    }),
  ) ?? [];
export const median_ = (cell: Cell | undefined) => (cell?.kind === "estimate" ? cell.median : Number.NaN);
export const ratio_ = (cell: Cell | undefined) => (cell?.kind === "ratio" ? cell.ratio : Number.NaN);
