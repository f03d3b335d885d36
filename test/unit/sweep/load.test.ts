import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSweep, SweepError } from "../../../harness/sweep/load.js";

function problems(text: string): string[] {
  try {
    parseSweep(text, "my.yaml");
  } catch (error) {
    if (error instanceof SweepError)
      return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error("expected the sweep to be rejected");
}

describe("parseSweep", () => {
  it("reads sweeps/blog.yaml: both placements, both modes, 64..65536 and TCP_RR 1,1", () => {
    const sweep = parseSweep(readFileSync("sweeps/blog.yaml", "utf8"), "sweeps/blog.yaml");
    expect(sweep.modes).toEqual(["legacy", "ebpf"]);
    expect(sweep.placements).toEqual(["same-node", "cross-node"]);
    const stream = sweep.tests.find((t) => t.test === "TCP_STREAM");
    expect(
      stream?.test === "TCP_STREAM" && [Math.min(...stream.messageSizes), Math.max(...stream.messageSizes)],
    ).toEqual([64, 65536]);
    expect(sweep.tests.find((t) => t.test === "TCP_RR")).toEqual({
      test: "TCP_RR",
      sizes: ["1,1"],
      percentiles: [50, 90, 99],
    });
  });

  it("reads sweeps/full-datapath.yaml: all five tests at the field's sizes", () => {
    const sweep = parseSweep(readFileSync("sweeps/full-datapath.yaml", "utf8"), "sweeps/full-datapath.yaml");
    expect(sweep.tests.map((t) => t.test)).toEqual([
      "TCP_STREAM",
      "TCP_RR",
      "TCP_CRR",
      "UDP_RR",
      "UDP_STREAM",
    ]);
    expect(sweep.tests.find((t) => t.test === "UDP_STREAM")).toEqual({
      test: "UDP_STREAM",
      messageSizes: [1024],
    });
    expect(sweep.tests.find((t) => t.test === "TCP_CRR")).toEqual({
      test: "TCP_CRR",
      sizes: ["1,1"],
      percentiles: [50, 90, 99],
    });
    expect(sweep.cpu.serviceDemand).toBe(true);
    expect(sweep.modes).toEqual(["legacy", "ebpf", "direct"]);
    expect(sweep.streams).toEqual([1, 4]);
    expect(sweep.witness).toEqual(["sockperf", "iperf3"]);
  });

  it("accepts the new tests with their defaults and service demand, and refuses what netperf cannot send", () => {
    const sweep = parseSweep(
      "tests: [{test: TCP_CRR}, {test: UDP_RR}]\ncpu: {serviceDemand: true}\n",
      "x.yaml",
    );
    expect(sweep.tests).toEqual([
      { test: "TCP_CRR", sizes: ["1,1"], percentiles: [50, 90, 99] },
      { test: "UDP_RR", sizes: ["1,1"], percentiles: [50, 90, 99] },
    ]);
    expect(sweep.cpu).toEqual({ placement: "auto", serviceDemand: true });
    // one UDP datagram carries at most 65507 bytes over IPv4; TCP takes up to 1 MiB
    expect(problems("tests: [{test: UDP_STREAM, messageSizes: [65508]}]\n")).toEqual([
      "1:43 tests[0].messageSizes[0]: must be at most 65507 bytes, got 65508",
    ]);
    expect(problems('tests: [{test: UDP_RR, sizes: ["1,65508"]}]\n')[0]).toMatch(
      /tests\[0\]\.sizes\[0\]: request and response sizes must be from 1 to 65507 bytes/,
    );
    expect(parseSweep("tests: [{test: TCP_STREAM, messageSizes: [65508]}]", "x.yaml").tests).toHaveLength(1);
    expect(problems("tests: [{test: UDP_STREAM}]\n")[0]).toMatch(/tests\[0\]\.messageSizes: is required/);
    expect(problems("tests: [{test: TCP_CRR, messageSizes: [64]}]\n")[0]).toMatch(
      /tests\[0\]\.messageSizes: unknown key/,
    );
    expect(problems("tests: [{test: TCP_RR}]\ncpu: {serviceDemand: yes please}\n")[0]).toMatch(
      /cpu\.serviceDemand: expected boolean/,
    );
  });

  it("fills defaults for everything but the tests", () => {
    const sweep = parseSweep("tests: [{test: TCP_RR}]", "x.yaml");
    expect(sweep).toMatchObject({
      backend: "lab",
      modes: ["legacy", "ebpf"],
      placements: ["same-node", "cross-node"],
      order: "interleaved",
      profile: "standard",
      durationSec: 2,
      repetitions: 8,
      retries: 1,
      lab: { nodes: 2, podsPerNode: 2, iptablesServices: 100 },
      cpu: { placement: "auto", serviceDemand: false },
      // standard is adaptive: ±3% within 40 blocks or 14 minutes of trials
      targetCiPct: 3,
      maxRepetitions: 40,
      timeBudgetMin: 14,
    });
    // a sweep that sets its own repetitions, or runs blocked, is not made adaptive by the profile
    expect(parseSweep("tests: [{test: TCP_RR}]\nrepetitions: 5\n", "x.yaml").targetCiPct).toBeUndefined();
    expect(parseSweep("tests: [{test: TCP_RR}]\norder: blocked\n", "x.yaml").targetCiPct).toBeUndefined();
  });

  it("applies a command-line profile over the file's duration and repetitions", () => {
    const text = "tests: [{test: TCP_RR}]\nduration: 30\nrepetitions: 9\n";
    expect(parseSweep(text, "x.yaml")).toMatchObject({ durationSec: 30, repetitions: 9 });
    expect(parseSweep(text, "x.yaml", { profile: "quick" })).toMatchObject({
      durationSec: 1,
      repetitions: 8,
      profile: "quick",
    });
    expect(parseSweep(text, "x.yaml", { profile: "full" })).toMatchObject({
      durationSec: 20,
      repetitions: 8,
    });
  });

  it("names line, column and the nearest key for a misspelled key", () => {
    expect(problems("tests: [{test: TCP_RR}]\nplacments: [same-node]\n")).toEqual([
      '2:1 placments: unknown key (did you mean "placements"?)',
    ]);
    expect(problems("tests:\n  - test: TCP_RR\n    percentile: [50]\n")).toEqual([
      '3:5 tests[0].percentile: unknown key (did you mean "percentiles"?)',
    ]);
    expect(problems("tests: [{test: TCP_RR}]\nlab:\n  nodez: 3\n")).toEqual([
      '3:3 lab.nodez: unknown key (did you mean "nodes"?)',
    ]);
  });

  it("says what was expected for wrong types and bad sizes", () => {
    expect(problems("tests:\n  - test: TCP_STREAM\n    messageSizes: [64, big, 0]\nduration: 2.5\n")).toEqual(
      [
        '3:24 tests[0].messageSizes[1]: expected number, got "big"',
        "3:29 tests[0].messageSizes[2]: expected number to be >=1, got 0",
        "4:11 duration: expected a whole number, got 2.5",
      ],
    );
    expect(problems('tests:\n  - test: TCP_RR\n    sizes: ["1-1"]\n')).toEqual([
      '3:13 tests[0].sizes[0]: expected a request,response pair of byte counts, e.g. "1,1", got "1-1"',
    ]);
  });

  it("rejects empty modes, unknown modes and tests, suggesting the nearest", () => {
    expect(problems("modes: []\ntests: [{test: TCP_RR}]\n")).toEqual([
      "1:8 modes: needs at least one mode (legacy, ebpf, host, direct)",
    ]);
    expect(problems("modes: [legacy, epbf]\ntests: [{test: TCP_RR}]\n")).toEqual([
      '1:17 modes[1]: expected one of legacy, ebpf, host, direct, got "epbf" (did you mean "ebpf"?)',
    ]);
    expect(problems("tests:\n  - test: TCP_RRR\n")).toEqual([
      '2:11 tests[0].test: test must be one of TCP_STREAM, TCP_RR, TCP_CRR, UDP_RR, UDP_STREAM, got "TCP_RRR" (did you mean "TCP_RR"?)',
    ]);
    expect(problems("tests: []\n")).toEqual(["1:8 tests: needs at least one test"]);
    expect(problems("modes: [legacy, legacy]\ntests: [{test: TCP_RR}]\n")).toEqual([
      "1:8 modes: lists a mode twice",
    ]);
  });

  it("reports YAML syntax errors with their position, and an empty file as missing tests", () => {
    expect(problems("tests: [ {test: TCP_RR\n")[0]).toMatch(/^\d+:\d+ : YAML: /);
    expect(problems("")).toEqual(["1:1 tests: is required (array)"]);
  });

  it("defaults to the segmented order where a mode switch is slow (Cilium's agent rollout)", () => {
    const k8s = parseSweep(
      "backend: kubernetes\ntests: [{test: TCP_RR}]\nkubernetes: {routing: {strategy: cilium-configmap}}\n",
      "x.yaml",
    );
    expect(k8s.order).toBe("segmented");
    expect(k8s.kubernetes.routing).toMatchObject({
      strategy: "cilium-configmap",
      ciliumNamespace: "kube-system",
    });
    expect(
      parseSweep("tests: [{test: TCP_RR}]", "x.yaml", { backend: "kubernetes", context: "aks" }).kubernetes
        .context,
    ).toBe("aks");
    expect(
      parseSweep("backend: kubernetes\norder: interleaved\ntests: [{test: TCP_RR}]", "x.yaml").order,
    ).toBe("interleaved");
    expect(problems("tests: [{test: TCP_RR}]\nkubernetes: {routing: {strategy: switch}}\n")[0]).toMatch(
      /kubernetes.routing.strategy: expected one of cilium-configmap, command, contexts, none, got "switch"/,
    );
  });

  it("puts the file name in the message", () => {
    expect(() => parseSweep("tests: 3", "sweeps/mine.yaml")).toThrow(
      /sweeps\/mine\.yaml:1:8: tests: expected array, got 3/,
    );
  });
});
