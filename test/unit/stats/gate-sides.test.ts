/**
 * One run's side of a point on the gate's tested scale (stats/regression-normalise.ts) and the
 * choice of its reference mode, against log values and ratios worked out by hand.
 */
import { describe, expect, it } from "vitest";
import type { Series } from "../../../harness/stats/regression-match.js";
import { normalisationReference, side } from "../../../harness/stats/regression-normalise.js";
import type { SeriesKey } from "../../../harness/stats/regression-types.js";
import { UsageError } from "../../../harness/util/errors.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

const key: SeriesKey = {
  placement: "same-node",
  test: "TCP_RR",
  size: "1,1",
  mode: "ebpf",
  metric: "transactionsPerSec",
};
const series = (values: Record<number, number>, mode: Mode = "ebpf"): Series => ({
  key: { ...key, mode },
  byBlock: new Map(Object.entries(values).map(([b, v]) => [Number(b), v])),
  noisy: new Set(),
});

describe("side", () => {
  it("takes the log of each repetition's value, raw", () => {
    const s = side(series({ 0: 100.5, 1: 200.5 }), undefined);
    if (typeof s === "string") throw new Error(s);
    expect([...s.logs]).toEqual([
      [0, Math.log(100.5)],
      [1, Math.log(200.5)],
    ]);
    expect(s.sample.n).toBe(2);
    expect(s.sample.mean).toBeCloseTo((Math.log(100.5) + Math.log(200.5)) / 2, 12);
    expect(s.sample.variance).toBeCloseTo(Math.log(200.5 / 100.5) ** 2 / 2, 12);
    // not whole numbers: no rounding floor
    expect(s.sample.resolutionVariance).toBe(0);
    // the median of two values is their midpoint on the log scale: the geometric mean
    expect(s.median).toBeCloseTo(Math.sqrt(100.5 * 200.5), 9);
  });

  it("floors a raw side of whole numbers at their rounding variance", () => {
    const s = side(series({ 0: 10, 1: 10, 2: 10 }), undefined);
    if (typeof s === "string") throw new Error(s);
    // uniform rounding to 1 at x = 10: 1/(12·10²) on the log scale
    expect(s.sample.resolutionVariance).toBeCloseTo(1 / 1200, 12);
    expect(s.median).toBeCloseTo(10, 12);
  });

  it("takes log ratios to the reference by repetition, skipping repetitions the reference lacks", () => {
    const s = side(series({ 0: 110, 1: 120, 2: 999 }), series({ 0: 100, 1: 100, 5: 1 }, "legacy"));
    if (typeof s === "string") throw new Error(s);
    expect([...s.logs.keys()]).toEqual([0, 1]);
    expect(s.logs.get(0)).toBeCloseTo(Math.log(1.1), 12);
    expect(s.logs.get(1)).toBeCloseTo(Math.log(1.2), 12);
    expect(s.median).toBeCloseTo(Math.sqrt(1.1 * 1.2), 9);
    // both sides round to whole numbers: their floors add, each at its own geometric mean
    const expected = 1 / (12 * 110 * 120) + 1 / (12 * 100 * 100);
    expect(s.sample.resolutionVariance).toBeCloseTo(expected, 12);
  });

  it("refuses non-positive values and says when nothing is left", () => {
    expect(side(series({ 0: 0, 1: 5 }), undefined)).toBe("non-positive");
    expect(side(series({ 0: 5, 1: -1 }), undefined)).toBe("non-positive");
    expect(side(series({ 0: 5 }), series({ 0: 0 }, "legacy"))).toBe("non-positive");
    expect(side(series({ 0: 0 }), series({ 0: 5 }, "legacy"))).toBe("non-positive");
    expect(side(series({}), undefined)).toBe("empty");
    expect(side(series({ 0: 5 }), series({ 1: 5 }, "legacy"))).toBe("empty");
  });
});

describe("normalisationReference", () => {
  const modes = (...m: Mode[]) => new Set<Mode>(m);

  it("prefers host where both runs measured it, else legacy, unless a mode is named", () => {
    expect(normalisationReference("auto", modes("host", "ebpf"), modes("host", "ebpf", "legacy"))).toBe(
      "host",
    );
    expect(normalisationReference("auto", modes("host", "legacy", "ebpf"), modes("legacy", "ebpf"))).toBe(
      "legacy",
    );
    expect(
      normalisationReference("legacy", modes("host", "legacy", "ebpf"), modes("host", "legacy", "ebpf")),
    ).toBe("legacy");
  });

  it("refuses a reference missing from a run, or with no other mode beside it", () => {
    const call = () => normalisationReference("auto", modes("legacy", "ebpf"), modes("host", "ebpf"));
    expect(call).toThrow(UsageError);
    expect(call).toThrow(
      "--normalise needs a reference mode measured in both runs beside another mode; legacy is not usable: the baseline has legacy, ebpf, the candidate host, ebpf",
    );
    try {
      call();
    } catch (e) {
      expect((e as UsageError).hint).toBe(
        "name a mode both runs measured, e.g. --normalise legacy, or compare without --normalise",
      );
    }
    // in both, but alone in one of them
    expect(() => normalisationReference("legacy", modes("legacy", "ebpf"), modes("legacy"))).toThrow(
      UsageError,
    );
    // the other mode must be in both runs
    expect(() => normalisationReference("legacy", modes("legacy", "ebpf"), modes("legacy", "host"))).toThrow(
      UsageError,
    );
  });
});
