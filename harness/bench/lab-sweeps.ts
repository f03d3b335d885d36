/**
 * Sweeps a benchmark runs in-process on the lab (`runSweep` with the real lab backend and a
 * runner of its own, e.g. one that plants slowdowns or rewrites netperf's argv). Ctrl-C or
 * SIGTERM kills the running trial and runSweep takes the lab down; the sweep then throws,
 * naming where its finished trials are.
 */
import { join } from "node:path";
import { labBackend } from "../backends/lab/backend.js";
import type { Results } from "../results/schema.js";
import type { RunControl } from "../run/execute.js";
import { runSweep } from "../run/run.js";
import { loadSweep } from "../sweep/load.js";
import type { Sweep } from "../sweep/schema.js";
import type { Runner } from "../util/runner.js";

/** A function that runs the sweep file `file` as `name` under `dir` through `runner`. */
export function labSweeps(bench: string, dir: string) {
  let current: RunControl | null = null;
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      interrupted = true;
      if (current) {
        current.stopRequested = true;
        current.kill.abort();
      }
    });
  return async (
    name: string,
    file: string,
    runner: Runner,
    /** What the benchmark changes in the resolved sweep (e.g. an earlier design's `modeOrder`). */
    adjust: (sweep: Sweep) => Sweep = (sweep) => sweep,
  ): Promise<Results> => {
    const sweep = adjust(await loadSweep(file));
    if (interrupted) throw new Error("interrupted");
    const control: RunControl = { stopRequested: false, kill: new AbortController() };
    current = control;
    const outcome = await runSweep({
      sweep,
      backend: labBackend(runner),
      outDir: join(dir, name),
      command: [bench, name],
      control,
      log: () => undefined,
      onProgress: () => undefined,
    });
    current = null;
    // an interrupted sweep says where its trials are, even when stopping raised an error too
    if (interrupted) throw new Error(`interrupted: ${name}'s finished trials are in ${outcome.dir}`);
    if (outcome.error) throw outcome.error;
    return outcome.results;
  };
}

/**
 * The reference both lab acceptance benchmarks measure against: same-node TCP_RR 1,1
 * eBPF/legacy, `durationSec` trials, blocks added until its 95% interval is within ±1%.
 */
export function referenceSweepYaml(seed: number, durationSec: number): string {
  return [
    "name: reference",
    "modes: [legacy, ebpf]",
    "placements: [same-node]",
    'tests: [{test: TCP_RR, sizes: ["1,1"], percentiles: []}]',
    `duration: ${durationSec}`,
    "repetitions: 8",
    "targetCiPct: 1",
    "maxRepetitions: 200",
    `seed: ${seed}`,
    "",
  ].join("\n");
}

/** A run's eBPF/legacy transaction-rate comparison at `placement` (TCP_RR), if it has one. */
export function rateComparison(results: Results, placement: string) {
  return results.summary.comparisons.find(
    (c) =>
      c.placement === placement &&
      c.metric === "transactionsPerSec" &&
      c.baseline === "legacy" &&
      c.candidate === "ebpf",
  );
}
