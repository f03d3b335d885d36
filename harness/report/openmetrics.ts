/**
 * `export --format openmetrics`: a run's summary as a Prometheus text exposition (format 0.0.4,
 * what a Pushgateway accepts: `curl --data-binary @run.prom <gateway>/metrics/job/routebench`),
 * written in the subset that is also valid OpenMetrics 1.0 text: gauges only, no timestamps
 * (a Pushgateway refuses pushed timestamps), and a final `# EOF`. Pure.
 *
 * Families:
 *   routebench_run_info{run_id, label, sweep, backend, kernel, git_commit, routebench_version} 1
 *   routebench_run_start_time_seconds           the run's start (Unix seconds)
 *   routebench_<metric>{placement, test, size, mode, estimate}  estimate: median, ci_low, ci_high
 *   routebench_samples{placement, test, size, mode, metric}     repetitions counted
 *   routebench_mode_ratio{placement, test, size, metric, baseline, candidate, estimate}
 * where <metric> is the results file's metric name in snake case with its unit spelled out
 * (throughputMbps → throughput_megabits_per_second).
 */
import type { Results } from "../results/schema.js";
import { dimensionFields } from "../sweep/point.js";
import { METRICS, type MetricName } from "../vocabulary/vocabulary.js";

/** Each metric's family name, its unit in Prometheus's words. */
const FAMILY: Record<MetricName, string> = {
  throughputMbps: "throughput_megabits_per_second",
  transactionsPerSec: "transactions_per_second",
  connectionsPerSec: "connections_per_second",
  meanLatencyUs: "mean_latency_microseconds",
  p50Us: "p50_latency_microseconds",
  p90Us: "p90_latency_microseconds",
  p99Us: "p99_latency_microseconds",
  maxLatencyUs: "max_latency_microseconds",
  localCpuPct: "client_cpu_percent",
  remoteCpuPct: "server_cpu_percent",
  retransmissions: "retransmissions",
  sentMbps: "sent_megabits_per_second",
  lossPct: "datagram_loss_percent",
  localSdUsPerKB: "client_service_demand_microseconds_per_kilobyte",
  remoteSdUsPerKB: "server_service_demand_microseconds_per_kilobyte",
  localSdUsPerTrans: "client_service_demand_microseconds_per_transaction",
  remoteSdUsPerTrans: "server_service_demand_microseconds_per_transaction",
  cpuUsPerTrans: "cpu_microseconds_per_transaction",
  cpuSecPerGB: "cpu_seconds_per_gigabyte",
};

/** A label value escaped as both formats require: backslash, double quote and newline. */
function labelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(",")}}`;
}

function sampleValue(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
}

interface Family {
  name: string;
  help: string;
  samples: string[];
}

function family(families: Map<string, Family>, name: string, help: string): Family {
  let f = families.get(name);
  if (!f) {
    f = { name, help, samples: [] };
    families.set(name, f);
  }
  return f;
}

/** The exposition of one run. */
export function openMetricsText(results: Results): string {
  const families = new Map<string, Family>();
  const env = results.environment;
  family(families, "routebench_run_info", "The run these figures come from.").samples.push(
    `routebench_run_info${labels({
      run_id: results.runId,
      label: results.label,
      sweep: results.sweep.name,
      backend: env.backend,
      kernel: env.kernel,
      git_commit: env.gitCommit ?? "",
      routebench_version: env.routebenchVersion,
    })} 1`,
  );
  family(
    families,
    "routebench_run_start_time_seconds",
    "When the run started, in Unix seconds.",
  ).samples.push(`routebench_run_start_time_seconds ${Date.parse(results.startedAt) / 1000}`);
  for (const p of results.summary.points) {
    const name = `routebench_${FAMILY[p.metric]}`;
    const terms = METRICS[p.metric];
    const f = family(
      families,
      name,
      `${terms.name} (${terms.unit || "count"}) of each point and mode: the median of its repetitions and the median's 95% interval.`,
    );
    const base = { placement: p.placement, test: p.test, size: p.size, ...dimensionFields(p), mode: p.mode };
    f.samples.push(`${name}${labels({ ...base, estimate: "median" })} ${sampleValue(p.median)}`);
    if (p.ciLow !== null)
      f.samples.push(`${name}${labels({ ...base, estimate: "ci_low" })} ${sampleValue(p.ciLow)}`);
    if (p.ciHigh !== null)
      f.samples.push(`${name}${labels({ ...base, estimate: "ci_high" })} ${sampleValue(p.ciHigh)}`);
    family(
      families,
      "routebench_samples",
      "Repetitions counted for each point, mode and metric.",
    ).samples.push(`routebench_samples${labels({ ...base, metric: p.metric })} ${p.n}`);
  }
  for (const c of results.summary.comparisons) {
    const f = family(
      families,
      "routebench_mode_ratio",
      "Candidate mode / baseline mode within the run (geometric mean of per-block ratios) and its 95% interval.",
    );
    const base = {
      placement: c.placement,
      test: c.test,
      size: c.size,
      ...dimensionFields(c),
      metric: c.metric,
      baseline: c.baseline,
      candidate: c.candidate,
    };
    f.samples.push(`routebench_mode_ratio${labels({ ...base, estimate: "ratio" })} ${sampleValue(c.ratio)}`);
    if (c.ciLow !== null)
      f.samples.push(
        `routebench_mode_ratio${labels({ ...base, estimate: "ci_low" })} ${sampleValue(c.ciLow)}`,
      );
    if (c.ciHigh !== null)
      f.samples.push(
        `routebench_mode_ratio${labels({ ...base, estimate: "ci_high" })} ${sampleValue(c.ciHigh)}`,
      );
  }
  const body = [...families.values()].flatMap((f) => [
    `# HELP ${f.name} ${f.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`,
    `# TYPE ${f.name} gauge`,
    ...f.samples,
  ]);
  return `${body.join("\n")}\n# EOF\n`;
}
