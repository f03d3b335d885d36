/**
 * A completed trial record made by hand for the statistics' tests: only what the comparisons
 * read (block, mode, point, metrics, noisy, witness), the other CPUs idle so no pair is
 * unbalanced.
 */
import type { TrialRecord } from "../../../harness/results/schema.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

export function completedTrial(
  point: { key: string },
  block: number,
  mode: Mode,
  metrics: Record<string, number>,
  extra: { noisy?: boolean; witness?: { tool: string; metrics?: Record<string, number> } } = {},
): TrialRecord {
  return {
    id: `${block}:${mode}:${point.key}`,
    block,
    mode,
    point,
    state: "completed",
    metrics,
    noise: { otherCpusBusyPct: 0 },
    ...(extra.noisy ? { noisy: true } : {}),
    ...(extra.witness ? { witness: extra.witness } : {}),
  } as unknown as TrialRecord;
}
