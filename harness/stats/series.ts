/**
 * A series: one point (sweep/point.ts), one mode and one metric, the unit that the release gate
 * compares between two runs and that `history check` follows across runs. `SeriesMap` is the one
 * lookup by a typed series key; `seriesName` the one name, printed by both. Pure.
 */
import { type PointKey, pointId } from "../sweep/point.js";
import type { MetricName, Mode } from "../vocabulary/vocabulary.js";

/** What the gate compares between two runs, and what history follows: a point, a mode and a metric. */
export interface SeriesKey extends PointKey {
  mode: Mode;
  metric: MetricName;
}

/**
 * A series' name: its point's `pointId` (which names the dimensions not at their default), then
 * mode and metric, e.g. `same-node/TCP_RR/1,1/service/ebpf/p99Us`. Unique within a run; what the
 * gate's and the history check's outputs (text, Markdown, JUnit) call a series.
 */
export function seriesName(key: SeriesKey): string {
  return `${pointId(key)}/${key.mode}/${key.metric}`;
}

/**
 * Values by series, in first-seen order: looked up by the typed key, never by a name. `keys()`
 * gives each series' key as first given (give a key of its own fields only, e.g. built with
 * sweep/point.ts `keyOf`).
 */
export class SeriesMap<V> {
  readonly #entries = new Map<string, { key: SeriesKey; value: V }>();

  get(key: SeriesKey): V | undefined {
    return this.#entries.get(seriesName(key))?.value;
  }

  /** Sets the value of `key`'s series; a series seen before keeps its place (and its first key). */
  set(key: SeriesKey, value: V): this {
    const id = seriesName(key);
    const entry = this.#entries.get(id);
    if (entry) entry.value = value;
    else this.#entries.set(id, { key, value });
    return this;
  }

  has(key: SeriesKey): boolean {
    return this.#entries.has(seriesName(key));
  }

  /** The value of `key`, made by `create` the first time it is asked for. */
  upsert(key: SeriesKey, create: () => V): V {
    const id = seriesName(key);
    const found = this.#entries.get(id);
    if (found) return found.value;
    const value = create();
    this.#entries.set(id, { key, value });
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }

  keys(): SeriesKey[] {
    return [...this.#entries.values()].map((e) => e.key);
  }

  values(): V[] {
    return [...this.#entries.values()].map((e) => e.value);
  }
}
