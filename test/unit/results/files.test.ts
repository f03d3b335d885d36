/**
 * Every file routebench writes and reads back round-trips through its schema, and a damaged
 * field is refused with the file and the field's path. The type checks at the top run in
 * `tsc`: the stored shapes and the types the code computes with must stay the same.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { LabState, labStateSchema } from "../../../harness/backends/lab/state.js";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import type { Metrics } from "../../../harness/netperf/parse.js";
import { parseTrialLog, RunLog, readRunFolder } from "../../../harness/results/log.js";
import { readResults } from "../../../harness/results/read.js";
import type { pointSchema, Results, RunMeta, TrialRecord } from "../../../harness/results/schema.js";
import type { Comparison } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import type { Point } from "../../../harness/sweep/plan.js";
import { formatPath } from "../../../harness/util/validate.js";

// compile-time: the stored shapes are the computed ones (the summary's types are its schema's: summary-schema.ts)
expectTypeOf<z.output<typeof pointSchema>>().toEqualTypeOf<Point>();
expectTypeOf<NonNullable<TrialRecord["metrics"]>>().toEqualTypeOf<Metrics>();
expectTypeOf<z.output<typeof labStateSchema>>().toEqualTypeOf<LabState>();

const tmp = () => mkdtempSync(join(tmpdir(), "rb-files-"));
const sweep = parseSweep(
  "modes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 6\nduration: 1\n",
  "files.yaml",
);

/** A run whose first trial carries every optional field, so the schema sees all of them. */
function sampleResults(): Results {
  const trials = syntheticTrials(sweep, { effect: { ebpf: 1.2, legacy: 1 }, drift: 0, cv: 0.05, seed: 7 });
  const evidence = {
    mode: "ebpf" as const,
    at: "2026-11-26T10:00:00.000Z",
    nodes: { node1: "mode=ebpf generation=3" },
    ok: true,
    verified: true,
    detail: "every node's map says ebpf",
  };
  trials[0] = {
    ...(trials[0] as TrialRecord),
    error: "none",
    path: {
      bpfRedirects: 10,
      stackPasses: 0,
      iptablesForwardPackets: 0,
      ipForwarded: 0,
      generation: 3,
      ok: true,
      kind: "ok",
      reason: "redirected",
    },
    rejection: { kind: "noise", reason: "busy", rule: { name: "steal", threshold: 5, value: 9 } },
    noisy: true,
    noise: {
      cpuBusyPct: 50,
      cpuStealPct: 1,
      loadAvg1: 0.5,
      loadPerCpu: 0.25,
      benchCpus: [1],
      benchCpuStealPct: 0.5,
      competingTasks: 0.1,
      samples: 10,
    },
    datapath: { tcpRetransSegs: 0, tcpReorder: 0, tcpDsackRecv: 0, drops: { "rb-node1/eth0": 1 } },
    elapsedSec: 1.002,
    restarts: ["rb-node1-pod1"],
    phasesMs: { netperf: 1002, counters: 30 },
    modeEvidence: evidence,
  };
  const results = syntheticResults(sweep, trials, "run-files");
  results.environment.controller = {
    kernel: "6.1",
    os: "Debian 12",
    cpuModel: "x",
    cpuCount: 2,
    hostname: "ctl",
  };
  results.modeEvidence = [evidence];
  return results;
}

