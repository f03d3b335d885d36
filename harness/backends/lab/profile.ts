/**
 * A profiled trial on the lab: `perf record -e cpu-clock -g` on the benchmark CPUs while the
 * trial runs (profile/record.ts), then `perf script` folded into call chains. cpu-clock because the lab's VMs
 * have no hardware PMU; call chains because software-clock samples land where interrupts are
 * re-enabled (profile/attribute.ts). perf runs from the root namespace and sees every
 * namespace's work on those CPUs; it is started by the harness, which is kept off them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { foldPerfScript, perfScriptArgv } from "../../profile/folded.js";
import {
  PROFILE_DELAY_SEC,
  PROFILE_FREQUENCY_HZ,
  perfRecordArgv,
  profileWindowSec,
} from "../../profile/record.js";
import { EnvironmentError } from "../../util/errors.js";
import type { Runner } from "../../util/runner.js";
import type { ProfileCapture, TrialOutcome } from "../backend.js";

/** Runs `run` (the trial) with perf sampling the benchmark CPUs inside its measured window. */
export async function withProfile(
  runner: Runner,
  cpus: readonly number[],
  durationSec: number,
  run: () => Promise<TrialOutcome>,
): Promise<{ outcome: TrialOutcome; capture: ProfileCapture }> {
  const dir = mkdtempSync(join(tmpdir(), "routebench-perf-"));
  const data = join(dir, "perf.data");
  const windowSec = profileWindowSec(durationSec);
  const argv = perfRecordArgv(cpus, data, windowSec);
  let startedAt = new Date().toISOString();
  try {
    const recording = (async () => {
      await sleep(PROFILE_DELAY_SEC * 1000);
      startedAt = new Date().toISOString();
      return runner.run(argv, { timeoutMs: (windowSec + 30) * 1000 });
    })();
    const outcome = await run();
    const recorded = await recording;
    const base = { argv, frequencyHz: PROFILE_FREQUENCY_HZ, windowSec, cpus: [...cpus], startedAt };
    if (recorded.exitCode === 127)
      throw new EnvironmentError(
        "explain needs perf, which is not installed",
        "install Debian's linux-perf (scripts/setup.sh does), or run without --explain",
      );
    // a failed perf step leaves the measured outcome as it is and records why there are no samples
    const failed = (step: string, result: { exitCode: number | null; stderr: string }) => ({
      outcome,
      capture: {
        ...base,
        stacks: new Map<string, number>(),
        samples: 0,
        error: `${step} exited ${result.exitCode}: ${result.stderr.trim().slice(-300)}`,
      },
    });
    if (recorded.exitCode !== 0) return failed("perf record", recorded);
    const script = await runner.run(perfScriptArgv(data), { timeoutMs: 300_000 });
    if (script.exitCode !== 0) return failed("perf script", script);
    const folded = foldPerfScript(script.stdout);
    return { outcome, capture: { ...base, stacks: folded.stacks, samples: folded.samples } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
