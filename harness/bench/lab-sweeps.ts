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
  return async (name: string, file: string, runner: Runner): Promise<Results> => {
    const sweep = await loadSweep(file);
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
    if (outcome.error) throw outcome.error;
    if (interrupted) throw new Error(`interrupted: ${name}'s finished trials are in ${outcome.dir}`);
    return outcome.results;
  };
}
