/**
 * A point's identity, carried from the plan to the report: the placement, the netperf test, the
 * size (with its stream count), and the dimensions that a point names only when they are not
 * the default (destination, IP family, Service count). Every layer finds a point by
 * `pointId`, the one canonical lookup string, produced here and nowhere else; summary rows,
 * comparisons, precision rows and trials' points all carry a `PointKey`, so one `PointMap`
 * indexes any of them. Pure.
 *
 * To add a dimension: add its optional field to `pointKeyShape` (absent = the default, so stored
 * keys do not change) and its row to `DIMENSIONS` (its default and how a key names it); the plan
 * sets it. Keys, lookups, warning subjects and the report's labels (`sizeText`) follow.
 */
import { z } from "zod";
import { DESTINATIONS, IP_FAMILIES, NETPERF_TESTS, PLACEMENTS } from "../vocabulary/vocabulary.js";

/**
 * A point key's fields, for the stored shapes that carry one (a trial's point, a summary row, a
 * comparison, a precision row): spread into their zod objects, in this order.
 */
export const pointKeyShape = {
  placement: z.enum(PLACEMENTS),
  test: z.enum(NETPERF_TESTS),
  /**
   * The size label: the size as written in the sweep (a message size, or "request,response"),
   * then " ×N" when N netperf instances run at once (`sizeLabel`).
   */
  size: z.string(),
  /** Where the client connects; absent: the server pod itself. */
  destination: z.enum(DESTINATIONS).optional(),
  /** The traffic's IP family; absent: IPv4. */
  ipFamily: z.enum(IP_FAMILIES).optional(),
  /** Services set up in front of the server (the Service table's size); absent: none. */
  services: z.number().int().min(0).optional(),
};
export const pointKeySchema = z.strictObject(pointKeyShape);
export type PointKey = z.output<typeof pointKeySchema>;

/**
 * The dimensions beyond placement, test and size: each field with its default (absent means the
 * default too) and how a key names a value that is not the default. The one list a new
 * dimension is added to, beside its field in `pointKeyShape`.
 */
const DIMENSIONS: readonly {
  field: Exclude<keyof PointKey, "placement" | "test" | "size">;
  fallback?: string | number;
  word: (value: string | number) => string;
}[] = [
  { field: "destination", fallback: "pod", word: String },
  { field: "ipFamily", fallback: "ipv4", word: String },
  { field: "services", word: (value) => `services=${value}` },
];

/** The dimensions of a key that are not the default, as [field, value]. */
function notDefault(key: PointKey): [(typeof DIMENSIONS)[number], string | number][] {
  return DIMENSIONS.flatMap((d) => {
    const value = key[d.field];
    return value === undefined || value === d.fallback
      ? []
      : [[d, value] as [(typeof DIMENSIONS)[number], string | number]];
  });
}

/** The dimensions a key names (those not at their default), as words: `service`, `ipv6`, `services=1000`. */
export function dimensions(key: PointKey): string[] {
  return notDefault(key).map(([d, value]) => d.word(value));
}

/** The dimensions that are not the default, by field name (e.g. `{ ipFamily: "ipv6" }`), as machine labels. */
export function dimensionFields(key: PointKey): Record<string, string> {
  return Object.fromEntries(notDefault(key).map(([d, value]) => [d.field, String(value)]));
}

/**
 * The canonical lookup string of a point, e.g. `same-node/TCP_RR/1,1` or
 * `cross-node/TCP_STREAM/1024 ×4`; the subject warnings name a point by. The only place a
 * point key becomes a string for lookup.
 */
export function pointId(key: PointKey): string {
  return [key.placement, key.test, key.size, ...dimensions(key)].join("/");
}

/** A size label: the size as written, then " ×N" for N instances at once (one: the size alone). */
export function sizeLabel(written: string, streams = 1): string {
  return streams === 1 ? written : `${written} ×${streams}`;
}

/**
 * The plan's own id of a point, stable across runs of a sweep (trial ids and `--resume` rely on
 * it): `same-node/TCP_RR/1,1`, `same-node/TCP_RR/1,1/streams=8`. Stored in trials.jsonl.
 */
export function planKey(key: PointKey, written: string, streams = 1): string {
  return [
    key.placement,
    key.test,
    written,
    ...(streams === 1 ? [] : [`streams=${streams}`]),
    ...dimensions(key),
  ].join("/");
}

/** Only the key's own fields of a row that carries one (a summary row, a comparison, a point). */
export function keyOf(row: PointKey): PointKey {
  const key: Record<string, unknown> = { placement: row.placement, test: row.test, size: row.size };
  for (const { field } of DIMENSIONS) if (row[field] !== undefined) key[field] = row[field];
  return key as PointKey;
}

export function samePoint(a: PointKey, b: PointKey): boolean {
  return pointId(a) === pointId(b);
}

/** Values by point, in first-seen order: the one indexed lookup from a point key. */
export class PointMap<V> {
  readonly #entries = new Map<string, { key: PointKey; value: V }>();

  get(key: PointKey): V | undefined {
    return this.#entries.get(pointId(key))?.value;
  }

  set(key: PointKey, value: V): this {
    const id = pointId(key);
    const entry = this.#entries.get(id);
    if (entry) entry.value = value;
    else this.#entries.set(id, { key: keyOf(key), value });
    return this;
  }

  has(key: PointKey): boolean {
    return this.#entries.has(pointId(key));
  }

  /** The value of `key`, made by `create` the first time it is asked for. */
  upsert(key: PointKey, create: () => V): V {
    const found = this.#entries.get(pointId(key));
    if (found) return found.value;
    const value = create();
    this.set(key, value);
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }

  keys(): PointKey[] {
    return [...this.#entries.values()].map((e) => e.key);
  }

  values(): V[] {
    return [...this.#entries.values()].map((e) => e.value);
  }

  entries(): [PointKey, V][] {
    return [...this.#entries.values()].map((e) => [e.key, e.value]);
  }
}

/** Rows grouped by their point, in first-seen order. */
export function groupByPoint<R extends PointKey>(rows: readonly R[]): PointMap<R[]> {
  const map = new PointMap<R[]>();
  for (const row of rows) map.upsert(row, () => []).push(row);
  return map;
}

/** The distinct points of some rows, in first-seen order. */
export function distinctPoints(rows: readonly PointKey[]): PointKey[] {
  return groupByPoint(rows).keys();
}
