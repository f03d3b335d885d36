/**
 * `npm run readme:example [RESULTS]`: the README's example paragraph, written from the
 * committed example run (results/examples/blog-standard) so no figure in the README is typed
 * by hand. Paste its output under the chart; regenerate whenever the example run or the
 * method changes.
 */
import { join } from "node:path";
import { formatRatio } from "../report/format.js";
import { readResults } from "../results/read.js";
import { topologyFacts } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";

const dir = process.argv[2] ?? join(PACKAGE_ROOT, "results", "examples", "blog-standard");
const results = await readResults(dir);
const main = results.summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
const find = (placement: string, test: string, metric: string) =>
  main.filter((c) => c.placement === placement && c.test === test && c.metric === metric);
const ci = (c: Comparison) =>
  `${formatRatio(c.ratio)}× [${formatRatio(c.ciLow ?? Number.NaN)}–${formatRatio(c.ciHigh ?? Number.NaN)}]`;
const span = (list: Comparison[]) => {
  const sorted = [...list].sort((a, b) => a.ratio - b.ratio);
  const low = sorted[0];
  const high = sorted.at(-1);
  return low && high ? (low === high ? ci(low) : `${ci(low)} to ${ci(high)}`) : "–";
};
const completed = results.trials.filter((t) => t.state === "completed");
const minutes = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 60000;
const widest = Math.max(...main.map((c) => c.halfWidth ?? Number.POSITIVE_INFINITY));
const within = main.filter(
  (c) => c.halfWidth !== null && c.halfWidth <= (results.sweep.targetCiPct ?? 3) / 100,
).length;
const placement = topologyFacts(results.environment.topology).cpuPlacement;
const rr = (p: string) => find(p, "TCP_RR", "transactionsPerSec")[0];
const lat = (p: string) =>
  main.filter((c) => c.placement === p && c.test === "TCP_RR" && /^p\d+Us$/.test(c.metric));
const sameRr = rr("same-node");
const crossRr = rr("cross-node");
const decided = main.filter((c) => c.verdict === "better" || c.verdict === "worse").length;
const pairs = results.summary.precision.map((p) => p.pairs);
console.log(
  [
    `_The chart above is from a real run of \`sweeps/blog.yaml\` with the \`${results.sweep.profile}\` profile (${results.sweep.durationSec} s tests, ${Math.min(...pairs)}–${Math.max(...pairs)} interleaved pairs per point, ${completed.length} counted trials, ${minutes.toFixed(0)} minutes) on the embedded lab, on a shared ${results.environment.cpuCount}-core VM (kernel ${results.environment.kernel}), with netperf and netserver on CPU ${placement?.cpus?.join(",") ?? "?"}, made with \`${results.command.join(" ")}\`.`,
    `eBPF host routing gave same-node TCP_RR ${sameRr ? ci(sameRr) : "–"} the legacy transactions per second on this machine (a property of the machine: the same code gave 1.15× [1.14–1.16] on a slower VM of the same kind; the seed reports 1.27× on its AKS nodes, for orientation only) and cross-node ${crossRr ? ci(crossRr) : "–"};`,
    `TCP_RR latency percentiles ${span([...lat("same-node")])} same-node and ${span([...lat("cross-node")])} cross-node;`,
    `same-node throughput ${span(find("same-node", "TCP_STREAM", "throughputMbps"))} and cross-node ${span(find("cross-node", "TCP_STREAM", "throughputMbps"))} over 64 B–64 KiB messages (95% intervals).`,
    `${decided} of ${main.length} eBPF/legacy comparisons are significant after Holm's correction; ${within} of ${main.length} reached ±${results.sweep.targetCiPct ?? 3}% (widest ±${(widest * 100).toFixed(1)}%).`,
    `${results.summary.rejectedTrials} attempts were repeated or rejected (see the report). The whole report: [\`reports/examples/blog-standard/report.md\`](reports/examples/blog-standard/report.md) (and \`index.html\`)._`,
  ].join("\n"),
);
