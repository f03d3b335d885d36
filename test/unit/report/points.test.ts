/** The report's names of points: from the typed key (never a decoded id), one name per point. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { plannedName, pointName, runIndex } from "../../../harness/report/points.js";
import { type Results, resultsSchema } from "../../../harness/results/schema.js";
import { allSweepPoints } from "../../../harness/sweep/plan.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);

describe("point names", () => {
  it("names the dimensions not at their default, and a point's streams as its size label does", () => {
    expect(pointName({ placement: "same-node", test: "TCP_RR", size: "1,1" })).toBe("Same node TCP_RR 1,1");
    expect(pointName({ placement: "cross-node", test: "TCP_STREAM", size: "1024 ×4" })).toBe(
      "Cross node TCP_STREAM 1024 ×4",
    );
    expect(
      pointName({
        placement: "same-node",
        test: "TCP_CRR",
        size: "1,1",
        destination: "pod",
        ipFamily: "ipv4",
      }),
    ).toBe("Same node TCP_CRR 1,1");
    expect(
      pointName({
        placement: "same-node",
        test: "TCP_CRR",
        size: "1,1",
        destination: "service",
        ipFamily: "ipv6",
        services: 100,
      }),
    ).toBe("Same node TCP_CRR 1,1 service ipv6 services=100");
  });

  it("finds the point a plan id names in the run (witness rows and explain files store plan ids)", () => {
    const raw = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
    const results = resultsSchema.parse({
      ...raw,
      sweep: {
        ...raw.sweep,
        destinations: ["pod", "service"],
        lab: { ...raw.sweep.lab, services: [100, 10_000] },
      },
    });
    const names = allSweepPoints(results.sweep)
      .filter((p) => p.placement === "same-node" && p.test === "TCP_RR")
      .map((p) => [p.key, plannedName(runIndex(results), p.key)]);
    expect(names).toEqual([
      ["same-node/TCP_RR/1,1/services=100", "Same node TCP_RR 1,1 services=100"],
      ["same-node/TCP_RR/1,1/services=10000", "Same node TCP_RR 1,1 services=10000"],
      ["same-node/TCP_RR/1,1/service/services=100", "Same node TCP_RR 1,1 service services=100"],
      ["same-node/TCP_RR/1,1/service/services=10000", "Same node TCP_RR 1,1 service services=10000"],
    ]);
    expect(plannedName(runIndex(results), "same-node/TCP_RR/9,9")).toBe("same-node/TCP_RR/9,9");
  });
});
