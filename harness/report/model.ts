/**
 * The one model every report format renders (hyperfine's pattern), built from a results file
 * alone: headlines, tables of typed cells, chart data, machine datasets, warnings and
 * provenance. Each part is built in its own file; this one assembles them and writes the
 * run's notes. Exporters format the cells themselves. Pure.
 */

import { type Environment, type Results, topologyFacts } from "../results/schema.js";
import { MIN_PAIRS } from "../stats/ratio.js";
import type { Warning } from "../stats/warnings.js";
import { allSweepPoints } from "../sweep/plan.js";
import { quickLeftOutText, quickSelection } from "../sweep/quick.js";
import { formatArgv } from "../util/errors.js";
import { comparesRouting } from "../vocabulary/vocabulary.js";
import type { Table } from "./cells.js";
import { type ChartData, chartData } from "./chart-data.js";
import { costTables } from "./cost-tables.js";
import { comparisonsDataset, type Dataset, pointsDataset, witnessDataset } from "./datasets.js";
import { designNote, switchesTable } from "./design.js";
import { directTable } from "./direct.js";
import { buildHeadlines, type Headline } from "./headlines.js";
import { machineLine } from "./machine-line.js";
import { latencyTables, throughputTables, tpsTables, udpStreamTable } from "./measured-tables.js";
import { mainComparisons } from "./points.js";
import type { PublishedSource } from "./published.js";
import {
  datapathTable,
  environmentTable,
  failedTable,
  precisionTable,
  rejectedTable,
  verificationTable,
} from "./run-tables.js";
import { serviceCountTables } from "./service-count.js";
import { witnessTable } from "./witness-table.js";

export interface ReportModel {
  title: string;
  runId: string;
  label: string;
  state: Results["state"];
  startedAt: string;
  finishedAt: string;
  reproduce: string;
  sweepLine: string;
  environment: Environment;
  /** Which machine the figures belong to, said above the headlines (report/machine-line.ts). */
  machineLine: string;
  headlines: Headline[];
  tables: Table[];
  charts: ChartData;
  /** The summary for machines: what points.csv, comparisons.csv and (with a witness) witness.csv hold. */
  datasets: { points: Dataset; comparisons: Dataset; witness?: Dataset };
  warnings: Warning[];
  notes: string[];
}

/** Builds the report model of a results file. */
export function buildReportModel(results: Results, published: PublishedSource[]): ReportModel {
  const comparisons = mainComparisons(results);
  const notes: string[] = [];
  if (results.state !== "completed") {
    // plannedTrials is the plan before the adaptive phase, whose blocks come after the sweep's repetitions
    const { completedTrials } = results.summary;
    const added = results.sweep.targetCiPct
      ? results.trials.filter((t) => t.state === "completed" && t.block > results.sweep.repetitions).length
      : 0;
    const done =
      added > 0
        ? `${completedTrials} trials completed (${completedTrials - added} of the ${results.plannedTrials} planned, ${added} in blocks the adaptive phase added)`
        : `${completedTrials} of ${results.plannedTrials} planned trials completed`;
    notes.push(
      `This run ${results.state === "aborted" ? "was interrupted" : `failed${results.failure ? ` (${results.failure})` : ""}`}: ${done}. Figures below use what finished.`,
    );
  }
  if (!comparesRouting(results.sweep.modes)) {
    notes.push(
      `This run measured ${results.sweep.modes.join(", ")} only: there is no eBPF/legacy comparison.`,
    );
  }
  notes.push(designNote(results));
  const topology = topologyFacts(results.environment.topology);
  const placement = topology.cpuPlacement;
  if (placement) notes.push(`CPU placement: ${placement.reason}`);
  const buffers = topology.tcpStreamSocketBufferBytes;
  if (typeof buffers === "number")
    notes.push(
      `TCP_STREAM socket buffers: fixed at ${buffers / 1048576} MiB per end (netperf -s/-S), TCP autotuning off. With both ends on one CPU, autotuning ended each connection's receive buffer anywhere from 5.6 to 32 MiB and throughput fell into two regimes ~15% apart at random; fixed buffers gave the same eBPF/legacy ratio with a quarter of the spread (same-node 16 KiB: 1.076, per-pair sd 0.073, against 1.070, sd 0.018).`,
    );
  if (results.sweep.profile === "quick") {
    // what this run left out: points of the sweep it never ran (older quick runs ran them all)
    const ran = new Set(results.trials.map((t) => t.point.key));
    const all = allSweepPoints(results.sweep);
    const leftOut = quickLeftOutText(
      quickSelection(all).leftOut.filter((p) => !ran.has(p.key)),
      all.length,
    );
    if (leftOut) notes.push(`Quick profile: ${leftOut}.`);
  }
  const method = results.summary.method;
  if (method)
    notes.push(
      `How modes are compared: ${method.estimator}. Verdicts control the family-wise error over the run's ${results.summary.comparisons.length} comparisons: ${method.multiplicity}.${results.sweep.order === "segmented" ? " eBPF/legacy rests on the segments between switches (n = segments), not on pairs; the baselines pair by block, and" : ""} A comparison with fewer than ${MIN_PAIRS} pairs has no interval and is undecided; one whose pairs ran on a machine that stayed too busy is shown but undecided, not a finding. No significant difference means tested and not significant.`,
    );
  const tables = [
    ...tpsTables(results, published),
    ...throughputTables(results),
    ...latencyTables(results),
    ...serviceCountTables(results),
    udpStreamTable(results),
    ...costTables(results),
    directTable(results),
    witnessTable(results),
    precisionTable(results),
    verificationTable(results),
    switchesTable(results),
    datapathTable(results),
    rejectedTable(results),
    failedTable(results),
    environmentTable(results),
  ].filter((t): t is Table => t !== null);
  const s = results.sweep;
  const witness = witnessDataset(results.summary);
  return {
    title: `routebench: ${s.name} — eBPF vs legacy host routing`,
    runId: results.runId,
    label: results.label,
    state: results.state,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    reproduce: formatArgv(results.command),
    sweepLine: `${s.modes.join(", ")} × ${s.placements.join(", ")}; ${s.durationSec} s tests × ${s.repetitions} repetitions${s.targetCiPct ? ` then more where an interval is wider than ±${s.targetCiPct}% (up to ${s.maxRepetitions}${s.timeBudgetMin ? `, ${s.timeBudgetMin} min` : ""})` : ""}, ${s.order} order, seed ${s.seed}, profile ${s.profile}`,
    environment: results.environment,
    machineLine: machineLine(results),
    headlines: buildHeadlines(results, comparisons),
    tables,
    charts: chartData(results, comparisons, published),
    datasets: {
      points: pointsDataset(results.summary),
      comparisons: comparisonsDataset(results.summary),
      ...(witness ? { witness } : {}),
    },
    warnings: results.summary.warnings,
    notes,
  };
}
