/**
 * A run as history sees it: who and what it was (id, label, time, commit, environment), which
 * sweep design it measured, and its per-point summaries. Built from a results.json or read back
 * from a history store, so the trend page and `history check` work on either. Pure.
 */
import { createHash } from "node:crypto";
import type { Results, TrialRecord } from "../results/schema.js";
import type { Comparison, PointSummary } from "../results/summary-schema.js";
import type { Sweep } from "../sweep/schema.js";

export interface HistoryRun {
  runId: string;
  label: string;
  state: Results["state"];
  startedAt: string;
  finishedAt: string;
  gitCommit: string | null;
  routebenchVersion: string;
  backend: string;
  kernel: string;
  hostname: string;
  sweepName: string;
  /** `sweepDesign` of the run's sweep: equal for runs that measured the same thing. */
  sweepDesign: string;
  points: PointSummary[];
  comparisons: Comparison[];
}

/**
 * What a sweep measures, apart from how precisely: backend, modes, placements, tests and sizes,
 * destinations and IP families, streams, trial length, socket buffers, CPU placement, the lab's shape, witnesses. Not its
 * name, description, seed, repetitions, time budget or target interval, which change how many
 * trials a point gets, not what each trial measures.
 */
export function sweepDesign(sweep: Sweep, method: RunMethod = {}): Record<string, unknown> {
  return {
    backend: sweep.backend,
    modes: sweep.modes,
    placements: sweep.placements,
    tests: sweep.tests,
    // absent when the sweep lists none, so that older sweeps keep their fingerprints
    destinations: sweep.destinations,
    ipFamilies: sweep.ipFamilies,
    streams: sweep.streams,
    durationSec: sweep.durationSec,
    socketBuffers: sweep.socketBuffers,
    ...method,
    cpu: sweep.cpu,
    lab: sweep.lab,
    witness: sweep.witness,
  };
}

/** Canonical JSON: object keys sorted, so equal designs give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/**
 * How a run's trials measured, where that changed between versions of routebench for the same
 * sweep; read from its trials, so an older run keeps its fingerprint when it is added again.
 * `streamUserBuffers`: TCP_STREAM trials under fixed socket buffers that send from netperf's
 * default-size ring (-W, netperf/argv.ts): 4–9% more throughput at 64 B and 1 KiB than from the
 * 8 MiB-sized ring before (bench:send-ring), so such runs start a new series.
 */
export interface RunMethod {
  streamUserBuffers?: "netperf-default";
}

/** The method a run's trials show (RunMethod). Pure. */
export function runMethod(trials: readonly Pick<TrialRecord, "point" | "argv">[]): RunMethod {
  const defaultSizes = trials.some((t) => t.point.test === "TCP_STREAM" && t.argv.includes("-W"));
  return defaultSizes ? { streamUserBuffers: "netperf-default" } : {};
}

/** A short fingerprint of `sweepDesign`: the first 12 hex digits of its SHA-256. */
export function sweepFingerprint(sweep: Sweep, method: RunMethod = {}): string {
  return createHash("sha256")
    .update(canonical(sweepDesign(sweep, method)))
    .digest("hex")
    .slice(0, 12);
}

export function historyRun(results: Results): HistoryRun {
  return {
    runId: results.runId,
    label: results.label,
    state: results.state,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    gitCommit: results.environment.gitCommit,
    routebenchVersion: results.environment.routebenchVersion,
    backend: results.environment.backend,
    kernel: results.environment.kernel,
    hostname: results.environment.hostname,
    sweepName: results.sweep.name,
    sweepDesign: sweepFingerprint(results.sweep, runMethod(results.trials)),
    points: results.summary.points,
    comparisons: results.summary.comparisons,
  };
}

/** Oldest first; runs started at the same instant in run-id order. */
export function chronological(runs: readonly HistoryRun[]): HistoryRun[] {
  return [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
}

/**
 * The runs a check or comparison across runs pools: oldest first, only the newest sweep
 * design's when the runs are of several (`mixed` describes them, else null).
 */
export function newestDesignRuns(runs: readonly HistoryRun[]): { runs: HistoryRun[]; mixed: string | null } {
  const sorted = chronological(runs);
  const mixed = mixedSweeps(sorted);
  const newest = sorted.at(-1)?.sweepDesign;
  return { runs: mixed ? sorted.filter((r) => r.sweepDesign === newest) : sorted, mixed };
}

/**
 * Runs of more than one sweep design, described for a warning (each design with its sweep
 * names and run count, oldest design first); null when they share one.
 */
export function mixedSweeps(runs: readonly HistoryRun[]): string | null {
  const designs = new Map<string, { names: Set<string>; runs: number }>();
  for (const run of chronological(runs)) {
    const entry = designs.get(run.sweepDesign) ?? { names: new Set(), runs: 0 };
    entry.names.add(run.sweepName);
    entry.runs++;
    designs.set(run.sweepDesign, entry);
  }
  if (designs.size < 2) return null;
  return [...designs.entries()]
    .map(
      ([design, e]) =>
        `sweep ${[...e.names].join("/")} (design ${design}): ${e.runs} run${e.runs === 1 ? "" : "s"}`,
    )
    .join("; ");
}
