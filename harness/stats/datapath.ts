/** The lab datapath's own health per point and mode (retransmissions, reordering, drops), from trials' counters. Pure. */
import type { TrialRecord } from "../results/schema.js";
import { PointMap } from "../sweep/point.js";

export interface DatapathByMode {
  retransPerTrial: number;
  reorderPerTrial: number;
  drops: number;
}

/** Per point, per mode: mean retransmissions and reorderings per completed trial, and all drops. */
export function datapathByMode(trials: readonly TrialRecord[]): PointMap<Map<string, DatapathByMode>> {
  const sums = new PointMap<Map<string, { n: number; retrans: number; reorder: number; drops: number }>>();
  for (const t of trials) {
    if (t.state !== "completed" || !t.datapath) continue;
    const point = sums.upsert(t.point, () => new Map());
    const sum = point.get(t.mode) ?? { n: 0, retrans: 0, reorder: 0, drops: 0 };
    sum.n++;
    sum.retrans += t.datapath.tcpRetransSegs;
    sum.reorder += t.datapath.tcpReorder;
    sum.drops += Object.values(t.datapath.drops).reduce((a, b) => a + b, 0);
    point.set(t.mode, sum);
  }
  const result = new PointMap<Map<string, DatapathByMode>>();
  for (const [key, modes] of sums.entries())
    result.set(
      key,
      new Map(
        [...modes].map(([mode, s]) => [
          mode,
          { retransPerTrial: s.retrans / s.n, reorderPerTrial: s.reorder / s.n, drops: s.drops },
        ]),
      ),
    );
  return result;
}
