/**
 * Where the time goes, in units a reader can use: each mode's CPU time per unit of work
 * (µs per transaction, per connection, ms per GB) divided among kernel subsystems, with
 * intervals across blocks, and the difference between modes subsystem by subsystem.
 *
 * Per block, a subsystem's figure is its share of the profiled twin's busy samples × the CPU
 * per unit of work measured in the (unsampled) measured trial of the same block and mode. The
 * shares sum to one, so the attributed differences sum to the measured difference exactly; the
 * independent check is the CPU per unit read from the samples alone (busy samples ÷ frequency
 * ÷ units of work in the sampled window), whose difference between modes is set against the
 * measured one. Sampling's effect on the ratio is read from the twins' own rates, block by
 * block beside the measured trials'. Intervals are Student-t 95% over blocks (paired by block
 * where blocks hold both modes; Welch's between the modes' blocks where a design puts one mode
 * in each block). Pure.
 */
import type { Explain, ExplainPoint, Interval } from "../results/profile-schema.js";
import type { TrialRecord } from "../results/schema.js";
import { studentTQuantile } from "../stats/student-t.js";
import { sampleOf, welchDifference } from "../stats/welch.js";
import { keyOf } from "../sweep/point.js";
import {
  isStreamTest,
  type Mode,
  mainMetric,
  type NetperfTest,
  SUBSYSTEMS,
  type Subsystem,
} from "../vocabulary/vocabulary.js";

export const EXPLAIN_METHOD =
  "perf record -e cpu-clock -g on the benchmark CPU during a profiled twin of each measured trial (same block, mode and point, right after it; on Kubernetes from a privileged hostPID profiling pod on each test node the trial uses); samples attributed to subsystems by call chain (profile/subsystems.ts); a subsystem's CPU per unit of work = its share of the benchmark's busy samples × the measured trial's CPU per unit (/proc/stat of the benchmark CPUs); Student-t 95% intervals over blocks, paired by block, or Welch's between the modes' blocks where no block holds both";

/** The unit of a test's figures. */
export function explainUnit(test: NetperfTest): string {
  if (isStreamTest(test)) return "ms per GB";
  return test === "TCP_CRR" ? "µs per connection" : "µs per transaction";
}

/** CPU per unit of work of a trial in the explain unit, from its metrics. */
function costOf(test: NetperfTest, metrics: TrialRecord["metrics"]): number | null {
  const value = isStreamTest(test) ? metrics?.cpuSecPerGB : metrics?.cpuUsPerTrans;
  if (value === undefined || !(value > 0)) return null;
  return isStreamTest(test) ? value * 1000 : value;
}

/** Units of work per second (transactions, connections, GB). */
function workRate(test: NetperfTest, metrics: TrialRecord["metrics"]): number | null {
  const rate = isStreamTest(test)
    ? (metrics?.throughputMbps ?? 0) / 8000
    : (metrics?.transactionsPerSec ?? metrics?.connectionsPerSec ?? 0);
  return rate > 0 ? rate : null;
}

/** Mean with a Student-t 95% interval (none below two values). */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  const mean = n === 0 ? 0 : values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lower: null, upper: null, n };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { mean, lower: mean - half, upper: mean + half, n };
}

/** The ratio form: an interval of log ratios, exponentiated. */
function ratioInterval(ratios: readonly number[]): Interval {
  const logs = meanInterval(ratios.map(Math.log));
  return {
    mean: Math.exp(logs.mean),
    lower: logs.lower === null ? null : Math.exp(logs.lower),
    upper: logs.upper === null ? null : Math.exp(logs.upper),
    n: logs.n,
  };
}

interface BlockFigures {
  block: number;
  measured: number;
  /** µs (ms) per unit by subsystem. */
  bySubsystem: Record<Subsystem, number>;
  sampled: number | null;
  counts: Partial<Record<Subsystem, number>>;
  busy: number;
  foreign: number;
  samples: number;
  rateMeasured: number | null;
  rateSampled: number | null;
}

function blockFigures(record: TrialRecord): BlockFigures | null {
  const p = record.profile;
  const test = record.point.test;
  const measured = costOf(test, record.metrics);
  if (!p || p.error || measured === null || p.busySamples <= 0) return null;
  const bySubsystem = Object.fromEntries(
    SUBSYSTEMS.map((s) => [s, ((p.bySubsystem[s] ?? 0) / p.busySamples) * measured]),
  ) as Record<Subsystem, number>;
  const rate = workRate(test, p.metrics);
  const busySec = p.busySamples / p.frequencyHz;
  const sampled =
    rate && p.windowSec > 0 ? (busySec / (rate * p.windowSec)) * (isStreamTest(test) ? 1000 : 1e6) : null;
  const metric = mainMetric(test);
  return {
    block: record.block,
    measured,
    bySubsystem,
    sampled,
    counts: p.bySubsystem,
    busy: p.busySamples,
    foreign: p.foreignSamples,
    samples: p.samples,
    rateMeasured: record.metrics?.[metric] ?? null,
    rateSampled: p.metrics?.[metric] ?? null,
  };
}

