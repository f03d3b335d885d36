/**
 * datapathByMode (stats/datapath.ts) on hand-made trials: per point and mode, the mean
 * retransmissions and reorderings per completed trial that carries counters, and all its drops
 * (summed over devices and trials), worked by hand.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord } from "../../../harness/results/schema.js";
import { datapathByMode } from "../../../harness/stats/datapath.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { sweepPoints } from "../../../harness/sweep/plan.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

const sweep = parseSweep(
  "modes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nrepetitions: 2\nduration: 1\n",
  "x.yaml",
);
const [same, cross] = sweepPoints(sweep) as [
  ReturnType<typeof sweepPoints>[0],
  ReturnType<typeof sweepPoints>[0],
];

const trial = (
  mode: Mode,
  point: typeof same,
  counters: [number, number, Record<string, number>] | null,
  state: TrialRecord["state"] = "completed",
): TrialRecord =>
  ({
    id: `${mode}:${point.key}`,
    mode,
    point,
    state,
    ...(counters
      ? {
          datapath: {
            tcpRetransSegs: counters[0],
            tcpReorder: counters[1],
            tcpDsackRecv: 99,
            drops: counters[2],
          },
        }
      : {}),
  }) as TrialRecord;

describe("datapathByMode", () => {
  it("averages retransmissions and reorderings per trial and sums every drop, per point and mode", () => {
    const byPoint = datapathByMode([
      trial("legacy", same, [3, 1, { "rb-n1/eth0": 2, "rb-n2/eth0": 1 }]),
      trial("legacy", same, [5, 2, {}]),
      trial("legacy", same, [100, 100, { x: 100 }], "failed"), // not completed: left out
      trial("legacy", same, null), // no counters: left out, not a zero
      trial("ebpf", same, [0, 0, { "rb-n1/eth0": 4 }]),
      trial("ebpf", cross, [7, 0, {}]),
    ]);
    expect(byPoint.get(same)).toEqual(
      new Map([
        ["legacy", { retransPerTrial: 4, reorderPerTrial: 1.5, drops: 3 }],
        ["ebpf", { retransPerTrial: 0, reorderPerTrial: 0, drops: 4 }],
      ]),
    );
    expect(byPoint.get(cross)).toEqual(
      new Map([["ebpf", { retransPerTrial: 7, reorderPerTrial: 0, drops: 0 }]]),
    );
    expect([...byPoint.entries()].map(([key]) => key.placement)).toEqual(["same-node", "cross-node"]);
    expect(datapathByMode([trial("legacy", same, null)]).get(same)).toBeUndefined();
  });
});
