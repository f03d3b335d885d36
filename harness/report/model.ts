/**
 * The one table model every exporter renders (hyperfine's pattern): headlines, tables,
 * chart data, warnings and provenance, built from a results file alone. Pure.
 */

import type { CpuPlacement } from "../machine/cpu-placement.js";
import type { Environment, ModeEvidence, Results, TrialRecord } from "../results/schema.js";
import type { Comparison, PointSummary } from "../stats/summary.js";
import { datapathByMode, type Warning } from "../stats/warnings.js";
import { formatArgv } from "../util/errors.js";
import { METRICS, type MetricName, type Mode } from "../vocabulary/vocabulary.js";
import {
  comparisonEvidence,
  formatNumber,
  formatPercentChange,
  formatRatio,
  formatWithInterval,
  ratioRange,
} from "./format.js";
import { type PublishedSource, shortSourceLabel } from "./published.js";

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  note?: string;
}

export interface Headline {
  text: string;
  verdict: Comparison["verdict"] | "missing";
}

export interface ChartData {
  throughput: {
    placement: string;
    mode: Mode;
    size: number;
    gbps: number;
    low: number | null;
    high: number | null;
    n: number;
  }[];
  gain: {
    placement: string;
    size: number;
    ratio: number;
    low: number | null;
    high: number | null;
    verdict: string;
  }[];
  publishedGain: { placement: string; ratio: number; label: string }[];
  latency: {
    placement: string;
    mode: Mode;
    percentile: string;
    us: number;
    low: number | null;
    high: number | null;
  }[];
  tps: {
    source: string;
    placement: string;
    mode: string;
    tps: number;
    low: number | null;
    high: number | null;
    ours: boolean;
  }[];
  repetitions: { placement: string; mode: Mode; order: number; block: number; tps: number }[];
}

export interface ReportModel {
  title: string;
  runId: string;
  label: string;
  state: Results["state"];
  startedAt: string;
  finishedAt: string;
  reproduce: string;
  sweepLine: string;
  environment: Environment;
  headlines: Headline[];
  tables: Table[];
  charts: ChartData;
  warnings: Warning[];
  notes: string[];
}

const MODE_NAMES: Record<string, string> = {
  ebpf: "eBPF host routing",
  legacy: "Legacy host routing",
  host: "Node to node (host)",
};

const placementName = (p: string) =>
  p === "same-node" ? "Same node" : p === "cross-node" ? "Cross node" : p;

function sizeOrder(a: string, b: string): number {
  return Number(a.split(",")[0]) - Number(b.split(",")[0]);
}

function findPoint(
  points: PointSummary[],
  placement: string,
  mode: string,
  test: string,
  size: string,
  metric: MetricName,
) {
  return points.find(
    (p) =>
      p.placement === placement &&
      p.mode === mode &&
      p.test === test &&
      p.size === size &&
      p.metric === metric,
  );
}

function cell(point: PointSummary | undefined, scale = 1): string {
  if (!point) return "missing";
  return `${formatWithInterval(point.median * scale, point.ciLow === null ? null : point.ciLow * scale, point.ciHigh === null ? null : point.ciHigh * scale)} (n=${point.n})`;
}

function ratioCell(c: Comparison | undefined): string {
  if (!c) return "–";
  const ci = ratioRange(c.ciLow, c.ciHigh) ?? "no CI";
  return `${formatRatio(c.ratio)}× [${ci}] ${c.verdict === "no significant difference" ? "n.s." : c.verdict}`;
}

function mainComparisons(results: Results): Comparison[] {
  return results.summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
}

