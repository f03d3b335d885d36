/**
 * The quick profile's points: a first look that decides. Of the sweep's points it keeps, per
 * placement, test and value of each further dimension the sweep lists (destination, IP family,
 * Service count: what the sweep compares), the key ones: a bulk test's smallest and largest
 * message size, a request/response test's first size, each with one stream; the rest is left
 * out and named (`run --dry-run`, the run's log and the report say so). With
 * PROFILE_SETTINGS.quick's 8 pairs each kept comparison gets an interval and a verdict
 * (MIN_PAIRS is 6). Pure; generic over the point type so that plan.ts can use it without an
 * import cycle.
 */
import { keyOf, type PointKey, PointMap } from "./point.js";

interface QuickCandidate extends PointKey {
  key: string;
  messageSize?: number;
  streams?: number;
}

/** The points the quick profile measures, and the ones it leaves out, each in the sweep's order. */
export function quickSelection<P extends QuickCandidate>(points: readonly P[]): { kept: P[]; leftOut: P[] } {
  const single = points.filter((p) => (p.streams ?? 1) === 1);
  const keep = new Set<P>();
  // a group: the points whose keys differ in their size only
  const groups = new PointMap<P[]>();
  for (const p of single) groups.upsert({ ...keyOf(p), size: "" }, () => []).push(p);
  for (const group of groups.values()) {
    const bulk = group.filter((p) => p.messageSize !== undefined);
    if (bulk.length > 0) {
      const sizes = bulk.map((p) => p.messageSize as number);
      for (const size of [Math.min(...sizes), Math.max(...sizes)])
        keep.add(bulk.find((p) => p.messageSize === size) as P);
    } else if (group[0]) keep.add(group[0]);
  }
  return {
    kept: points.filter((p) => keep.has(p)),
    leftOut: points.filter((p) => !keep.has(p)),
  };
}

/** "the quick profile measures the key points only: 8 of 14 left out (same-node/TCP_STREAM/256, …) …", or null when none is. */
export function quickLeftOutText(leftOut: readonly { key: string }[], total: number): string | null {
  if (leftOut.length === 0) return null;
  const shown = leftOut.slice(0, 6).map((p) => p.key);
  return `the quick profile measures the key points only: ${leftOut.length} of ${total} left out (${shown.join(", ")}${leftOut.length > shown.length ? ", …" : ""}); the standard profile measures them`;
}
