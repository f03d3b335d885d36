/**
 * Switch cost is part of the design (issue 18): each backend and strategy declares what a
 * switch costs, the planner picks the design that fits, and a sweep that does not fit is
 * refused before anything is created.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../../../harness/backends/kubernetes/strategies.js";
import { designLine } from "../../../harness/sweep/design.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import {
  estimateSwitchSeconds,
  modeSwitches,
  plannedSwitches,
  planSweep,
  sweepSegments,
} from "../../../harness/sweep/plan.js";
import { SWITCH_COSTS } from "../../../harness/sweep/switch-cost.js";

const k8s = (strategy: string, extra = "") =>
  parseSweep(
    `backend: kubernetes\nkubernetes: {routing: {strategy: ${strategy}, contexts: {legacy: a, ebpf: b}}}\ntests:\n  - {test: TCP_STREAM, messageSizes: [64, 1024]}\n  - {test: TCP_RR}\nrepetitions: 8\nduration: 2\n${extra}`,
    "x.yaml",
  );

describe("the switch cost of each strategy", () => {
  it("is declared once and each Kubernetes strategy's row points at it", () => {
    for (const [name, row] of Object.entries(STRATEGIES))
      expect(row.switchCost).toBe(SWITCH_COSTS[name as keyof typeof SWITCH_COSTS]);
    expect(SWITCH_COSTS.lab.typicalSec).toBeLessThan(0.1);
    expect(SWITCH_COSTS["cilium-configmap"]).toMatchObject({ replacesNodes: false, switches: true });
    expect(SWITCH_COSTS["cilium-configmap"].typicalSec).toBeGreaterThanOrEqual(60);
    // az aks update: a rolling upgrade that reimages every node, tens of minutes
    expect(SWITCH_COSTS.command).toMatchObject({ replacesNodes: true, switches: true });
    expect(SWITCH_COSTS.command.typicalSec).toBeGreaterThanOrEqual(600);
    expect(SWITCH_COSTS.contexts).toMatchObject({ switches: false, typicalSec: 0 });
  });
});

describe("the design the planner picks", () => {
  it("interleaves block by block where switches are cheap (the lab) or absent (one cluster per mode)", () => {
    const lab = parseSweep("tests: [{test: TCP_RR}]\nrepetitions: 8", "x.yaml");
    expect(lab.order).toBe("interleaved");
    const contexts = k8s("contexts");
    expect(contexts.order).toBe("interleaved");
    const trials = planSweep(contexts);
    expect(modeSwitches(trials)).toBeGreaterThan(4);
    // moving between clusters is not a switch: nothing to wait for, no cap
    expect(plannedSwitches(contexts, trials)).toBe(0);
    expect(designLine(contexts)).toMatch(/two clusters .* confounded with the mode/);
  });

  it("says where a baseline runs: before or after the legacy/eBPF pair, never between", () => {
    const three = parseSweep(
      "tests: [{test: TCP_RR}]\nrepetitions: 8\nmodes: [legacy, ebpf, direct]",
      "x.yaml",
    );
    expect(designLine(three)).toContain("(legacy and ebpf next to each other, direct before or after them)");
    // two modes: nothing to say; a run planned before (no modeOrder) had no such order
    expect(designLine(parseSweep("tests: [{test: TCP_RR}]\nrepetitions: 8", "x.yaml"))).not.toContain(
      "next to",
    );
    const { modeOrder: _, ...before } = three;
    expect(designLine(before)).not.toContain("next to");
  });

  it("runs slow switches in mirrored segments, A BB A: 3 switches, many interleaved blocks per segment", () => {
    for (const strategy of ["cilium-configmap", "command"]) {
      const sweep = k8s(strategy, "modes: [legacy, ebpf, host]");
      expect(sweep.order).toBe("segmented");
      const trials = planSweep(sweep);
      expect(plannedSwitches(sweep, trials)).toBe(3);
      expect(sweepSegments(sweep)).toEqual([
        { mode: "legacy", blocks: [1, 2, 3, 4] },
        { mode: "ebpf", blocks: [5, 6, 7, 8, 9, 10, 11, 12] },
        { mode: "legacy", blocks: [13, 14, 15, 16] },
      ]);
      // every routing mode runs its 8 blocks; the host baseline runs in every block beside it
      expect(trials.filter((t) => t.mode === "legacy")).toHaveLength(6 * 8);
      expect(trials.filter((t) => t.mode === "ebpf")).toHaveLength(6 * 8);
      expect(trials.filter((t) => t.mode === "host")).toHaveLength(6 * 16);
      // inside a block, points in seeded random order and each point's modes back to back
      const block5 = trials.filter((t) => t.block === 5);
      expect(new Set(block5.map((t) => t.mode))).toEqual(new Set(["ebpf", "host"]));
      for (let i = 0; i < block5.length; i += 2) expect(block5[i]?.point.key).toBe(block5[i + 1]?.point.key);
      // ids stay `block:mode:pointKey`, unique and seeded (--resume relies on them)
      expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
      expect(trials.every((t) => t.id === `${t.block}:${t.mode}:${t.point.key}`)).toBe(true);
      expect(planSweep(sweep).map((t) => t.id)).toEqual(trials.map((t) => t.id));
      expect(planSweep({ ...sweep, seed: 2 }).map((t) => t.id)).not.toEqual(trials.map((t) => t.id));
    }
  });

  it("uses more ABBA cycles where maxSwitches allows", () => {
    const sweep = k8s("command", "maxSwitches: 7");
    expect(sweepSegments(sweep).map((s) => s.mode)).toEqual([
      "legacy",
      "ebpf",
      "legacy",
      "ebpf",
      "legacy",
      "ebpf",
      "legacy",
    ]);
    expect(plannedSwitches(sweep, planSweep(sweep))).toBe(7);
    // 8 repetitions over 6 halves: ⌈8/6⌉ = 2 blocks per half, each mode at least 8 blocks
    expect(planSweep(sweep).filter((t) => t.mode === "legacy" && t.point.test === "TCP_RR")).toHaveLength(24);
  });

  it("plans the shipped cluster sweeps with at most 4 switches and prices them", () => {
    for (const file of ["sweeps/aks.yaml", "sweeps/cilium.yaml"]) {
      const sweep = parseSweep(readFileSync(file, "utf8"), file);
      const trials = planSweep(sweep);
      expect(sweep.order).toBe("segmented");
      expect(plannedSwitches(sweep, trials)).toBeLessThanOrEqual(4);
      expect(estimateSwitchSeconds(sweep, trials)).toBeGreaterThan(0);
    }
    const aks = parseSweep(readFileSync("sweeps/aks.yaml", "utf8"), "aks.yaml");
    expect(estimateSwitchSeconds(aks, planSweep(aks))).toBe(3 * 1800);
    // the sweep's own figure wins
    const own = k8s("command", "switchCostSec: 900");
    expect(estimateSwitchSeconds(own, planSweep(own))).toBe(3 * 900);
  });

  it("keeps a one-switch before/after design for when it is asked for, and says what it confounds", () => {
    const sweep = k8s("command", "order: blocked");
    expect(sweep.order).toBe("blocked");
    expect(plannedSwitches(sweep, planSweep(sweep))).toBe(2);
    expect(designLine(sweep)).toMatch(/drift over the run and the mode are confounded/);
  });
});

describe("sweeps refused before anything is created", () => {
  it("refuses a slow-switch sweep over its switch cap", () => {
    expect(() => k8s("command", "order: interleaved")).toThrow(
      /x\.yaml: the interleaved order makes \d+ mode switches, over maxSwitches 4 \(routing\.strategy command/,
    );
    expect(() => k8s("cilium-configmap", "order: interleaved\nmaxSwitches: 10")).toThrow(
      /over maxSwitches 10/,
    );
    // a cap too small for A BB A: only a before/after design fits, and it must be asked for
    expect(() => k8s("command", "maxSwitches: 2")).toThrow(/too few for the segmented design/);
    expect(k8s("command", "maxSwitches: 2\norder: blocked").order).toBe("blocked");
    // a cap the lab's sweep asks for is kept too
    expect(() => parseSweep("tests: [{test: TCP_RR}]\nmaxSwitches: 3", "x.yaml")).toThrow(
      /over maxSwitches 3/,
    );
  });

  it("refuses an adaptive phase that would add one switch per point per block", () => {
    expect(() =>
      parseSweep(`${readFileSync("sweeps/aks.yaml", "utf8")}`, "aks.yaml", { targetCiPct: 3 }),
    ).toThrow(/--target-ci .* adds interleaved blocks, one switch per point per block; the segmented order/);
    expect(() => k8s("command", "order: blocked\ntargetCiPct: 3")).toThrow(/--target-ci/);
    // the standard profile's adaptive phase is off for the segmented design (not refused)
    const cilium = parseSweep(readFileSync("sweeps/cilium.yaml", "utf8"), "cilium.yaml");
    expect(cilium.profile).toBe("standard");
    expect(cilium.targetCiPct).toBeUndefined();
    // on the lab it stays
    expect(parseSweep("tests: [{test: TCP_RR}]", "x.yaml").targetCiPct).toBe(3);
  });
});
