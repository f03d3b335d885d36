/**
 * The choice of the within-run estimator under the burst model of a noisy host (issue 21;
 * harness/bench/estimator-simulation.ts, `npm run bench:estimators` prints the whole table).
 * Tolerance: 2,000 seeded runs per cell give a coverage standard error of ≈ 0.5 points, so
 * "≥ 93%" for a nominal 95% leaves 4 standard errors; widths are compared with a margin of
 * 20%, far beyond their simulation error (< 1%).
 */
import { describe, expect, it } from "vitest";
import {
  hodgesLehmann,
  PAIR_COUNTS,
  type Scenario,
  signedRankCritical,
  simulate,
} from "../../../harness/bench/estimator-simulation.js";

const QUIET: Scenario = { sd: 0.03, burstShare: 0, bursts: "either" };
const BURSTS: Scenario = { sd: 0.03, burstShare: 0.25, bursts: "either" };
const ONE_SIDED: Scenario = { sd: 0.03, burstShare: 0.25, bursts: "candidate" };
const byName = (rows: ReturnType<typeof simulate>, prefix: string) => {
  const row = rows.find((r) => r.estimator.startsWith(prefix));
  if (!row) throw new Error(`no ${prefix}`);
  return row;
};

describe("Hodges–Lehmann's exact interval", () => {
  it("uses the signed-rank critical values of the tables (n = 6: 0, 8: 3, 12: 13, 20: 52)", () => {
    expect([5, 6, 8, 12, 20].map(signedRankCritical)).toEqual([-1, 0, 3, 13, 52]);
    expect(hodgesLehmann([1, 2, 3, 4, 5])).toBeNull();
    expect(hodgesLehmann([1, 2, 3, 4, 5, 6])).toEqual({ estimate: 3.5, low: 1, high: 6 });
  });
});

describe("estimators under bursts (seeded simulation)", { tags: ["slow"] }, () => {
  it("the mean's t interval keeps ≥ 93% coverage at every profile's pair count, quiet or with bursts in either mode", () => {
    PAIR_COUNTS.forEach((n, i) => {
      for (const scenario of [QUIET, BURSTS]) {
        const mean = byName(simulate(scenario, n, 2000, 1000 + i), "mean");
        expect(mean.coverage, `n=${n} bursts=${scenario.burstShare}`).toBeGreaterThanOrEqual(0.93);
        expect(Math.abs(mean.bias), `n=${n}`).toBeLessThan(0.005);
      }
    });
  });

  it("Hodges–Lehmann keeps ≥ 93% too, and with bursts its interval is ≥ 20% narrower from 20 pairs on", () => {
    PAIR_COUNTS.forEach((n, i) => {
      for (const scenario of [QUIET, BURSTS]) {
        const rows = simulate(scenario, n, 2000, 1000 + i);
        expect(byName(rows, "Hodges").coverage, `n=${n}`).toBeGreaterThanOrEqual(0.93);
        if (scenario === BURSTS && n >= 20)
          expect(byName(rows, "Hodges").halfWidth).toBeLessThan(0.8 * byName(rows, "mean").halfWidth);
      }
    });
  });

  it("no estimator survives bursts that only ever slow one mode: they must be detected and repeated", () => {
    const rows = simulate(ONE_SIDED, 20, 2000, 1003);
    for (const row of rows) {
      expect(row.bias, row.estimator).toBeLessThan(-0.02);
      expect(row.coverage, row.estimator).toBeLessThan(0.93);
    }
  });
});