/** The run's attribution: one entry per point with at least one profiled mode. Null when no trial was profiled. */
export function explainRun(trials: readonly TrialRecord[]): Explain | null {
  const counted = trials.filter((t) => t.state === "completed" && t.profile);
  if (counted.length === 0) return null;
  const byPoint = new Map<string, TrialRecord[]>();
  for (const t of counted) byPoint.set(t.point.key, [...(byPoint.get(t.point.key) ?? []), t]);
  const points: ExplainPoint[] = [];
  for (const [key, records] of byPoint) {
    const point = keyOf(records[0]?.point as TrialRecord["point"]);
    const test = point.test;
    const perMode = new Map<Mode, Map<number, BlockFigures>>();
    for (const r of records) {
      const figures = blockFigures(r);
      if (!figures) continue;
      const blocks = perMode.get(r.mode) ?? new Map<number, BlockFigures>();
      blocks.set(r.block, figures); // one counted trial per block and mode
      perMode.set(r.mode, blocks);
    }
    const modes = [...perMode].map(([mode, blocks]) => {
      const list = [...blocks.values()];
      const busy = list.reduce((a, b) => a + b.busy, 0);
      const samples = list.reduce((a, b) => a + b.samples, 0);
      const sampled = list.flatMap((b) => (b.sampled === null ? [] : [b.sampled]));
      return {
        mode,
        blocks: list.length,
        samples,
        measured: meanInterval(list.map((b) => b.measured)),
        bySubsystem: Object.fromEntries(
          SUBSYSTEMS.map((s) => [s, meanInterval(list.map((b) => b.bySubsystem[s]))]),
        ),
        shares: Object.fromEntries(
          SUBSYSTEMS.map((s) => [s, busy > 0 ? list.reduce((a, b) => a + (b.counts[s] ?? 0), 0) / busy : 0]),
        ),
        sampled: sampled.length > 0 ? meanInterval(sampled) : null,
        foreignShare: samples > 0 ? list.reduce((a, b) => a + b.foreign, 0) / samples : 0,
      };
    });
    points.push({
      key,
      ...point,
      unit: explainUnit(test),
      modes,
      difference: difference(perMode.get("legacy"), perMode.get("ebpf")),
      sampling: sampling(test, perMode.get("legacy"), perMode.get("ebpf")),
    });
  }
  return { method: EXPLAIN_METHOD, points: points.sort((a, b) => a.key.localeCompare(b.key)) };
}

function commonBlocks(
  legacy: Map<number, BlockFigures> | undefined,
  ebpf: Map<number, BlockFigures> | undefined,
): [BlockFigures, BlockFigures][] {
  if (!legacy || !ebpf) return [];
  return [...legacy.keys()]
    .filter((b) => ebpf.has(b))
    .sort((a, b) => a - b)
    .map((b) => [legacy.get(b) as BlockFigures, ebpf.get(b) as BlockFigures]);
}

/**
 * mean(a) − mean(b) of two independent samples with Welch's 95% interval (none unless both have
 * two values); n is the smaller sample's size.
 */
export function unpairedInterval(a: readonly number[], b: readonly number[]): Interval {
  const n = Math.min(a.length, b.length);
  const contrast = welchDifference(sampleOf(b), sampleOf(a));
  if (a.length < 2 || b.length < 2 || contrast.df === null)
    return { mean: contrast.estimate, lower: null, upper: null, n };
  const half = studentTQuantile(0.975, contrast.df) * contrast.se;
  return { mean: contrast.estimate, lower: contrast.estimate - half, upper: contrast.estimate + half, n };
}

/**
 * legacy − eBPF per subsystem against the measured difference: paired by block where blocks hold
 * both modes (interleaved); otherwise (a segmented or blocked design, as on a cluster whose
 * switch is slow, with one mode per block) the modes' block means compared unpaired, Welch.
 */
