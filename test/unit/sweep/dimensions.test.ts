/**
 * The sweep's destination, IP family and Service-count axes (issue 23): one point per value,
 * keys that name only what is not the default, and a clear refusal where a backend cannot
 * measure them.
 */
import { describe, expect, it } from "vitest";
import { parseSweep } from "../../../harness/sweep/load.js";
import { allSweepPoints, planSweep } from "../../../harness/sweep/plan.js";

const sweep = (extra: string) =>
  parseSweep(
    `name: d\nplacements: [same-node]\ntests: [{test: TCP_CRR, sizes: ["1,1"]}]\n${extra}`,
    "d.yaml",
  );

describe("point dimensions in the sweep", () => {
  it("gives one point per destination, IP family and Service count, each key naming what is not the default", () => {
    const points = allSweepPoints(
      sweep("destinations: [pod, service]\nipFamilies: [ipv4, ipv6]\nlab: {services: [100, 10000]}\n"),
    );
    expect(points.map((p) => p.key)).toEqual([
      "same-node/TCP_CRR/1,1/services=100",
      "same-node/TCP_CRR/1,1/services=10000",
      "same-node/TCP_CRR/1,1/ipv6/services=100",
      "same-node/TCP_CRR/1,1/ipv6/services=10000",
      "same-node/TCP_CRR/1,1/service/services=100",
      "same-node/TCP_CRR/1,1/service/services=10000",
      "same-node/TCP_CRR/1,1/service/ipv6/services=100",
      "same-node/TCP_CRR/1,1/service/ipv6/services=10000",
    ]);
    const last = points.at(-1);
    expect([last?.destination, last?.ipFamily, last?.services, last?.requestSize]).toEqual([
      "service",
      "ipv6",
      10000,
      1,
    ]);
    // every trial of the plan carries its point's dimensions, and trial ids stay unique
    const trials = planSweep(sweep("destinations: [pod, service]\nrepetitions: 2\n"));
    expect(trials).toHaveLength(2 * 2 * 2);
    expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
    expect(trials.filter((t) => t.point.destination === "service")).toHaveLength(4);
  });

  it("leaves a sweep without the axes as it was: no field on the point, the same keys", () => {
    const [point] = allSweepPoints(sweep(""));
    expect(point?.key).toBe("same-node/TCP_CRR/1,1");
    expect(Object.keys(point ?? {})).not.toContain("destination");
    expect(Object.keys(point ?? {})).not.toContain("services");
    expect(allSweepPoints(sweep("destinations: [pod]\n")).map((p) => p.key)).toEqual([
      "same-node/TCP_CRR/1,1",
    ]);
  });

  it("refuses bad values and the lab-only axes on Kubernetes, naming the field", () => {
    expect(() => sweep("destinations: [node]\n")).toThrow(/destinations/);
    expect(() => sweep("ipFamilies: [ipv4, ipv4]\n")).toThrow(/IP family twice/);
    expect(() => sweep("lab: {services: [0]}\n")).toThrow(/services/);
    expect(() => sweep("lab: {services: [20000]}\n")).toThrow(/services/);
    expect(() => sweep("backend: kubernetes\nlab: {services: [100]}\n")).toThrow(
      /lab.services: measured on the lab only/,
    );
    // the Kubernetes backend creates a Service per netserver and uses the pods' IPv6 addresses
    expect(() => sweep("backend: kubernetes\ndestinations: [pod, service]\n")).not.toThrow();
    expect(() => sweep("backend: kubernetes\nipFamilies: [ipv4, ipv6]\n")).not.toThrow();
    expect(() => sweep("backend: kubernetes\ndestinations: [pod]\nipFamilies: [ipv4]\n")).not.toThrow();
  });

  it("refuses combinations the lab cannot measure, naming them", () => {
    expect(() => sweep("modes: [legacy, ebpf, direct]\ndestinations: [pod, service]\n")).toThrow(
      /destinations: service with modes direct/,
    );
    expect(() => sweep("modes: [legacy, ebpf, direct]\nipFamilies: [ipv6]\n")).toThrow(
      /ipv6 with mode direct/,
    );
    expect(() => sweep("destinations: [service]\nstreams: [1, 4]\n")).toThrow(/streams above 1/);
  });

  it("groups each block's trials by Service count, meeting the next block at the same count", () => {
    const trials = planSweep(
      sweep("destinations: [pod, service]\nlab: {services: [100, 10000]}\nrepetitions: 3\n"),
    );
    const counts = trials.map((t) => t.point.services);
    const changes = counts.filter((c, i) => i > 0 && c !== counts[i - 1]).length;
    // 3 blocks of 8 trials: one change inside each block, none between blocks
    expect(changes).toBe(3);
    expect(counts.slice(0, 4)).toEqual([100, 100, 100, 100]);
    expect(new Set(trials.slice(0, 8).map((t) => t.block))).toEqual(new Set([1]));
  });
});
