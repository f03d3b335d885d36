/** Small made-up histories: two modes of one cross-node TCP_STREAM point, a run a day. */
import type { HistoryRun } from "../../../harness/history/runs.js";

/** Run `index` (0-based) with every median × `factor` and a little deterministic wobble. */
export function run(index: number, factor: number): HistoryRun {
  const day = String(index + 1).padStart(2, "0");
  return {
    runId: `run-${day}`,
    label: `build ${index + 1}`,
    state: "completed",
    startedAt: `2026-12-${day}T00:00:00.000Z`,
    finishedAt: `2026-12-${day}T00:10:00.000Z`,
    gitCommit: `abc${day}`,
    routebenchVersion: "0.1.0",
    backend: "lab",
    kernel: "6.8",
    hostname: "h",
    sweepName: "blog",
    sweepDesign: "d1",
    points: (["legacy", "ebpf"] as const).map((mode) => {
      const median =
        (mode === "ebpf" ? 1200 : 1000) * factor * (1 + 0.004 * Math.sin(index * 2.3 + mode.length));
      return {
        n: 8,
        median,
        mean: median,
        stddev: null,
        cv: null,
        min: median,
        max: median,
        mode,
        placement: "cross-node" as const,
        test: "TCP_STREAM" as const,
        size: "1024",
        metric: "throughputMbps" as const,
        ciLow: median * 0.99,
        ciHigh: median * 1.01,
      };
    }),
    comparisons: [],
  };
}
