/** Which metrics a test is summarised by and which are compared between modes, and which mode pairs. Pure. */
import { remoteCpuMeasured, serviceDemandMetrics } from "../netperf/parse.js";
import { type Sweep, testPercentiles } from "../sweep/schema.js";
import {
  isStreamTest,
  METRICS,
  type MetricName,
  type Mode,
  type NetperfTest,
  percentileMetric,
  rateMetric,
} from "../vocabulary/vocabulary.js";

/** Metrics summarised for each test: its outcome, then what the CPU spent on it. */
export function summaryMetrics(sweep: Sweep, test: NetperfTest): MetricName[] {
  const cost: MetricName[] = isStreamTest(test) ? ["cpuSecPerGB"] : ["cpuUsPerTrans"];
  const cpu: MetricName[] = [
    // CPU cost per unit of work: netperf's service demand and, on the lab, the benchmark CPU's time
    ...(sweep.cpu.serviceDemand
      ? [...serviceDemandMetrics(test), ...(sweep.backend === "lab" ? cost : [])]
      : []),
    "localCpuPct",
    ...(remoteCpuMeasured(test) ? (["remoteCpuPct"] as const) : []),
  ];
  if (test === "UDP_STREAM") return ["throughputMbps", "sentMbps", "lossPct", ...cpu];
  if (isStreamTest(test)) return ["throughputMbps", ...cpu];
  return [rateMetric(test), ...testPercentiles(sweep, test).map(percentileMetric), "meanLatencyUs", ...cpu];
}

/**
 * Described, not judged: CPU utilisation (a faster mode keeps the CPU busier doing more work;
 * service demand, CPU per unit of work, is the cost to judge), UDP_STREAM's sent rate (the
 * offered load behind the received rate) and its loss, which can be 0 in every trial of a
 * mode and has no log ratio.
 */
function describedOnly(metric: MetricName): boolean {
  return METRICS[metric].family === "utilisation" || metric === "sentMbps" || metric === "lossPct";
}

/** Metrics compared between modes. */
export function comparedMetrics(sweep: Sweep, test: NetperfTest): MetricName[] {
  return summaryMetrics(sweep, test).filter((m) => !describedOnly(m));
}

/** Mode pairs compared: eBPF against legacy, and each against the host and direct baselines. */
export const COMPARED_PAIRS: readonly { baseline: Mode; candidate: Mode }[] = [
  { baseline: "legacy", candidate: "ebpf" },
  { baseline: "host", candidate: "ebpf" },
  { baseline: "host", candidate: "legacy" },
  { baseline: "direct", candidate: "ebpf" },
  { baseline: "direct", candidate: "legacy" },
];

/**
 * The mode pairs a sweep of `modes` compares: those of COMPARED_PAIRS whose two modes both run,
 * in its order (eBPF/legacy first). The summary compares these and no other pair.
 */
export function comparedPairs(modes: readonly Mode[]): { baseline: Mode; candidate: Mode }[] {
  return COMPARED_PAIRS.filter((p) => modes.includes(p.baseline) && modes.includes(p.candidate));
}