function streamHeadline(placement: string, comparisons: Comparison[]): Headline {
  const stream = comparisons
    .filter((c) => c.placement === placement && c.test === "TCP_STREAM" && c.metric === "throughputMbps")
    .sort((a, b) => sizeOrder(a.size, b.size));
  if (stream.length === 0)
    return {
      text: `${placementName(placement)} throughput: not measured in both modes.`,
      verdict: "missing",
    };
  const better = stream.filter((c) => c.verdict === "better");
  const worse = stream.filter((c) => c.verdict === "worse");
  const at = (c: Comparison) => `${formatRatio(c.ratio)}× at ${c.size} B (${comparisonEvidence(c)})`;
  /** "ratio at size" for one comparison, "from lowest to highest" for several. */
  const span = (group: Comparison[]) => {
    const low = group.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const high = group.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    return group.length === 1 ? at(high) : `from ${at(low)} to ${at(high)}`;
  };
  const others = stream.filter((c) => c.verdict === "no significant difference");
  const range = others.length ? span(others) : "";
  if (better.length === 0 && worse.length === 0) {
    const undecided = stream.every((c) => c.caveat);
    return {
      text: `${placementName(placement)} TCP_STREAM throughput, eBPF vs legacy host routing: ${undecided ? "not decided" : "no significant difference"} ${stream.length === 1 ? "" : `at any of ${stream.length} message sizes `}(${stream.length === 1 ? "ratio" : "ratios"} ${range}).`,
      verdict: "no significant difference",
    };
  }
  const listed = (group: Comparison[]) => group.map(at).join("; ");
  const parts = [
    better.length ? `better at ${better.length} of ${stream.length} message sizes (${listed(better)})` : "",
    worse.length ? `worse at ${worse.length} (${listed(worse)})` : "",
  ].filter(Boolean);
  const rest = stream.length - better.length - worse.length;
  return {
    text: `${placementName(placement)} TCP_STREAM throughput: eBPF host routing was ${parts.join(", ")}${rest ? `; no significant difference at the other ${rest} (${rest === 1 ? "ratio" : "ratios"} ${range})` : ""}.`,
    verdict: better.length >= worse.length ? "better" : "worse",
  };
}

function rrHeadlines(placement: string, results: Results, comparisons: Comparison[]): Headline[] {
  const headlines: Headline[] = [];
  const rr = comparisons.filter((c) => c.placement === placement && c.test === "TCP_RR");
  for (const size of [...new Set(rr.map((c) => c.size))]) {
    const tps = rr.find((c) => c.size === size && c.metric === "transactionsPerSec");
    if (tps) {
      const e = findPoint(results.summary.points, placement, "ebpf", "TCP_RR", size, "transactionsPerSec");
      const l = findPoint(results.summary.points, placement, "legacy", "TCP_RR", size, "transactionsPerSec");
      headlines.push({
        text: `${placementName(placement)} transactions per second (TCP_RR ${size}): eBPF ${e ? formatWithInterval(e.median, e.ciLow, e.ciHigh) : "–"} vs legacy ${l ? formatWithInterval(l.median, l.ciLow, l.ciHigh) : "–"}: ${formatRatio(tps.ratio)}× (${formatPercentChange(tps.ratio)}; ${comparisonEvidence(tps)}): ${tps.caveat ? "not decided" : tps.verdict}.`,
        verdict: tps.verdict,
      });
    }
    const latency = rr.filter((c) => c.size === size && /^p\d+Us$/.test(c.metric));
    if (latency.length > 0) {
      const parts = latency.map(
        (c) =>
          `${METRICS[c.metric].name.split(" ")[0]} ${formatRatio(c.ratio)}× (${comparisonEvidence(c, "CI")}, ${c.caveat ? "not decided" : c.verdict})`,
      );
      const better = latency.filter((c) => c.verdict === "better").length;
      headlines.push({
        text: `${placementName(placement)} latency (TCP_RR ${size}, eBPF / legacy, lower is better): ${parts.join("; ")}.`,
        verdict:
          better === latency.length
            ? "better"
            : latency.some((c) => c.verdict === "worse")
              ? "worse"
              : "no significant difference",
      });
    }
  }
  return headlines;
}

