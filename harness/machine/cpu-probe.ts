/**
 * The CPU speed probe (native/rb_probe.c): a fixed piece of work timed in its own thread's CPU
 * time, run pinned to the benchmark CPU between lab trials. A host that slows the whole guest
 * (a busy hyperthread sibling, memory contention, time taken without steal accounting) makes
 * the same work cost more CPU time, which the guest's own counters cannot show: the benchmark
 * CPU stays 100% busy and steal stays 0 while the trial's rate drops by a quarter. A guest task
 * that preempts the probe does not count (it is not the probe's time).
 */
import { join } from "node:path";
import type { Runner } from "../util/runner.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";

/** Built by scripts/setup.sh from native/rb_probe.c. */
export const CPU_PROBE_BINARY = join(PACKAGE_ROOT, "native", "build", "rb_probe");

/** One run of the probe: CPU time of its two parts, and its wall time, in nanoseconds. */
export interface CpuProbeReading {
  /** A chain of dependent multiplies: the core's speed. */
  multiplyNs: number;
  /** Dependent loads through 4 MiB in a random cycle: the caches' and memory's. */
  memoryNs: number;
  wallNs: number;
}

/** The probe's line, or null when it is not three positive whole numbers. Pure. */
export function parseCpuProbe(stdout: string): CpuProbeReading | null {
  const fields = stdout.trim().split(/\s+/).map(Number);
  if (fields.length !== 3 || !fields.every((n) => Number.isInteger(n) && n > 0)) return null;
  const [multiplyNs, memoryNs, wallNs] = fields as [number, number, number];
  return { multiplyNs, memoryNs, wallNs };
}

/** Runs the probe on `cpu`; null when it could not run (not built, taskset refused) or printed nonsense. */
export async function runCpuProbe(runner: Runner, cpu: number): Promise<CpuProbeReading | null> {
  const result = await runner.run(["taskset", "-c", String(cpu), CPU_PROBE_BINARY], { timeoutMs: 5000 });
  return result.exitCode === 0 ? parseCpuProbe(result.stdout) : null;
}