describe("results.json", () => {
  it("round-trips through its schema, every field kept", async () => {
    const results = sampleResults();
    expect(results.summary.comparisons.length).toBeGreaterThan(0);
    const dir = tmp();
    await new RunLog(dir).finish(results);
    expect(await readResults(dir)).toEqual(results);
  });

  it("refuses a damaged field, naming the file and the field's path", async () => {
    const dir = tmp();
    const file = join(dir, "results.json");
    const results = sampleResults();
    writeFileSync(
      file,
      JSON.stringify({
        ...results,
        trials: results.trials.map((t, i) => (i === 3 ? { ...t, state: "done" } : t)),
      }),
    );
    await expect(readResults(file)).rejects.toThrow(
      `${file}: trials[3].state: expected "completed" | "failed" | "rejected", got "done"`,
    );
    writeFileSync(file, JSON.stringify({ ...results, summary: { ...results.summary, points: "none" } }));
    await expect(readResults(file)).rejects.toThrow(`${file}: summary.points: expected array, got "none"`);
    const { plannedTrials: _, ...withoutPlanned } = results;
    writeFileSync(file, JSON.stringify({ ...withoutPlanned, planned: 3 }));
    await expect(readResults(file)).rejects.toThrow(
      /plannedTrials: missing \(expected number\)[\s\S]*unexpected field planned/,
    );
    // the topology keeps what the backend recorded; the facts a report reads are checked
    const placed = { ...results.environment.topology, cpuPlacement: { policy: "sometimes" } };
    writeFileSync(
      file,
      JSON.stringify({ ...results, environment: { ...results.environment, topology: placed } }),
    );
    await expect(readResults(file)).rejects.toThrow(
      `${file}: environment.topology.cpuPlacement.policy: expected "one-cpu" | "explicit" | "unpinned", got "sometimes"`,
    );
  });

  it("still refuses other schema versions before looking at fields", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "results.json"), JSON.stringify({ schemaVersion: 1, trials: "old" }));
    await expect(readResults(dir)).rejects.toThrow(
      /schema version 1; this routebench reads versions 2 and 3/,
    );
  });

  it("reads version 2, whose undecided comparisons said no significant difference, as undecided", async () => {
    const dir = tmp();
    const results = sampleResults();
    const tested = results.summary.comparisons[0] as Comparison;
    // version 2: no reason field, and a caveat beside "no significant difference" where nothing was decided
    const { undecidedReason: _r, caveat: _c, ...bare } = tested;
    const comparisons = [
      { ...bare, verdict: "no significant difference" },
      {
        ...bare,
        n: 3,
        ciLow: null,
        ciHigh: null,
        verdict: "no significant difference",
        caveat: "too few pairs to decide (n = 3; an interval needs 6)",
      },
      {
        ...bare,
        verdict: "no significant difference",
        caveat:
          "the machine stayed too busy in 2 of 6 pairs (kept after every allowed repeat): not a finding",
      },
    ];
    writeFileSync(
      join(dir, "results.json"),
      JSON.stringify({ ...results, schemaVersion: 2, summary: { ...results.summary, comparisons } }),
    );
    const read = await readResults(dir);
    expect(read.schemaVersion).toBe(3);
    expect(read.summary.comparisons.map((c) => [c.verdict, c.undecidedReason])).toEqual([
      ["no significant difference", undefined],
      ["undecided", "too-few-pairs"],
      ["undecided", "noisy-pairs"],
    ]);
  });
});

describe("run.json and trials.jsonl (what --resume reads)", () => {
  const results = sampleResults();
  const meta: RunMeta = {
    runId: results.runId,
    label: results.label,
    startedAt: results.startedAt,
    command: results.command,
    sweep: results.sweep,
    environment: results.environment,
  };

  it("round-trip through their schemas", async () => {
    const dir = tmp();
    const log = new RunLog(dir);
    await log.start(meta);
    for (const trial of results.trials) log.append(trial);
    expect(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).schemaVersion).toBe(3);
    expect(await readRunFolder(dir)).toEqual({ meta, trials: results.trials });
  });

  it("refuses a run.json without this version or with a damaged field", async () => {
    const dir = tmp();
    const file = join(dir, "run.json");
    writeFileSync(file, JSON.stringify(meta));
    await expect(readRunFolder(dir)).rejects.toThrow(
      `${file} has schema version (none); this routebench resumes version 3`,
    );
    writeFileSync(
      file,
      JSON.stringify({ schemaVersion: 3, ...meta, sweep: { ...meta.sweep, durationSec: "2" } }),
    );
    await expect(readRunFolder(dir)).rejects.toThrow(`${file}: sweep.durationSec: expected number, got "2"`);
  });

  it("refuses a trial line that is not a trial record, and drops a torn last line (a crash mid-write) but not a torn middle one", () => {
    const [first, second] = results.trials.map((t) => JSON.stringify(t));
    const bad = JSON.stringify({ ...results.trials[1], metrics: { transactionsPerSec: "fast" } });
    expect(() => parseTrialLog(`${first}\n${bad}\n${second}\n`)).toThrow(
      'trials.jsonl line 2: metrics.transactionsPerSec: expected number, got "fast"',
    );
    expect(parseTrialLog(`${first}\n${second?.slice(0, 40)}`)).toHaveLength(1);
    expect(() => parseTrialLog(`${first}\n${second?.slice(0, 40)}\n${second}\n`)).toThrow(
      /trials.jsonl line 2 is not JSON/,
    );
  });
});

