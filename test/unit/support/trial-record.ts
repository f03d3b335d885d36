/**
 * A completed trial record made by hand for the statistics' tests: a whole, valid record with
 * what the comparisons read (block, mode, point, metrics) given, the other CPUs idle so no
 * pair is unbalanced, and `extra` over it (an id, noisy, a witness, other noise).
 */
import type { TrialRecord } from "../../../harness/results/schema.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

export function completedTrial(
  point: { key: string },
  block: number,
  mode: Mode,
  metrics: Record<string, number>,
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  return {
    id: `${block}:${mode}:${point.key}`,
    block,
    mode,
    point: point as TrialRecord["point"],
    durationSec: 1,
    state: "completed",
    attempt: 1,
    startedAt: "",
    finishedAt: "",
    argv: [],
    exitCode: 0,
    signal: null,
    timedOut: false,
    stdout: "",
    stderrTail: "",
    metrics,
    noise: { cpuBusyPct: 50, cpuStealPct: 0, loadAvg1: 1, loadPerCpu: 0.5, otherCpusBusyPct: 0 },
    ...extra,
  };
}
