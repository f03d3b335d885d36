/**
 * The price of the lab's Service-count changes (issue 23): modelled from the counts (nat rules
 * at the new count on every node and family, map commands for the Services added or removed),
 * counted from the plan's own order, and carried into the run's estimate.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planLab } from "../../../harness/backends/lab/plan.js";
import { labServices, natRestore } from "../../../harness/backends/lab/services.js";
import { serviceDeleteCommands, serviceUpdateCommands } from "../../../harness/backends/lab/sock-lb.js";
import { estimateRun } from "../../../harness/run/estimate.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints } from "../../../harness/sweep/plan.js";
import {
  estimateServiceSeconds,
  SERVICE_CHANGE_COST,
  serviceChangeSeconds,
  serviceCountChanges,
  serviceSecondsPerBlock,
} from "../../../harness/sweep/services-cost.js";

const servicesYaml = readFileSync(new URL("../../../sweeps/services.yaml", import.meta.url), "utf8");
const sweep = (extra: string) =>
  parseSweep(
    `name: s\nplacements: [same-node]\ntests: [{test: TCP_CRR, sizes: ["1,1"]}]\nduration: 1\n${extra}`,
    "s.yaml",
  );

describe("one Service-count change", () => {
  it("costs what bench:services-up measured on this machine, within its spread", () => {
    // to 10,000: iptables 4.6–5.1 s + ip6tables 4.6–5.7 s (2 nodes) + map 1.5–1.8 s
    const up = serviceChangeSeconds(100, 10000, 2);
    expect(up).toBeGreaterThanOrEqual(4.6 + 4.6 + 1.5);
    expect(up).toBeLessThanOrEqual(5.1 + 5.7 + 1.8);
    // back to 100: about 2.3 s in all
    expect(serviceChangeSeconds(10000, 100, 2)).toBeCloseTo(2.3, 1);
    expect(serviceChangeSeconds(100, 100, 2)).toBe(0);
  });

  it("follows the counts: tables at the new count on every node, map commands for the difference", () => {
    const c = SERVICE_CHANGE_COST;
    const tables = (count: number, nodes: number) =>
      nodes * (2 * c.restoreSec + (c.baseRules + 8 * count) * (c.iptablesSecPerRule + c.ip6tablesSecPerRule));
    expect(serviceChangeSeconds(1000, 10000, 3)).toBeCloseTo(
      tables(10000, 3) + 9000 * 10 * c.mapSecPerCommand,
      12,
    );
    expect(serviceChangeSeconds(10000, 1000, 3)).toBeCloseTo(
      tables(1000, 3) + 9000 * 10 * c.mapSecPerCommand,
      12,
    );
    // a third node rewrites one more pair of tables; the map is the machine's, written once
    expect(serviceChangeSeconds(100, 10000, 3) - serviceChangeSeconds(100, 10000, 2)).toBeCloseTo(
      tables(10000, 1),
      12,
    );
  });

  it("uses the rule and command counts the lab writes (services.ts, sock-lb.ts)", () => {
    const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 100 });
    const rules = (count: number) =>
      natRestore(labServices(plan, count), "ipv4")
        .split("\n")
        .filter((l) => l.startsWith("-A ")).length;
    const rules6 = (count: number) =>
      natRestore(labServices(plan, count), "ipv6")
        .split("\n")
        .filter((l) => l.startsWith("-A ")).length;
    for (const count of [2, 12, 100]) {
      expect(rules(count)).toBe(
        SERVICE_CHANGE_COST.baseRules + SERVICE_CHANGE_COST.natRulesPerService * count,
      );
      expect(rules6(count)).toBe(rules(count));
    }
    const synthetic = labServices(plan, 12).slice(2);
    for (const service of synthetic) {
      expect(serviceUpdateCommands("/p", service)).toHaveLength(SERVICE_CHANGE_COST.mapCommandsPerService);
      expect(serviceDeleteCommands("/p", service)).toHaveLength(SERVICE_CHANGE_COST.mapCommandsPerService);
    }
  });
});

describe("the changes a plan makes", () => {
  it("counts one per block with two counts, as the serpentine grouping orders them", () => {
    const s = sweep("lab: {services: [100, 10000]}\ndestinations: [pod, service]\nrepetitions: 3\n");
    const trials = planSweep(s);
    expect(serviceCountChanges(trials)).toEqual([
      [100, 10000],
      [10000, 100],
      [100, 10000],
    ]);
    expect(estimateServiceSeconds(s, trials)).toBeCloseTo(
      2 * serviceChangeSeconds(100, 10000, 2) + serviceChangeSeconds(10000, 100, 2),
      12,
    );
  });

  it("counts every step between three counts, and nothing without the axis", () => {
    const s = sweep("lab: {services: [100, 1000, 10000]}\nrepetitions: 2\n");
    expect(serviceCountChanges(planSweep(s))).toEqual([
      [100, 1000],
      [1000, 10000],
      [10000, 1000],
      [1000, 100],
    ]);
    const plain = sweep("repetitions: 2\n");
    expect(serviceCountChanges(planSweep(plain))).toEqual([]);
    expect(estimateServiceSeconds(plain, planSweep(plain))).toBe(0);
    expect(serviceSecondsPerBlock(plain)).toBe(0);
    // one count: the lab comes up at it and never changes
    expect(serviceCountChanges(planSweep(sweep("lab: {services: [1000]}\nrepetitions: 2\n")))).toEqual([]);
  });

  it("puts them in the run's estimate: the plan's, and the adaptive phase's blocks up to its bound", () => {
    const s = parseSweep(servicesYaml, "services.yaml");
    const trials = planSweep(s);
    const estimate = estimateRun(s, sweepPoints(s), trials);
    expect(estimate.services.changes).toBe(s.repetitions);
    expect(estimate.services.sec).toBeCloseTo(estimateServiceSeconds(s, trials), 12);
    // with a target: up to maxRepetitions blocks, each passing the counts once
    const target = parseSweep(`${servicesYaml}targetCiPct: 2\nmaxRepetitions: 10\n`, "services.yaml");
    const adaptive = estimateRun(target, sweepPoints(target), planSweep(target));
    const perBlock = (serviceChangeSeconds(100, 10000, 2) + serviceChangeSeconds(10000, 100, 2)) / 2;
    expect(serviceSecondsPerBlock(target)).toBeCloseTo(perBlock, 12);
    expect(adaptive.services.maxSec).toBeCloseTo(adaptive.services.sec + 2 * perBlock, 9);
  });
});
