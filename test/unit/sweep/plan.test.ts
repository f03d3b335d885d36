import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSweep } from "../../../harness/sweep/load.js";
import {
  estimateSeconds,
  modeSwitches,
  planBlock,
  planSweep,
  sweepPoints,
} from "../../../harness/sweep/plan.js";
import { seededRandom, shuffled } from "../../../harness/util/random.js";

const sweep = (extra = "") =>
  parseSweep(
    `tests:\n  - {test: TCP_STREAM, messageSizes: [64, 1024]}\n  - {test: TCP_RR}\nrepetitions: 4\nduration: 2\n${extra}`,
    "x.yaml",
  );

describe("planSweep", () => {
  it("lists every point of the sweep", () => {
    expect(sweepPoints(sweep()).map((p) => p.key)).toEqual([
      "same-node/TCP_STREAM/64",
      "same-node/TCP_STREAM/1024",
      "same-node/TCP_RR/1,1",
      "cross-node/TCP_STREAM/64",
      "cross-node/TCP_STREAM/1024",
      "cross-node/TCP_RR/1,1",
    ]);
    expect(sweepPoints(sweep()).find((p) => p.test === "TCP_RR")).toMatchObject({
      requestSize: 1,
      responseSize: 1,
    });
  });

  it("interleaves: every block runs every point in every mode once, a point's modes back to back", () => {
    const trials = planSweep(sweep());
    expect(trials).toHaveLength(6 * 2 * 4);
    for (let block = 1; block <= 4; block++) {
      const inBlock = trials.filter((t) => t.block === block);
      expect(new Set(inBlock.map((t) => `${t.mode}:${t.point.key}`)).size).toBe(12);
      for (let i = 0; i < inBlock.length; i += 2)
        expect(inBlock[i]?.point.key).toBe(inBlock[i + 1]?.point.key);
    }
    expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
  });

  it("keeps the routing modes back to back and puts each baseline before or after them, at random", () => {
    const s = parseSweep(
      "tests: [{test: TCP_STREAM, messageSizes: [64, 1024]}, {test: TCP_RR}]\nmodes: [legacy, ebpf, direct]\nrepetitions: 20\nduration: 2\nseed: 5",
      "x.yaml",
    );
    const trials = planSweep(s);
    const baselineAt = new Set<number>();
    const firstRouting = new Set<string>();
    for (let i = 0; i < trials.length; i += 3) {
      const modes = trials.slice(i, i + 3).map((t) => t.mode);
      expect(new Set(trials.slice(i, i + 3).map((t) => t.point.key)).size).toBe(1);
      const at = modes.indexOf("direct");
      expect([0, 2]).toContain(at); // never between legacy and eBPF
      baselineAt.add(at);
      firstRouting.add(modes[at === 0 ? 1 : 0] as string);
    }
    expect(baselineAt).toEqual(new Set([0, 2]));
    expect(firstRouting).toEqual(new Set(["legacy", "ebpf"]));
    // a run planned before (its stored sweep has no modeOrder) keeps its free shuffle: some baseline sits between
    const { modeOrder: _, ...before } = s;
    const old = planSweep(before);
    const between = old.filter((t, i) => i % 3 === 1 && t.mode === "direct");
    expect(between.length).toBeGreaterThan(0);
  });

  it("plans two modes as it always did: a plain seeded shuffle of each point's modes", () => {
    const s = sweep("seed: 11");
    const trials = planSweep(s);
    // the order before baselines were kept outside the routing pair, replayed with the same random stream
    const points = sweepPoints(s);
    const expected = Array.from({ length: s.repetitions }, (_, b) => {
      const block = b + 1;
      const random = seededRandom((s.seed * 1_000_003 + block * 7919) >>> 0);
      return shuffled(points, random).flatMap((point) =>
        shuffled(s.modes, random).map((mode) => `${block}:${mode}:${point.key}`),
      );
    }).flat();
    expect(trials.map((t) => t.id)).toEqual(expected);
    // the replay above uses today's seededRandom and shuffled: block 1 written out, so that a
    // change to either (which would reorder every stored run's plan) fails here too
    expect(trials.filter((t) => t.block === 1).map((t) => t.id)).toEqual([
      "1:legacy:same-node/TCP_STREAM/64",
      "1:ebpf:same-node/TCP_STREAM/64",
      "1:legacy:cross-node/TCP_STREAM/1024",
      "1:ebpf:cross-node/TCP_STREAM/1024",
      "1:legacy:cross-node/TCP_STREAM/64",
      "1:ebpf:cross-node/TCP_STREAM/64",
      "1:legacy:same-node/TCP_RR/1,1",
      "1:ebpf:same-node/TCP_RR/1,1",
      "1:ebpf:cross-node/TCP_RR/1,1",
      "1:legacy:cross-node/TCP_RR/1,1",
      "1:legacy:same-node/TCP_STREAM/1024",
      "1:ebpf:same-node/TCP_STREAM/1024",
    ]);
  });

  it("is seeded: the same seed gives the same order, another seed another", () => {
    const ids = (extra: string) => planSweep(sweep(extra)).map((t) => t.id);
    expect(ids("seed: 7")).toEqual(ids("seed: 7"));
    expect(ids("seed: 7")).not.toEqual(ids("seed: 8"));
    // both modes go first in some blocks: drift is not always on one mode's side
    const firstModes = new Set(
      planSweep(sweep("seed: 7"))
        .filter((_, i) => i % 2 === 0)
        .map((t) => t.mode),
    );
    expect(firstModes).toEqual(new Set(["legacy", "ebpf"]));
  });

  it("keeps earlier blocks as they were when a block is added (for --target-ci)", () => {
    const s = sweep();
    const before = planSweep(s);
    const longer = planSweep({ ...s, repetitions: s.repetitions + 2 });
    // a plan with more repetitions starts with the shorter plan, trial for trial
    expect(longer.slice(0, before.length)).toEqual(before);
    expect(longer.length).toBeGreaterThan(before.length);
    // the block the adaptive phase adds is the one the longer plan runs next
    const next = s.repetitions + 1;
    expect(planBlock(s, sweepPoints(s), next)).toEqual(longer.filter((t) => t.block === next));
    // and it runs every point in every mode once
    const ids = planBlock(s, sweepPoints(s), next).map((t) => `${t.mode} ${t.point.key}`);
    expect(new Set(ids).size).toBe(sweepPoints(s).length * s.modes.length);
    expect(ids).toHaveLength(sweepPoints(s).length * s.modes.length);
  });

  it("blocked order switches mode once per mode", () => {
    const trials = planSweep(sweep("order: blocked"));
    expect(modeSwitches(trials)).toBe(2);
    expect(trials.slice(0, 24).every((t) => t.mode === "legacy")).toBe(true);
    expect(modeSwitches(planSweep(sweep()))).toBeGreaterThan(2);
  });

  it("estimates the duration from test lengths and a per-trial overhead", () => {
    expect(estimateSeconds(planSweep(sweep()), 0.5)).toBe(48 * 2.5);
  });

  it("plans TCP_CRR, UDP_RR and UDP_STREAM points like the others, and counts netserver's 4 s pad in TCP_CRR", () => {
    const s = parseSweep(
      'placements: [cross-node]\ntests:\n  - {test: TCP_CRR, sizes: ["1,1", "1024,1024"]}\n  - {test: UDP_RR}\n  - {test: UDP_STREAM, messageSizes: [1024]}\nrepetitions: 2\nduration: 2\n',
      "x.yaml",
    );
    expect(sweepPoints(s)).toEqual([
      {
        key: "cross-node/TCP_CRR/1,1",
        placement: "cross-node",
        test: "TCP_CRR",
        size: "1,1",
        requestSize: 1,
        responseSize: 1,
      },
      {
        key: "cross-node/TCP_CRR/1024,1024",
        placement: "cross-node",
        test: "TCP_CRR",
        size: "1024,1024",
        requestSize: 1024,
        responseSize: 1024,
      },
      {
        key: "cross-node/UDP_RR/1,1",
        placement: "cross-node",
        test: "UDP_RR",
        size: "1,1",
        requestSize: 1,
        responseSize: 1,
      },
      {
        key: "cross-node/UDP_STREAM/1024",
        placement: "cross-node",
        test: "UDP_STREAM",
        size: "1024",
        messageSize: 1024,
      },
    ]);
    const trials = planSweep(s);
    expect(trials).toHaveLength(4 * 2 * 2);
    // 16 trials of 2 s, 8 of them TCP_CRR with 4 s more each
    expect(estimateSeconds(trials, 0)).toBe(16 * 2 + 8 * 4);
  });

  it("plans sweeps/full-datapath.yaml: 5 tests × 2 stream counts per placement, every test in every block", () => {
    const s = parseSweep(readFileSync("sweeps/full-datapath.yaml", "utf8"), "sweeps/full-datapath.yaml");
    const points = sweepPoints(s);
    expect(points).toHaveLength(20);
    const trials = planSweep(s);
    expect(trials).toHaveLength(20 * 3 * s.repetitions);
    for (const test of ["TCP_STREAM", "TCP_RR", "TCP_CRR", "UDP_RR", "UDP_STREAM"])
      expect(trials.filter((t) => t.block === 1 && t.point.test === test).length).toBeGreaterThan(0);
    expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
  });
});
