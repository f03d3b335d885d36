/** The time attempts took, as the time budget and the precision table count it. Pure. */
import type { TrialRecord } from "../results/schema.js";

/** Seconds the records' attempts took (start to finish, and a witness run before its trial). */
export function trialSeconds(records: readonly TrialRecord[]): number {
  return records.reduce((sum, r) => {
    const took = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
    // a witness run before its trial is outside the trial's start and finish: its own time
    const witnessBefore = r.witness?.before ? (r.witness.wallSec ?? 0) : 0;
    return sum + (Number.isFinite(took) && took > 0 ? took : 0) + witnessBefore;
  }, 0);
}
