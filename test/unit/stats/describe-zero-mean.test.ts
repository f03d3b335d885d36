/** describe (stats/describe.ts) of a sample whose mean is 0: no coefficient of variation. */
import { describe, expect, it } from "vitest";
import { describe as describeSample } from "../../../harness/stats/describe.js";

describe("describe with a mean of 0", () => {
  it("gives a CV of null, not ±Infinity, and the rest worked by hand", () => {
    // mean 0; sample variance ((−1)² + 1²) / (2 − 1) = 2
    expect(describeSample([-1, 1])).toEqual({
      n: 2,
      median: 0,
      mean: 0,
      stddev: Math.SQRT2,
      cv: null,
      min: -1,
      max: 1,
    });
  });
});
