/**
 * What both backends run to sample the benchmark CPUs during a profiled twin: `perf record -e
 * cpu-clock -g` on those CPUs, started a little after the trial and stopped a little before
 * its end so that it samples netperf's measured window only. The lab runs it from the root
 * namespace (backends/lab/profile.ts), Kubernetes in a privileged hostPID pod on each test node
 * (backends/kubernetes/profiler.ts). cpu-clock because VMs often have no hardware PMU; call
 * chains because software-clock samples land where interrupts are re-enabled (attribute.ts). Pure.
 */

/** Sampling frequency: low enough that sampling leaves the trial as it was (see README, explain). */
export const PROFILE_FREQUENCY_HZ = 999;
/** perf starts this long after the trial, so that it samples netperf's measured window only. */
export const PROFILE_DELAY_SEC = 0.5;
/** …and stops this long before netperf's measured window ends. */
const PROFILE_END_MARGIN_SEC = 0.2;

/** Seconds perf samples during a trial of `durationSec`: inside netperf's measured window. */
export function profileWindowSec(durationSec: number): number {
  return Math.max(0.5, Math.round((durationSec - PROFILE_DELAY_SEC - PROFILE_END_MARGIN_SEC) * 10) / 10);
}

/** `perf record` on `cpus` for `windowSec`, writing `dataFile`. */
export function perfRecordArgv(cpus: readonly number[], dataFile: string, windowSec: number): string[] {
  return [
    "perf",
    "record",
    "-q",
    "-e",
    "cpu-clock",
    "-C",
    cpus.join(","),
    "-g",
    "-F",
    String(PROFILE_FREQUENCY_HZ),
    "-o",
    dataFile,
    "--",
    "sleep",
    String(windowSec),
  ];
}
