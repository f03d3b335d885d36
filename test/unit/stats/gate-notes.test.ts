/**
 * What the gate prints beside its verdict (stats/regression-notes.ts): environment and noise
 * differences, the design notes of two separate runs, and shifts every mode shares, each
 * against its exact wording and figures worked out by hand.
 */
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { designNotes, environmentNotes } from "../../../harness/stats/regression-notes.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const sweep = parseSweep(
  "modes: [ebpf, legacy]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nrepetitions: 2\nduration: 1\n",
  "x.yaml",
);
const run = (over: Partial<ReturnType<typeof syntheticResults>["environment"]> = {}) => {
  const r = syntheticResults(
    sweep,
    syntheticTrials(sweep, { effect: { ebpf: 1, legacy: 1 }, drift: 0, cv: 0.05, seed: 2 }),
    "r",
  );
  return { ...r, environment: { ...r.environment, ...over } };
};

describe("environmentNotes", () => {
  it("names each environment field that differs, then both runs' noise", () => {
    const base = run({ kernel: "6.1.0", cpuCount: 2 });
    const cand = run({ kernel: "6.12.0", cpuCount: 4 });
    // steal 0, 2, 4, 10 (median 3, max 10) and load per CPU 0.25, 0.5, 1, 2 (median 0.75) in the candidate
    cand.trials.forEach((t, i) => {
      t.noise = {
        cpuBusyPct: 50,
        cpuStealPct: [0, 2, 4, 10][i] ?? 0,
        loadAvg1: 1,
        loadPerCpu: [0.25, 0.5, 1, 2][i] ?? 0,
      };
    });
    expect(cand.trials).toHaveLength(4);
    expect(environmentNotes(base, cand)).toEqual([
      "kernel differs: baseline 6.1.0, candidate 6.12.0",
      "cpuCount differs: baseline 2, candidate 4",
      "noise: CPU steal median 0.0% (max 0%) in the baseline, 3.0% (max 10%) in the candidate; load per CPU 0.50 vs 0.75",
    ]);
  });

  it("says nothing of noise when a run has no readings", () => {
    const cand = run();
    for (const t of cand.trials) delete t.noise;
    expect(environmentNotes(run(), cand)).toEqual([]);
    expect(environmentNotes(cand, run())).toEqual([]);
  });
});

describe("designNotes", () => {
  const separate = designNotes(run(), run(), { kind: "raw" })[0];

  it("always says the runs are separate, and names the stronger design", () => {
    expect(designNotes(run(), run(), { kind: "raw" })).toHaveLength(1);
    expect(separate).toContain("baseline and candidate are separate runs, not interleaved");
    expect(separate).toContain("--normalise cancels drift that every mode shares");
  });

  it("warns that normalising a blocked run cancels only a shift of the whole run", () => {
    const blocked = { ...run(), sweep: { ...sweep, order: "blocked" as const } };
    expect(designNotes(run(), blocked, { kind: "normalised", reference: "legacy" })).toEqual([
      separate,
      "the candidate ran its modes in blocks, not interleaved: normalising by legacy of the same repetition cancels a shift of the whole run, not drift between its blocks",
    ]);
    expect(designNotes(blocked, run(), { kind: "normalised", reference: "host" })[1]).toBe(
      "the baseline ran its modes in blocks, not interleaved: normalising by host of the same repetition cancels a shift of the whole run, not drift between its blocks",
    );
    // raw: no normalisation to weaken
    expect(designNotes(blocked, blocked, { kind: "raw" })).toEqual([separate]);
  });
});
