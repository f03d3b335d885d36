/** SeriesMap (stats/series.ts): setting a series seen before replaces its value in place. */
import { describe, expect, it } from "vitest";
import { type SeriesKey, SeriesMap } from "../../../harness/stats/series.js";

const key = (mode: SeriesKey["mode"]): SeriesKey => ({
  placement: "same-node",
  test: "TCP_RR",
  size: "1,1",
  mode,
  metric: "transactionsPerSec",
});

describe("SeriesMap.set", () => {
  it("replaces the value of a series seen before, keeping its place and first key", () => {
    const first = key("legacy");
    const map = new SeriesMap<number>()
      .set(first, 1)
      .set(key("ebpf"), 2)
      .set({ ...first }, 3);
    expect(map.get(first)).toBe(3);
    expect(map.values()).toEqual([3, 2]);
    expect(map.keys()[0]).toBe(first);
    expect(map.size).toBe(2);
  });
});
