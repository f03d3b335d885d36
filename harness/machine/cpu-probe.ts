/**
 * The CPU speed probe (native/rb_probe.c): a fixed piece of work timed in its own thread's CPU
 * time, run pinned to the benchmark CPU between lab trials. A host that slows the whole guest
 * (a busy hyperthread sibling, memory contention, time taken without steal accounting) makes
 * the same work cost more CPU time, which the guest's own counters cannot show: the benchmark
 * CPU stays 100% busy and steal stays 0 while the trial's rate drops by a quarter. A guest task
 * that preempts the probe does not count (it is not the probe's time).
 *
 * Recorded with every lab trial; no rule judges it yet. Measured on a quiet default sweep
 * (`npm run bench:host-slow`, 350 probed trials): the multiply chain does not follow the slow
 * trials (correlation −0.07), the memory walk does (−0.54), but no threshold separates them
 * well enough to repeat trials on it (at 25%: 70% of slow trials flagged, 15% of typical ones).
 */
import { join } from "node:path";
import { LineServer } from "../util/line-server.js";
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

/** How long one reading may take before the probe counts as broken (it takes about 10 ms). */
const READING_TIMEOUT_MS = 2000;

/**
 * The probe kept running between trials (`rb_probe --serve`, pinned with taskset; a
 * LineServer): its 4 MiB walk is built once, and a reading costs the measurement alone (about
 * 8 ms) instead of a process start and the walk's set-up (about 50 ms). A probe that fails
 * gives null readings from then on: no reading is never a slow one.
 */
export class CpuProbe {
  private readonly server: LineServer;

  constructor(cpu: number, binary: string = CPU_PROBE_BINARY) {
    this.server = new LineServer(["taskset", "-c", String(cpu), binary, "--serve"], READING_TIMEOUT_MS);
  }

  /** One reading, or null when the probe cannot run or did not answer in time. */
  async read(): Promise<CpuProbeReading | null> {
    const line = await this.server.ask("");
    if (line === null) return null;
    const reading = parseCpuProbe(line);
    if (!reading) this.server.fail();
    return reading;
  }

  /** Ends the probe: its stdin closed, and SIGKILL by its pid if it is still there. Safe to call twice. */
  close(): void {
    this.server.close();
  }
}

/** Readings the run needs before its baseline means anything (about four trials' worth). */
export const PROBE_BASELINE_MIN = 8;

/** The share of the run's readings below the baseline: a fast-machine figure that one slow start cannot move. */
const BASELINE_QUANTILE = 0.1;

type ProbeParts = { multiplyNs: number; memoryNs: number };

/**
 * The run's baseline for the probe's `part`: the 10th percentile of every reading so far
 * (before and after each attempt's trial), or null while there are fewer than
 * PROBE_BASELINE_MIN. A low quantile, not the median: a run that starts inside a slow episode
 * must not take the episode for the machine's speed. Pure.
 */
export function probeBaseline(
  probes: readonly { before: ProbeParts; after: ProbeParts }[],
  part: keyof ProbeParts,
): number | null {
  const values = probes.flatMap((p) => [p.before[part], p.after[part]]).sort((a, b) => a - b);
  if (values.length < PROBE_BASELINE_MIN) return null;
  return values[Math.floor(BASELINE_QUANTILE * (values.length - 1))] ?? null;
}
