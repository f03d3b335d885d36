import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildNetperfArgv, type NetperfInvocation } from "../../../harness/netperf/argv.js";
import { buildStreamArgvs, STREAM_START_DELAY_SEC } from "../../../harness/netperf/streams.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep, sweepPoints } from "../../../harness/sweep/plan.js";
import { resolvedSweepSchema } from "../../../harness/sweep/schema.js";

const sweep = (extra = "") =>
  parseSweep(
    `tests:\n  - {test: TCP_STREAM, messageSizes: [64]}\n  - {test: TCP_RR}\nrepetitions: 3\n${extra}`,
    "x.yaml",
  );

describe("streams in the sweep", () => {
  it("plans a real run's trials exactly as it ran them before streams existed (--resume relies on it)", () => {
    // a results.json recorded by a lab run before this field: its sweep and its trial ids, in run order
    const recorded = JSON.parse(
      readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
    ) as { sweep: unknown; trials: { id: string }[] };
    const stored = resolvedSweepSchema.parse(recorded.sweep);
    expect(stored.streams).toBeUndefined();
    expect(planSweep(stored).map((t) => t.id)).toEqual(recorded.trials.map((t) => t.id));
  });

  it("keeps one-stream points as they were and gives every other stream count its own point", () => {
    expect(planSweep(sweep("streams: [1]\n"))).toEqual(planSweep(sweep()));
    const points = sweepPoints(sweep("streams: [1, 8]\n"));
    expect(points.map((p) => p.key)).toEqual([
      "same-node/TCP_STREAM/64",
      "same-node/TCP_STREAM/64/streams=8",
      "same-node/TCP_RR/1,1",
      "same-node/TCP_RR/1,1/streams=8",
      "cross-node/TCP_STREAM/64",
      "cross-node/TCP_STREAM/64/streams=8",
      "cross-node/TCP_RR/1,1",
      "cross-node/TCP_RR/1,1/streams=8",
    ]);
    expect(points[0]).not.toHaveProperty("streams");
    // the size names the stream count, so summaries and reports keep the two points apart
    expect(points[1]).toMatchObject({ streams: 8, size: "64 ×8", messageSize: 64 });
    expect(planSweep(sweep("streams: [1, 8]\n"))).toHaveLength(8 * 2 * 3);
  });

  it("refuses a stream count listed twice, below 1 or not whole", () => {
    expect(() => sweep("streams: [8, 8]\n")).toThrow(/stream count twice/);
    expect(() => sweep("streams: [0]\n")).toThrow(/streams/);
    expect(() => sweep("streams: [1.5]\n")).toThrow(/streams/);
  });
});

describe("buildStreamArgvs", () => {
  const rr: NetperfInvocation = {
    test: "TCP_RR",
    host: "198.19.1.11",
    port: 12865,
    durationSec: 1,
    requestSize: 1,
    responseSize: 1,
  };

  it("runs one stream with exactly the one-instance argv", () => {
    expect(buildStreamArgvs(rr, 1)).toEqual([buildNetperfArgv(rr)]);
  });

  it("gives every instance the start delay as a global option, and never -v 2 (it replaces the -o line)", () => {
    const argvs = buildStreamArgvs(rr, 4);
    expect(argvs).toHaveLength(4);
    for (const argv of argvs) {
      const globals = argv.slice(0, argv.indexOf("--"));
      expect(globals.join(" ")).toContain(`-s ${STREAM_START_DELAY_SEC}`);
      expect(globals).not.toContain("-v");
      expect(argv.slice(argv.indexOf("--"))).not.toContain("-P"); // no fixed data port: ephemeral ones
    }
    // the command the fixtures tcp_rr_1_1.streams4.*.csv were captured with
    expect(argvs[0]?.slice(0, 13)).toEqual([
      "netperf",
      "-H",
      "198.19.1.11",
      "-p",
      "12865",
      "-t",
      "TCP_RR",
      "-l",
      "1",
      "-P",
      "0",
      "-c",
      "-C",
    ]);
  });

  it("gives each instance its own fixed data port, and asks no test for -v 2", () => {
    const argvs = buildStreamArgvs({ ...rr, dataPort: 12866 }, 3);
    expect(argvs.map((argv) => argv[argv.lastIndexOf("-P") + 1])).toEqual([",12866", ",12867", ",12868"]);
    const bulk = buildStreamArgvs({ ...rr, test: "TCP_STREAM", messageSize: 64 }, 2);
    expect(bulk[0]).not.toContain("-v");
  });

  it("refuses a stream count that is not a whole number from 1", () => {
    expect(() => buildStreamArgvs(rr, 0)).toThrow(/streams must be/);
  });
});
