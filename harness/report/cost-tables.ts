/**
 * What the CPU spent per unit of work, mode by mode: the benchmark CPU's busy time per
 * transaction or per GB, and netperf's own service demand where the sweep asked for it. One
 * table per cost metric the run summarised, each with how it was measured and what it cannot
 * tell. Pure.
 */
import type { Results } from "../results/schema.js";
import { distinctPoints } from "../sweep/point.js";
import { comparesRouting, METRICS, type MetricName, MODES } from "../vocabulary/vocabulary.js";
import { type Cell, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { shownUnit } from "./format.js";
import { COST_METRICS, MODE_NAMES, placementName, runIndex, sizeText } from "./points.js";

/** netperf -c -C: CPU per KB for streams, per transaction for request/response, at each end. */
const SERVICE_DEMAND_METRICS = [
  "localSdUsPerTrans",
  "remoteSdUsPerTrans",
  "localSdUsPerKB",
  "remoteSdUsPerKB",
] as const satisfies readonly MetricName[];

// run/cpu-cost.ts and machine/noise.ts (benchCpuSeconds) compute it: this says what they do
const CPU_METHOD =
  "How it is measured (lab, one-CPU placement): the busy time of the CPU the benchmark ran on (everything /proc/stat counts but idle and steal: user, system, irq and softirq) over each trial, divided by the work netperf reported for it (transactions, or connections for TCP_CRR; gigabytes of 10^9 bytes received for streams). Median across repetitions with its distribution-free 95% interval; eBPF / legacy is the geometric mean of per-pair ratios [95% t interval], lower is better. Caveats: netperf, netserver and the nodes' softirq work share that one CPU (the harness keeps off it), so the figure is the whole path's cost with both ends summed, and sender and receiver cannot be told apart; anything else that ran on that CPU during the trial is counted too (trials where other tasks wanted it are repeated, then kept as noisy); it is a cost per unit of work, not a utilisation: a faster mode keeps the CPU busier doing more work.";

const SERVICE_DEMAND_METHOD =
  "netperf's service demand (netperf -c -C): the CPU time netperf measured at the client (local) or server (remote) end per KB transferred or per transaction. On the lab both ends see the same machine's CPU counters, so the local and remote figures are the same one; TCP_CRR has no remote figure (netserver ends connection tests on its own padded timer). Lower is better.";

function costTable(results: Results, metric: MetricName): Table | null {
  const points = results.summary.points.filter((p) => p.metric === metric);
  if (points.length === 0) return null;
  const { unit } = shownUnit(metric);
  // the two routing modes, then the baselines, as the vocabulary lists them
  const modes = MODES.filter((m) => results.sweep.modes.includes(m));
  const compared = comparesRouting(modes);
  const index = runIndex(results);
  const rows = distinctPoints(points).map((key): Cell[] => {
    const row = [text(placementName(key.placement)), text(key.test), text(sizeText(key))];
    for (const mode of modes) row.push(estimateCell(index.summary(key, mode, metric)));
    if (compared) row.push(ratioCell(index.comparison(key, metric)));
    return row;
  });
  const cost = (COST_METRICS as readonly MetricName[]).includes(metric);
  return {
    id: `${cost ? "cpu" : "sd"}-${metric}`,
    title: `${cost ? "" : "netperf "}${METRICS[metric].name} (${unit}, lower is better)`,
    columns: [
      "Placement",
      "Test",
      "Size",
      ...modes.map((m) => `${MODE_NAMES[m] ?? m} (${unit})`),
      ...(compared ? ["eBPF / legacy"] : []),
    ],
    rows,
    note: cost ? CPU_METHOD : SERVICE_DEMAND_METHOD,
  };
}

/** The CPU cost tables of a run: per transaction, per GB, then netperf's service demand. */
export function costTables(results: Results): Table[] {
  return [...COST_METRICS, ...SERVICE_DEMAND_METRICS]
    .map((metric) => costTable(results, metric))
    .filter((t): t is Table => t !== null);
}
