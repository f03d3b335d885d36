/** Finding a run's points and eBPF/legacy comparisons, and naming them in the report's words. Pure. */
import { isStreamTest } from "../netperf/argv.js";
import { rateMetric } from "../netperf/parse.js";
import type { Results } from "../results/schema.js";
import type { Comparison, PointSummary } from "../stats/summary.js";
import type { MetricName, NetperfTest } from "../vocabulary/vocabulary.js";

export const MODE_NAMES: Record<string, string> = {
  ebpf: "eBPF host routing",
  legacy: "Legacy host routing",
  host: "Node to node (host)",
  direct: "Direct path",
};

/** The CPU cost metrics the report charts, tabulates and headlines, in report order. */
export const COST_METRICS = ["cpuUsPerTrans", "cpuSecPerGB"] as const satisfies readonly MetricName[];

/** The figure a test is about: its rate for request/response, its (received) throughput for streams. */
export function mainMetric(test: NetperfTest): MetricName {
  return isStreamTest(test) ? "throughputMbps" : rateMetric(test);
}

/** "Same node TCP_RR 1,1" for a point key ("same-node/TCP_RR/1,1"). */
export function pointName(key: string): string {
  const [placement = "", ...rest] = key.split("/");
  return [placementName(placement), ...rest].join(" ");
}

export const placementName = (p: string) =>
  p === "same-node" ? "Same node" : p === "cross-node" ? "Cross node" : p;

/** The netperf instances a point ran ("1024 ×4" → 4, sweep/plan.ts names them so), 1 for one. */
export function streamsOf(size: string): number {
  const match = / ×(\d+)$/.exec(size);
  return match ? Number(match[1]) : 1;
}

/** A stream size in bytes as text: "1024 B", or "1024 B ×4 streams" for several instances. */
export function bytesLabel(size: string): string {
  const streams = streamsOf(size);
  return streams === 1 ? `${size} B` : `${size.replace(/ ×\d+$/, "")} B ×${streams} streams`;
}

/** Orders sizes ("64", "1,1", "1024 ×4") by their first number, then by streams. */
export function sizeOrder(a: string, b: string): number {
  return parseFloat(a.split(",")[0] ?? "") - parseFloat(b.split(",")[0] ?? "") || streamsOf(a) - streamsOf(b);
}

/** The point of one placement, mode, test, size and metric, if the run measured it. */
export function findPoint(
  points: PointSummary[],
  placement: string,
  mode: string,
  test: string,
  size: string,
  metric: MetricName,
): PointSummary | undefined {
  return points.find(
    (p) =>
      p.placement === placement &&
      p.mode === mode &&
      p.test === test &&
      p.size === size &&
      p.metric === metric,
  );
}

/** The comparisons the report is about: eBPF against legacy host routing. */
export function mainComparisons(results: Results): Comparison[] {
  return results.summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
}
