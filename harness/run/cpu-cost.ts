/**
 * CPU cost per unit of work from the benchmark CPU's busy time (machine/noise.ts
 * `benchCpuSeconds`): with one-CPU placement and the harness kept off that CPU, its busy time
 * is netperf's, netserver's and the nodes' datapath (softirq) work together, so dividing it by
 * the trial's transactions or bytes gives what one unit of work cost the whole path. Pure.
 */
import type { Metrics } from "../netperf/parse.js";
import type { NoiseSample } from "../results/schema.js";
import type { NetperfTest } from "../vocabulary/vocabulary.js";
import { STREAM_TESTS } from "../vocabulary/vocabulary.js";

/**
 * cpuUsPerTrans (request/response tests: µs per transaction, TCP_CRR per connection) or
 * cpuSecPerGB (stream tests: CPU seconds per 10^9 bytes received). Nothing when the trial's
 * CPU time was not read (unpinned or Kubernetes) or netperf gave no elapsed time or rate.
 */
export function cpuCostMetrics(
  test: NetperfTest,
  metrics: Metrics,
  noise: NoiseSample | undefined,
  elapsedSec: number | null,
): Metrics {
  const busy = noise?.benchCpuSec?.busy;
  if (busy === undefined || busy <= 0 || !elapsedSec || elapsedSec <= 0) return {};
  if ((STREAM_TESTS as readonly NetperfTest[]).includes(test)) {
    const gigabytes = ((metrics.throughputMbps ?? 0) * elapsedSec) / 8000;
    return gigabytes > 0 ? { cpuSecPerGB: busy / gigabytes } : {};
  }
  const rate = metrics.transactionsPerSec ?? metrics.connectionsPerSec ?? 0;
  const transactions = rate * elapsedSec;
  return transactions > 0 ? { cpuUsPerTrans: (busy * 1e6) / transactions } : {};
}
