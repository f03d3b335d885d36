/** The run planned once (run/plan.ts): what the CLI checks and what runSweep runs are one plan. */
import { describe, expect, it } from "vitest";
import { NOISE_REPEATS } from "../../../harness/run/execute.js";
import { planRun } from "../../../harness/run/plan.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";

const sweep = parseSweep(
  "name: p\nmodes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 3\nretries: 2\n",
  "p.yaml",
);

describe("planRun", () => {
  it("counts every attempt a trial can take, noise repeats included, for the disk-room check", () => {
    const plan = planRun({ sweep, command: ["x"], outDir: "/tmp/x", now: new Date("2026-12-01T10:00:00Z") });
    // 2 points × 2 modes × 3 blocks, each with 1 + 2 retries and the noise repeats
    expect(NOISE_REPEATS).toBe(3);
    expect(plan.maxAttempts).toBe(2 * 2 * 3 * (1 + 2 + 3));
    expect(plan.trials).toEqual(planSweep(sweep));
    expect(plan.points.map((p) => p.key)).toEqual(["same-node/TCP_RR/1,1", "cross-node/TCP_RR/1,1"]);
    expect(plan).toMatchObject({ runId: "20261201-100000-p", dir: "/tmp/x", resumed: false, records: [] });
    expect(plan.startedAt).toBeUndefined();
  });

  it("continues a resumed run as it was planned: its sweep, id, folder, start and command", () => {
    const other = { ...sweep, name: "other", repetitions: 5 };
    const meta = {
      schemaVersion: 3 as const,
      runId: "r1",
      label: "l",
      startedAt: "2026-11-01T00:00:00.000Z",
      command: ["routebench", "run"],
      sweep,
      environment: {} as never,
    };
    const plan = planRun({ sweep: other, resume: { dir: "/runs/r1", meta, trials: [] }, command: ["new"] });
    expect(plan).toMatchObject({
      runId: "r1",
      dir: "/runs/r1",
      startedAt: "2026-11-01T00:00:00.000Z",
      command: ["routebench", "run"],
      label: "l",
      resumed: true,
    });
    expect(plan.sweep.repetitions).toBe(3);
  });
});
