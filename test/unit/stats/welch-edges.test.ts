/**
 * welch.ts at the edges its mutation run found untested, worked by hand: samples of one value
 * each carry no degrees of freedom (only a resolution floor), and a contrast without degrees
 * of freedom or without spread has no p-value.
 */
import { describe, expect, it } from "vitest";
import { pBelow, sampleOf, welchDifference } from "../../../harness/stats/welch.js";

describe("welch edges", () => {
  it("gives two one-value samples no degrees of freedom, whatever their resolution floor", () => {
    // each term adds 0.01 / 1 to the variance sum: se = √0.02; no sample has n ≥ 2, so df is null
    const contrast = welchDifference(sampleOf([1], 0.01), sampleOf([1.5], 0.01));
    expect(contrast).toEqual({ estimate: 0.5, se: Math.sqrt(0.02), df: null });
  });

  it("has no one-sided p without degrees of freedom or without spread", () => {
    expect(pBelow({ estimate: 0.1, se: 0.05, df: null })).toBeNull();
    expect(pBelow({ estimate: 0.1, se: 0, df: 5 })).toBeNull();
  });
});
