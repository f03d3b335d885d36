/**
 * The point key (sweep/point.ts): the dimensions a point names only when they are not the
 * default, so that a sweep without them keeps the keys and files it had; and the one lookup.
 */
import { describe, expect, it } from "vitest";
import { parseSweep } from "../../../harness/sweep/load.js";
import { allSweepPoints } from "../../../harness/sweep/plan.js";
import {
  dimensionFields,
  groupByPoint,
  keyOf,
  PointMap,
  planKey,
  pointId,
  sizeLabel,
} from "../../../harness/sweep/point.js";

describe("point key", () => {
  it("names a point as the results files always did while every new dimension is at its default", () => {
    const base = { placement: "same-node", test: "TCP_RR", size: "1,1" } as const;
    expect(pointId(base)).toBe("same-node/TCP_RR/1,1");
    expect(pointId({ ...base, destination: "pod", ipFamily: "ipv4" })).toBe("same-node/TCP_RR/1,1");
    expect(pointId({ ...base, size: sizeLabel("1,1", 4) })).toBe("same-node/TCP_RR/1,1 ×4");
    expect(planKey(base, "1,1")).toBe("same-node/TCP_RR/1,1");
    expect(planKey(base, "1,1", 8)).toBe("same-node/TCP_RR/1,1/streams=8");
  });

  it("tells points apart by destination, IP family and Service count", () => {
    const base = { placement: "cross-node", test: "TCP_CRR", size: "1,1" } as const;
    const ids = [
      base,
      { ...base, destination: "service" as const },
      { ...base, ipFamily: "ipv6" as const },
      { ...base, destination: "service" as const, services: 1000 },
    ].map(pointId);
    expect(ids).toEqual([
      "cross-node/TCP_CRR/1,1",
      "cross-node/TCP_CRR/1,1/service",
      "cross-node/TCP_CRR/1,1/ipv6",
      "cross-node/TCP_CRR/1,1/service/services=1000",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    // machine labels: by field, only those not at their default
    expect(dimensionFields({ ...base, destination: "pod", ipFamily: "ipv6", services: 1000 })).toEqual({
      ipFamily: "ipv6",
      services: "1000",
    });
    expect(dimensionFields(base)).toEqual({});
    expect(keyOf({ ...base, ipFamily: "ipv6", services: 1000 })).toEqual({
      ...base,
      ipFamily: "ipv6",
      services: 1000,
    });
  });

  it("keeps the plan's keys and size labels of a sweep with several streams", () => {
    const sweep = parseSweep(
      "tests: [{test: TCP_STREAM, messageSizes: [1024]}]\nplacements: [same-node]\nstreams: [1, 4]\n",
      "s.yaml",
    );
    const points = allSweepPoints(sweep);
    expect(points.map((p) => [p.key, p.size, p.streams])).toEqual([
      ["same-node/TCP_STREAM/1024", "1024", undefined],
      ["same-node/TCP_STREAM/1024/streams=4", "1024 ×4", 4],
    ]);
    // a point's key is only its key fields
    expect(keyOf(points[1] as (typeof points)[number])).toEqual({
      placement: "same-node",
      test: "TCP_STREAM",
      size: "1024 ×4",
    });
  });

  it("finds a row by any value carrying the same key, whatever else it carries", () => {
    const rows = [
      { placement: "same-node", test: "TCP_RR", size: "1,1", metric: "p50Us" },
      { placement: "same-node", test: "TCP_RR", size: "1,1", metric: "p99Us" },
      { placement: "cross-node", test: "TCP_RR", size: "1,1", metric: "p50Us" },
    ] as const;
    const grouped = groupByPoint(rows);
    expect(grouped.size).toBe(2);
    expect(
      grouped.get({ placement: "same-node", test: "TCP_RR", size: "1,1" })?.map((r) => r.metric),
    ).toEqual(["p50Us", "p99Us"]);
    const map = new PointMap<number>().set({ placement: "same-node", test: "TCP_RR", size: "1,1" }, 1);
    expect(
      map.get({ placement: "same-node", test: "TCP_RR", size: "1,1", ipFamily: "ipv6" }),
    ).toBeUndefined();
  });
});