function tpsTable(results: Results, published: PublishedSource[]): Table | null {
  const rows: string[][] = [];
  const rrSizes = [...new Set(results.summary.points.filter((p) => p.test === "TCP_RR").map((p) => p.size))];
  const seed = published.find((s) => s.id.startsWith("azure"));
  for (const placement of results.sweep.placements) {
    for (const size of rrSizes) {
      for (const mode of ["ebpf", "legacy", "host"] as const) {
        const point = findPoint(
          results.summary.points,
          placement,
          mode,
          "TCP_RR",
          size,
          "transactionsPerSec",
        );
        if (!point && !results.sweep.modes.includes(mode)) continue;
        const ref =
          placement === "same-node" && size === "1,1"
            ? seed?.figures.find(
                (f) => f.test === "TCP_RR" && f.metric === "transactionsPerSec" && f.mode === mode,
              )
            : undefined;
        rows.push([
          placementName(placement),
          MODE_NAMES[mode] ?? mode,
          cell(point),
          ref ? formatNumber(ref.value) : "–",
        ]);
      }
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "tps",
    title: "Transactions/second",
    columns: [
      "Placement",
      "Configuration",
      "Transactions/second (median ± 95% CI half-width)",
      "Published (Azure blog, AKS 16-core, same node)",
    ],
    rows,
    note: "The published column is the seed's figure from a different machine and setup, shown for orientation; it is not a measurement of this run.",
  };
}

function throughputTable(results: Results, comparisons: Comparison[]): Table | null {
  const sizes = [
    ...new Set(results.summary.points.filter((p) => p.test === "TCP_STREAM").map((p) => p.size)),
  ].sort(sizeOrder);
  if (sizes.length === 0) return null;
  const modes = results.sweep.modes;
  const columns = ["Message size (B)"];
  for (const placement of results.sweep.placements) {
    for (const mode of modes) columns.push(`${placementName(placement)}: ${mode} (Gbit/s)`);
    if (modes.includes("legacy") && modes.includes("ebpf"))
      columns.push(`${placementName(placement)}: eBPF / legacy`);
  }
  const rows = sizes.map((size) => {
    const row = [size];
    for (const placement of results.sweep.placements) {
      for (const mode of modes)
        row.push(
          cell(
            findPoint(results.summary.points, placement, mode, "TCP_STREAM", size, "throughputMbps"),
            1e-3,
          ),
        );
      if (modes.includes("legacy") && modes.includes("ebpf")) {
        row.push(
          ratioCell(
            comparisons.find(
              (c) =>
                c.placement === placement &&
                c.test === "TCP_STREAM" &&
                c.size === size &&
                c.metric === "throughputMbps",
            ),
          ),
        );
      }
    }
    return row;
  });
  return {
    id: "throughput",
    title: "TCP_STREAM throughput by message size",
    columns,
    rows,
    note: "Cells: median ± half its distribution-free 95% interval (or [low, high] when asymmetric); ratios: geometric mean of per-pair ratios [95% t interval], n.s. = no significant difference after Holm.",
  };
}

function latencyTable(results: Results, comparisons: Comparison[]): Table | null {
  const rows: string[][] = [];
  const metrics = [
    ...new Set(
      results.summary.points
        .filter((p) => p.test === "TCP_RR" && /^p\d+Us$|meanLatencyUs/.test(p.metric))
        .map((p) => p.metric),
    ),
  ];
  for (const point of [
    ...new Set(
      results.summary.points.filter((p) => p.test === "TCP_RR").map((p) => `${p.placement}|${p.size}`),
    ),
  ]) {
    const [placement = "", size = ""] = point.split("|");
    for (const metric of metrics) {
      const row = [placementName(placement), size, METRICS[metric].name];
      for (const mode of results.sweep.modes)
        row.push(cell(findPoint(results.summary.points, placement, mode, "TCP_RR", size, metric)));
      row.push(
        ratioCell(
          comparisons.find(
            (c) => c.placement === placement && c.size === size && c.metric === metric && c.test === "TCP_RR",
          ),
        ),
      );
      rows.push(row);
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "latency",
    title: "TCP_RR latency (µs)",
    columns: [
      "Placement",
      "Request,response (B)",
      "Statistic",
      ...results.sweep.modes.map((m) => `${m} (µs)`),
      "eBPF / legacy",
    ],
    rows,
    note: "Lower is better. netperf's per-transaction latency histogram, one run per repetition; medians across repetitions with 95% CIs.",
  };
}

function verificationTable(results: Results): Table {
  const rows: string[][] = [];
  for (const mode of results.sweep.modes) {
    const evidence = results.modeEvidence.filter((e) => e.mode === mode);
    for (const placement of results.sweep.placements) {
      const trials = results.trials.filter(
        (t) => t.mode === mode && t.point.placement === placement && t.state === "completed",
      );
      const withPath = trials.filter((t) => t.path);
      const sum = (f: (t: TrialRecord) => number) => withPath.reduce((s, t) => s + f(t), 0);
      const rejected = results.trials.filter(
        (t) =>
          t.mode === mode &&
          t.point.placement === placement &&
          (t.rejection?.kind === "path" || t.rejection?.kind === "mode"),
      ).length;
      rows.push([
        MODE_NAMES[mode] ?? mode,
        placementName(placement),
        evidenceSummary(evidence),
        withPath.length ? String(sum((t) => t.path?.bpfRedirects ?? 0)) : "–",
        withPath.length ? String(sum((t) => t.path?.iptablesForwardPackets ?? 0)) : "–",
        withPath.length ? String(sum((t) => t.path?.ipForwarded ?? 0)) : "–",
        withPath.length ? `${withPath.filter((t) => t.path?.ok).length}/${withPath.length}` : "n/a",
        String(rejected),
      ]);
    }
  }
  return {
    id: "verification",
    title: "Datapath verification",
    columns: [
      "Mode",
      "Placement",
      "Mode switches",
      "BPF redirects",
      "iptables FORWARD packets",
      "IP forwarded",
      "Counted trials on the expected path",
      "Attempts rejected (path or mode)",
    ],
    rows,
    note: "Read around every trial: packets redirected by the lab's BPF program, packets through the nodes' iptables FORWARD chain, the nodes' IP forwarding counter, and the mode and its switch generation in each node's BPF map. A trial counts only on positive evidence of its own path (eBPF: redirects, no FORWARD, no IP forwarding; legacy: stack passes and FORWARD packets, no redirects) in one unchanged mode; the others are rejected and retried.",
  };
}

/** Switches, and how many were confirmed in the cluster: a mode only set or assumed is counted as unverified. */
function evidenceSummary(evidence: readonly ModeEvidence[]): string {
  const verified = evidence.filter((e) => e.ok && e.verified !== false).length;
  const unverified = evidence.filter((e) => e.ok && e.verified === false).length;
  return `${evidence.length} switch(es), ${verified} verified${unverified ? `, ${unverified} NOT verified` : ""}${evidence[0] ? `: ${evidence[0].detail}` : ""}`;
}

function environmentTable(results: Results): Table {
  const e = results.environment;
  const c = e.controller;
  // where a controller is recorded, the measured machines are elsewhere: say which is which
  const sut = c ? " (test nodes)" : "";
  return {
    id: "environment",
    title: "Environment",
    columns: ["", ""],
    rows: [
      ["Backend", `${e.backend} ${JSON.stringify(e.topology)}`],
      [`Kernel${sut}`, e.kernel],
      [`OS${sut}`, e.os],
      [`CPU${sut}`, `${e.cpuModel} × ${e.cpuCount}`],
      [`Memory${sut}`, `${e.memoryGiB} GiB`],
      [`netperf${sut}`, e.netperfVersion],
      ["Node.js", e.nodeVersion],
      ["routebench", `${e.routebenchVersion}${e.gitCommit ? ` (${e.gitCommit})` : ""}`],
      [
        c ? "Controller (ran routebench, not measured)" : "Host",
        c ? `${c.hostname}: ${c.os}, kernel ${c.kernel}, ${c.cpuModel} × ${c.cpuCount}` : e.hostname,
      ],
    ],
  };
}

/** Per point: the pairs, time and precision its eBPF/legacy comparison reached. */
function precisionTable(results: Results): Table | null {
  const precision = results.summary.precision ?? [];
  if (precision.length === 0) return null;
  const target = results.sweep.targetCiPct;
  return {
    id: "precision",
    title: "Time to precision per point",
    columns: [
      "Placement",
      "Test",
      "Size",
      "Pairs",
      "Time (s)",
      "Widest eBPF/legacy interval",
      target ? `Within ±${target}%` : "Target",
    ],
    rows: precision.map((p) => [
      placementName(p.placement),
      p.test,
      p.size,
      String(p.pairs),
      p.seconds.toFixed(0),
      p.worstHalfWidth === null ? "no interval" : `±${(p.worstHalfWidth * 100).toFixed(1)}%`,
      p.reached === null ? "no target" : p.reached ? "yes" : "NO",
    ]),
    note: target
      ? `Every point ran ${results.sweep.repetitions} interleaved blocks, then blocks were added only where an eBPF/legacy interval was wider than ±${target}% (up to ${results.sweep.maxRepetitions} blocks${results.sweep.timeBudgetMin ? ` or ${results.sweep.timeBudgetMin} minutes of trials` : ""}). Time counts every attempt of the point, repeats included.`
      : "Time counts every attempt of the point, repeats included.",
  };
}

/** Per point and mode: what the lab's own devices and stacks did (retransmissions, reordering, drops). */
function datapathTable(results: Results): Table | null {
  const byPoint = datapathByMode(results.trials);
  if (byPoint.size === 0) return null;
  const rows: string[][] = [];
  for (const [key, modes] of byPoint) {
    const [placement, test, size] = key.split("/");
    for (const [mode, v] of modes)
      rows.push([
        placementName(placement ?? ""),
        test ?? "",
        size ?? "",
        MODE_NAMES[mode] ?? mode,
        v.retransPerTrial.toFixed(1),
        v.reorderPerTrial.toFixed(1),
        String(v.drops),
      ]);
  }
  return {
    id: "datapath",
    title: "Lab datapath health (per completed trial)",
    columns: [
      "Placement",
      "Test",
      "Size",
      "Mode",
      "TCP retransmissions",
      "Reorderings detected",
      "Device drops (total)",
    ],
    rows,
    note: "Read around every trial in the client pod's namespace (Tcp RetransSegs; TcpExt TCPSACKReorder + TCPTSReorder + TCPRenoReorder) and on every lab device on the path (/proc/net/dev drops). The lab's veth devices have no queueing discipline (noqueue), so there are no qdisc drops or overlimits to count. Retransmissions or reordering that differ between modes mean the lab, not host routing, shaped the figure.",
  };
}

/** Attempts that ran but were not counted, grouped by why. */
function rejectedTable(results: Results): Table | null {
  const rejected = results.trials.filter((t) => t.state === "rejected");
  if (rejected.length === 0) return null;
  const groups = new Map<string, TrialRecord[]>();
  for (const t of rejected) {
    const why =
      t.rejection?.kind === "noise"
        ? `noise: ${t.rejection.rule?.name} above ${t.rejection.rule?.threshold}`
        : `${t.rejection?.kind}: ${t.rejection?.reason}`;
    groups.set(why, [...(groups.get(why) ?? []), t]);
  }
  return {
    id: "rejected",
    title: "Attempts not counted",
    columns: ["Why", "Attempts", "Trials"],
    rows: [...groups].map(([why, list]) => [
      why,
      String(list.length),
      [...new Set(list.map((t) => t.id))].slice(0, 4).join(", ") + (list.length > 4 ? ", …" : ""),
    ]),
    note: "A trial whose packets took the wrong path, whose mode was switched under it, or that ran while the machine was too busy is repeated; its attempt stays in trials.jsonl and never enters a figure.",
  };
}

function failedTable(results: Results): Table | null {
  const failed = results.trials.filter((t) => t.state === "failed");
  if (failed.length === 0) return null;
  return {
    id: "failed",
    title: "Failed trial attempts",
    columns: ["Trial", "Attempt", "Exit", "What happened"],
    rows: failed.map((t) => [
      t.id,
      String(t.attempt),
      t.exitCode === null ? (t.signal ?? "–") : String(t.exitCode),
      t.error ?? "",
    ]),
    note: "Each attempt's argv, stdout and stderr are in trials.jsonl.",
  };
}

function chartData(results: Results, comparisons: Comparison[], published: PublishedSource[]): ChartData {
  const points = results.summary.points;
  const throughput = points
    .filter((p) => p.metric === "throughputMbps")
    .map((p) => ({
      placement: p.placement,
      mode: p.mode,
      size: Number(p.size),
      gbps: p.median / 1000,
      low: p.ciLow === null ? null : p.ciLow / 1000,
      high: p.ciHigh === null ? null : p.ciHigh / 1000,
      n: p.n,
    }));
  const gain = comparisons
    .filter((c) => c.metric === "throughputMbps")
    .map((c) => ({
      placement: c.placement,
      size: Number(c.size),
      ratio: c.ratio,
      low: c.ciLow,
      high: c.ciHigh,
      verdict: c.verdict,
    }));
  const publishedGain = published.flatMap((s) =>
    s.figures
      .filter((f) => f.metric.startsWith("throughputGainRatio"))
      .map((f) => ({
        placement: f.placement,
        ratio: f.value,
        label: `${shortSourceLabel(s)}: ${f.placement} ${f.metric.endsWith("SmallMessages") ? "small messages " : ""}~${f.value}×`,
      })),
  );
  const latency = points
    .filter((p) => p.test === "TCP_RR" && /^p\d+Us$/.test(p.metric))
    .map((p) => ({
      placement: p.placement,
      mode: p.mode,
      percentile: p.metric.replace(/^p(\d+)Us$/, "P$1"),
      us: p.median,
      low: p.ciLow,
      high: p.ciHigh,
    }));
  const tps: ChartData["tps"] = points
    .filter((p) => p.metric === "transactionsPerSec")
    .map((p) => ({
      source: `this run (${p.size})`,
      placement: p.placement,
      mode: p.mode,
      tps: p.median,
      low: p.ciLow,
      high: p.ciHigh,
      ours: true,
    }));
  for (const source of published) {
    for (const f of source.figures.filter(
      (f) => f.metric === "transactionsPerSec" && (f.streams ?? 1) === 1,
    )) {
      tps.push({
        source: shortSourceLabel(source),
        placement: f.placement,
        mode: f.mode,
        tps: f.value,
        low: null,
        high: null,
        ours: false,
      });
    }
  }
  const rrTrials = results.trials
    .filter(
      (t) =>
        t.state === "completed" && t.point.test === "TCP_RR" && t.metrics?.transactionsPerSec !== undefined,
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const repetitions = rrTrials.map((t, order) => ({
    placement: t.point.placement,
    mode: t.mode,
    order: order + 1,
    block: t.block,
    tps: t.metrics?.transactionsPerSec as number,
  }));
  return { throughput, gain, publishedGain, latency, tps, repetitions };
}

/** Builds the report model of a results file. */
export function buildReportModel(results: Results, published: PublishedSource[]): ReportModel {
  const comparisons = mainComparisons(results);
  const headlines: Headline[] = [];
  for (const placement of results.sweep.placements) {
    if (results.sweep.tests.some((t) => t.test === "TCP_STREAM"))
      headlines.push(streamHeadline(placement, comparisons));
    headlines.push(...rrHeadlines(placement, results, comparisons));
  }
  const notes: string[] = [];
  if (results.state !== "completed") {
    notes.push(
      `This run ${results.state === "aborted" ? "was interrupted" : "failed"}: ${results.summary.completedTrials} of ${results.plannedTrials} planned trials completed. Figures below use what finished.`,
    );
  }
  if (!(results.sweep.modes.includes("legacy") && results.sweep.modes.includes("ebpf"))) {
    notes.push(
      `This run measured ${results.sweep.modes.join(", ")} only: there is no eBPF/legacy comparison.`,
    );
  }
  const placement = results.environment.topology.cpuPlacement as CpuPlacement | undefined;
  if (placement) notes.push(`CPU placement: ${placement.reason}`);
  const method = results.summary.method;
  if (method)
    notes.push(
      `How modes are compared: ${method.estimator}. Verdicts control the family-wise error over the run's ${results.summary.comparisons.length} comparisons: ${method.multiplicity}. A comparison with fewer than 6 pairs has no interval and no verdict; one whose pairs ran on a machine that stayed too busy is shown but not called a finding.`,
    );
  const tables = [
    tpsTable(results, published),
    throughputTable(results, comparisons),
    latencyTable(results, comparisons),
    precisionTable(results),
    verificationTable(results),
    datapathTable(results),
    rejectedTable(results),
    failedTable(results),
    environmentTable(results),
  ].filter((t): t is Table => t !== null);
  const s = results.sweep;
  return {
    title: `routebench: ${s.name} — eBPF vs legacy host routing`,
    runId: results.runId,
    label: results.label,
    state: results.state,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    reproduce: formatArgv(results.command),
    sweepLine: `${s.modes.join(", ")} × ${s.placements.join(", ")}; ${s.durationSec} s tests × ${s.repetitions} repetitions${s.targetCiPct ? ` then more where an interval is wider than ±${s.targetCiPct}% (up to ${s.maxRepetitions}${s.timeBudgetMin ? `, ${s.timeBudgetMin} min` : ""})` : ""}, ${s.order} order, seed ${s.seed}, profile ${s.profile}`,
    environment: results.environment,
    headlines,
    tables,
    charts: chartData(results, comparisons, published),
    warnings: results.summary.warnings,
    notes,
  };
}
