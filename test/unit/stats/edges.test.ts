/**
 * The estimators' edges, one case per refusal or special path: what mutation testing
 * (npm run mutate -- stats) found unchecked in ratio.ts, welch.ts, student-t.ts and describe.ts.
 */
import jstatModule from "jstat";
import { expect, describe as group, it } from "vitest";
import { describe } from "../../../harness/stats/describe.js";
import { pairedRatio, relativeHalfWidth, unpairedRatio } from "../../../harness/stats/ratio.js";
import { studentTCdf, studentTQuantile } from "../../../harness/stats/student-t.js";
import {
  bounds,
  logSample,
  pBelow,
  repetitionsToClear,
  welchDifference,
} from "../../../harness/stats/welch.js";

const { studentt } = (
  jstatModule as unknown as { jStat: { studentt: { inv(p: number, df: number): number } } }
).jStat;

group("ratio edges", () => {
  it("refuses what has no log ratio and says why paired samples must match", () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow("pairedRatio: samples differ in length");
    expect(pairedRatio([], [])).toBeNull();
    expect(pairedRatio([1, 0], [1, 1])).toBeNull();
    expect(pairedRatio([1, 1], [1, -1])).toBeNull();
    expect(unpairedRatio([], [1, 2])).toBeNull();
    expect(unpairedRatio([1, 2], [])).toBeNull();
    expect(unpairedRatio([1, 0], [1, 2])).toBeNull();
    expect(unpairedRatio([1, 2], [3, 0])).toBeNull();
    expect(unpairedRatio([2, 3], [3, 4])?.ratio).toBeCloseTo(Math.sqrt(12 / 6), 12);
  });

  it("counts the smaller sample as n when unpaired, and gives the pairs' sd only from 2 pairs", () => {
    expect(unpairedRatio([1, 2, 3], [1, 2, 3, 4, 5])?.n).toBe(3);
    expect(unpairedRatio([1, 2, 3, 4, 5], [1, 2])?.n).toBe(2);
    expect(pairedRatio([10], [11])?.sdLogRatio).toBeNull();
    const two = pairedRatio([10, 20], [11, 25]);
    const d = [Math.log(1.1), Math.log(1.25)];
    expect(two?.sdLogRatio).toBeCloseTo(Math.abs((d[0] as number) - (d[1] as number)) / Math.SQRT2, 12);
  });

  it("floors tied whole-number pairs at the rounding variance of both values, and only whole ones", () => {
    // every pair 45 → 46 µs: the log ratios do not vary, the rounding to 1 µs does
    const tied = pairedRatio(Array(6).fill(45), Array(6).fill(46));
    const r = 1 / (12 * 45 ** 2) + 1 / (12 * 46 ** 2);
    const half = studentt.inv(0.975, 5) * Math.sqrt(r / 6);
    expect(tied?.ciLow).toBeCloseTo(Math.exp(Math.log(46 / 45) - half), 12);
    expect(tied?.ciHigh).toBeCloseTo(Math.exp(Math.log(46 / 45) + half), 12);
    // one value is not whole: no rounding floor, ratios all equal, so no spread and no interval
    expect(pairedRatio(Array(6).fill(45.5), Array(6).fill(46.5))?.ciLow).toBeNull();
    const last = 45.5 * (46 / 45);
    expect(pairedRatio([...Array(5).fill(45), 45.5], [...Array(5).fill(46), last])?.ciLow).toBeNull();
  });

  it("gives half the interval's width relative to the ratio", () => {
    expect(relativeHalfWidth({ ratio: 2, ciLow: 1, ciHigh: 3 })).toBe(0.5);
    expect(relativeHalfWidth({ ratio: 2, ciLow: null, ciHigh: 3 })).toBeNull();
    expect(relativeHalfWidth({ ratio: 2, ciLow: 1, ciHigh: null })).toBeNull();
  });
});

group("Welch and t edges", () => {
  it("has no spread below 2 values, a rounding floor only for whole numbers, and no test without spread", () => {
    expect(logSample([5]).variance).toBe(0);
    expect(logSample([4, 8]).variance).toBeCloseTo(Math.log(2) ** 2 / 2, 12);
    expect(logSample([45, 45.5]).resolutionVariance).toBe(0);
    const one = welchDifference(logSample([5.5]), logSample([6.5]));
    expect(one.df).toBeNull();
    expect(pBelow(one)).toBeNull();
    expect(bounds(one, 0.05)).toBeNull();
    expect(repetitionsToClear(one, 1, 0.1, 0.05)).toBeNull();
    // one informative sample is enough for degrees of freedom
    expect(welchDifference(logSample([5.5]), logSample([6.5, 7.5])).df).not.toBeNull();
    // spread but no distance to clear, or a limit too small: no number
    const spread = welchDifference(logSample([10, 11, 12.5, 9.5]), logSample([8, 9.1, 8.4, 7.9]));
    expect(repetitionsToClear(spread, 4, -0.1, 0.05)).toBeNull();
    expect(repetitionsToClear(spread, 4, 1e-4, 0.05, 50)).toBeNull();
    expect(repetitionsToClear(spread, 4, 0.5, 0.05)).toBe(5); // already nearly clear: the next n
  });

  it("refuses degrees of freedom ≤ 0 and a probability outside (0, 1)", () => {
    expect(() => studentTCdf(0, 0)).toThrow("studentTCdf: degrees of freedom must be > 0, got 0");
    expect(() => studentTQuantile(0.5, -1)).toThrow(/degrees of freedom must be > 0, got -1/);
    expect(() => studentTQuantile(0, 5)).toThrow("studentTQuantile: p must be in (0, 1), got 0");
    expect(() => studentTQuantile(1, 5)).toThrow(/got 1$/);
    expect(studentTQuantile(0.5, 5)).toBeCloseTo(0, 12);
  });

  it("refuses to describe an empty sample", () => {
    expect(() => describe([])).toThrow("describe: empty sample");
  });
});