describe("results of the datapath tests (TCP_CRR, UDP_RR, UDP_STREAM, service demand)", () => {
  const datapath = parseSweep(
    `${readFileSync("sweeps/full-datapath.yaml", "utf8")}repetitions: 2\n`,
    "full-datapath.yaml",
  );
  const results = syntheticResults(
    datapath,
    syntheticTrials(datapath, { effect: { ebpf: 1.1, legacy: 1 }, drift: 0, cv: 0.05, seed: 5 }),
    "run-datapath",
  );

  it("round-trip through the schema with their own metrics", async () => {
    const stored = new Set(results.trials.flatMap((t) => Object.keys(t.metrics ?? {})));
    for (const metric of ["connectionsPerSec", "sentMbps", "lossPct", "localSdUsPerKB", "remoteSdUsPerTrans"])
      expect(stored).toContain(metric);
    const dir = tmp();
    await new RunLog(dir).finish(results);
    expect(await readResults(dir)).toEqual(results);
  });

  it("refuses a metric the schema does not know, and reads an older sweep without serviceDemand as off", () => {
    const [first] = results.trials.map((t) => JSON.stringify(t));
    const bad = JSON.stringify({ ...results.trials[1], metrics: { connectionsPerSecond: 1 } });
    expect(() => parseTrialLog(`${first}\n${bad}\n`)).toThrow(
      "trials.jsonl line 2: metrics: unexpected field connectionsPerSecond",
    );
    const dir = tmp();
    const older = { ...results, sweep: { ...results.sweep, cpu: { placement: "auto" } } };
    writeFileSync(join(dir, "results.json"), JSON.stringify(older));
    return expect(readResults(dir)).resolves.toMatchObject({ sweep: { cpu: { serviceDemand: false } } });
  });
});

describe("the lab state file", () => {
  const state: LabState = {
    version: 1,
    status: "up",
    createdAt: "2026-11-26T10:00:00.000Z",
    namespaces: ["rb-node1", "rb-node1-pod1"],
    pins: ["rb-node1"],
    options: { nodes: 2, podsPerNode: 2, iptablesServices: 100 },
    mode: "ebpf",
    generation: 4,
    modeChangedAt: "2026-11-26T10:01:00.000Z",
    netservers: [{ netns: "rb-node1-pod1", pid: 1234 }],
    foreignRulesAtSwitch: { filter: ["-A FORWARD -j ACCEPT"] },
  };

  it("round-trips through its schema, and a damaged field is refused with its path", async () => {
    const file = join(tmp(), "lab.json");
    process.env.ROUTEBENCH_LAB_STATE = file;
    // the state module reads the variable when it loads
    const { readLabState, writeLabState } = await import("../../../harness/backends/lab/state.js");
    await writeLabState(state);
    expect(await readLabState()).toEqual(state);
    writeFileSync(file, JSON.stringify({ ...state, mode: "bpf" }));
    await expect(readLabState()).rejects.toThrow(`${file}: mode: expected "legacy" | "ebpf", got "bpf"`);
    writeFileSync(file, JSON.stringify({ ...state, netservers: [{ netns: "x", pid: "1" }] }));
    await expect(readLabState()).rejects.toThrow(`${file}: netservers[0].pid: expected number, got "1"`);
  });
});

describe("field paths in messages", () => {
  it("reads like the code that would reach the field", () => {
    expect(formatPath(["trials", 3, "state"])).toBe("trials[3].state");
    expect(formatPath(["environment", "topology", "a b"])).toBe('environment.topology["a b"]');
    expect(formatPath([])).toBe("(the whole file)");
    expect(() => parseTrialLog(`{"id":"a"}\n`)).toThrow(/line 1: block: missing \(expected number\)/);
  });
});
