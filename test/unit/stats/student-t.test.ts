import { describe, expect, it } from "vitest";
import { studentTCdf, studentTQuantile } from "../../../harness/stats/student-t.js";

describe("Student's t", () => {
  it("matches scipy.stats.t reference values", () => {
    // reference: scipy.stats.t.ppf(0.975, 5) = 2.5705818356363146
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5705818356363146, 7);
    // reference: scipy.stats.t.ppf(0.95, 2) = 2.9199855803537242
    expect(studentTQuantile(0.95, 2)).toBeCloseTo(2.9199855803537242, 7);
    // reference: scipy.stats.t.cdf(2, 5) = 0.9490302605850708
    expect(studentTCdf(2, 5)).toBeCloseTo(0.9490302605850708, 9);
    // reference: scipy.stats.t.cdf(-1.5, 7.3) = 0.08778154640154305 (fractional df, as Welch gives)
    expect(studentTCdf(-1.5, 7.3)).toBeCloseTo(0.08778154640154305, 8);
  });

  it("refuses degrees of freedom and probabilities outside their domain", () => {
    expect(() => studentTQuantile(0.5, 0)).toThrow(/degrees of freedom/);
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be/);
  });
});