function difference(
  legacy: Map<number, BlockFigures> | undefined,
  ebpf: Map<number, BlockFigures> | undefined,
): ExplainPoint["difference"] {
  const pairs = commonBlocks(legacy, ebpf);
  if (pairs.length === 0) return legacy?.size && ebpf?.size ? unpairedDifference(legacy, ebpf) : null;
  const bySubsystem = Object.fromEntries(
    SUBSYSTEMS.map((s) => [s, meanInterval(pairs.map(([l, e]) => l.bySubsystem[s] - e.bySubsystem[s]))]),
  );
  const measured = meanInterval(pairs.map(([l, e]) => l.measured - e.measured));
  const sampledPairs = pairs.filter(([l, e]) => l.sampled !== null && e.sampled !== null);
  const sampled =
    sampledPairs.length > 0
      ? meanInterval(sampledPairs.map(([l, e]) => (l.sampled as number) - (e.sampled as number)))
      : null;
  return judged(bySubsystem, measured, sampled);
}

/** The difference where no block holds both modes: each mode's blocks as an independent sample. */
function unpairedDifference(
  legacy: Map<number, BlockFigures>,
  ebpf: Map<number, BlockFigures>,
): NonNullable<ExplainPoint["difference"]> {
  const [l, e] = [[...legacy.values()], [...ebpf.values()]];
  const bySubsystem = Object.fromEntries(
    SUBSYSTEMS.map((s) => [
      s,
      unpairedInterval(
        l.map((b) => b.bySubsystem[s]),
        e.map((b) => b.bySubsystem[s]),
      ),
    ]),
  );
  const measured = unpairedInterval(
    l.map((b) => b.measured),
    e.map((b) => b.measured),
  );
  const sampledOf = (list: BlockFigures[]) => list.flatMap((b) => (b.sampled === null ? [] : [b.sampled]));
  const [ls, es] = [sampledOf(l), sampledOf(e)];
  const sampled = ls.length > 0 && es.length > 0 ? unpairedInterval(ls, es) : null;
  return { ...judged(bySubsystem, measured, sampled), pairing: "unpaired" };
}

/** The attributed sum, and the samples' own difference judged against the measured one's interval. */
function judged(
  bySubsystem: Record<string, Interval>,
  measured: Interval,
  sampled: Interval | null,
): NonNullable<ExplainPoint["difference"]> {
  const attributedSum = SUBSYSTEMS.reduce((a, s) => a + (bySubsystem[s]?.mean ?? 0), 0);
  let within: boolean | null = null;
  let missBy: number | null = null;
  if (sampled && measured.lower !== null && measured.upper !== null) {
    within = sampled.mean >= measured.lower && sampled.mean <= measured.upper;
    missBy = within
      ? 0
      : sampled.mean < measured.lower
        ? sampled.mean - measured.lower
        : sampled.mean - measured.upper;
  }
  return { bySubsystem, measured, attributedSum, sampled, sampledWithinMeasured: within, missBy };
}

/** eBPF/legacy of the main rate, from the measured trials and from their profiled twins, in the same blocks (or unpaired). */
function sampling(
  test: NetperfTest,
  legacy: Map<number, BlockFigures> | undefined,
  ebpf: Map<number, BlockFigures> | undefined,
): ExplainPoint["sampling"] {
  const pairs = commonBlocks(legacy, ebpf).filter(
    ([l, e]) => l.rateMeasured && e.rateMeasured && l.rateSampled && e.rateSampled,
  );
  if (pairs.length === 0) return unpairedSampling(test, legacy, ebpf);
  return {
    metric: mainMetric(test),
    unsampled: ratioInterval(pairs.map(([l, e]) => (e.rateMeasured as number) / (l.rateMeasured as number))),
    sampled: ratioInterval(pairs.map(([l, e]) => (e.rateSampled as number) / (l.rateSampled as number))),
  };
}

/** The same ratios where no block holds both modes: geometric means of each mode's blocks, Welch on the logs. */
function unpairedSampling(
  test: NetperfTest,
  legacy: Map<number, BlockFigures> | undefined,
  ebpf: Map<number, BlockFigures> | undefined,
): ExplainPoint["sampling"] {
  const rates = (blocks: Map<number, BlockFigures> | undefined, key: "rateMeasured" | "rateSampled") =>
    [...(blocks?.values() ?? [])].flatMap((b) => (b[key] ? [Math.log(b[key] as number)] : []));
  const ratio = (key: "rateMeasured" | "rateSampled"): Interval | null => {
    const [l, e] = [rates(legacy, key), rates(ebpf, key)];
    if (l.length === 0 || e.length === 0) return null;
    const logs = unpairedInterval(e, l);
    const exp = (v: number | null) => (v === null ? null : Math.exp(v));
    return { mean: Math.exp(logs.mean), lower: exp(logs.lower), upper: exp(logs.upper), n: logs.n };
  };
  const [unsampled, sampled] = [ratio("rateMeasured"), ratio("rateSampled")];
  return unsampled && sampled ? { metric: mainMetric(test), unsampled, sampled } : null;
}
