/**
 * The report's headlines: one sentence per placement and test saying how eBPF host routing
 * compared with legacy, with the evidence (interval, adjusted p) or why there is none; then,
 * when the run measured them, CPU cost per unit of work, the share of the direct path each mode
 * reaches, and whether the second witness agreed with netperf. Pure.
 */
import type { Results } from "../results/schema.js";
import { summaryMetrics } from "../stats/metrics.js";
import type { Comparison } from "../stats/summary.js";
import { groupByPoint } from "../sweep/point.js";
import { isPercentile, isTransactionRate, METRICS, mainMetric } from "../vocabulary/vocabulary.js";
import { directComparisons } from "./direct.js";
import { comparisonEvidence, formatPercentChange, formatRatio, formatWithInterval } from "./format.js";
import {
  bytesLabel,
  COST_METRICS,
  placementName,
  plannedName,
  type RunIndex,
  runIndex,
  sizeOrder,
  sizeText,
} from "./points.js";

/**
 * A headline sentence and the verdict it reports (which colours it): `context` states figures
 * with no eBPF/legacy verdict (the direct path), `warning` flags a doubt about the figures.
 */
export interface Headline {
  text: string;
  verdict: Comparison["verdict"] | "missing" | "context" | "warning";
}

/**
 * One verdict for several comparisons: better only if all are, worse if any is; else
 * undecided if any is, and no significant difference only when every one was tested.
 */
function overall(list: Comparison[]): Comparison["verdict"] {
  if (list.every((c) => c.verdict === "better")) return "better";
  if (list.some((c) => c.verdict === "worse")) return "worse";
  return list.some((c) => c.verdict === "undecided") ? "undecided" : "no significant difference";
}

/** "0.82× (CI 0.80–0.84, Holm-adjusted p < 0.001, better)": a ratio, its evidence and its verdict. */
const judged = (c: Comparison) => `${formatRatio(c.ratio)}× (${comparisonEvidence(c, "CI")}, ${c.verdict})`;

/** Throughput of one stream test across its message sizes: which sizes differ, and the range of the rest. */
function throughputHeadline(
  index: RunIndex,
  placement: string,
  test: string,
  comparisons: Comparison[],
): Headline {
  const stream = comparisons
    .filter((c) => c.placement === placement && c.test === test && c.metric === "throughputMbps")
    .sort(sizeOrder(index));
  if (stream.length === 0)
    return {
      text: `${placementName(placement)} throughput: not measured in both modes.`,
      verdict: "missing",
    };
  const better = stream.filter((c) => c.verdict === "better");
  const worse = stream.filter((c) => c.verdict === "worse");
  const at = (c: Comparison) =>
    `${formatRatio(c.ratio)}× at ${bytesLabel(index, c)} (${comparisonEvidence(c)})`;
  /** "ratio at size" for one comparison, "from lowest to highest" for several. */
  const span = (group: Comparison[]) => {
    const low = group.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const high = group.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    return group.length === 1 ? at(high) : `from ${at(low)} to ${at(high)}`;
  };
  const others = stream.filter((c) => c.verdict === "no significant difference");
  const open = stream.filter((c) => c.verdict === "undecided");
  const range = others.length ? span(others) : "";
  const openRange = open.length ? span(open) : "";
  const ratios = (n: number) => (n === 1 ? "ratio" : "ratios");
  if (better.length === 0 && worse.length === 0) {
    if (open.length === stream.length)
      return {
        text: `${placementName(placement)} ${test} throughput, eBPF vs legacy host routing: undecided ${stream.length === 1 ? "" : `at each of ${stream.length} message sizes `}(${ratios(stream.length)} ${openRange}).`,
        verdict: "undecided",
      };
    if (open.length === 0)
      return {
        text: `${placementName(placement)} ${test} throughput, eBPF vs legacy host routing: no significant difference ${stream.length === 1 ? "" : `at any of ${stream.length} message sizes `}(${ratios(stream.length)} ${range}).`,
        verdict: "no significant difference",
      };
    return {
      text: `${placementName(placement)} ${test} throughput, eBPF vs legacy host routing: no significant difference at ${others.length} of ${stream.length} message sizes (${ratios(others.length)} ${range}); undecided at ${open.length} (${ratios(open.length)} ${openRange}).`,
      verdict: "undecided",
    };
  }
  const listed = (group: Comparison[]) => group.map(at).join("; ");
  const parts = [
    better.length ? `better at ${better.length} of ${stream.length} message sizes (${listed(better)})` : "",
    worse.length ? `worse at ${worse.length} (${listed(worse)})` : "",
  ].filter(Boolean);
  const rest = others.length;
  return {
    text: `${placementName(placement)} ${test} throughput: eBPF host routing was ${parts.join(", ")}${rest ? `; no significant difference at ${open.length ? "" : "the other "}${rest} (${ratios(rest)} ${range})` : ""}${open.length ? `; undecided at ${open.length} (${ratios(open.length)} ${openRange})` : ""}.`,
    verdict: better.length >= worse.length ? "better" : "worse",
  };
}

/** Per size of one request/response test: its transaction rate, then its latency percentiles. */
function rateHeadlines(
  placement: string,
  test: string,
  results: Results,
  comparisons: Comparison[],
): Headline[] {
  const headlines: Headline[] = [];
  const rr = comparisons.filter((c) => c.placement === placement && c.test === test);
  const index = runIndex(results);
  for (const [key, ofPoint] of groupByPoint(rr).entries()) {
    const rate = ofPoint.find((c) => isTransactionRate(c.metric));
    if (rate) {
      const e = index.summary(key, "ebpf", rate.metric);
      const l = index.summary(key, "legacy", rate.metric);
      headlines.push({
        text: `${placementName(placement)} ${METRICS[rate.metric].counts} per second (${test} ${sizeText(key)}): eBPF ${e ? formatWithInterval(e.median, e.ciLow, e.ciHigh) : "–"} vs legacy ${l ? formatWithInterval(l.median, l.ciLow, l.ciHigh) : "–"}: ${formatRatio(rate.ratio)}× (${formatPercentChange(rate.ratio)}; ${comparisonEvidence(rate)}): ${rate.verdict}.`,
        verdict: rate.verdict,
      });
    }
    const latency = ofPoint.filter((c) => isPercentile(c.metric));
    if (latency.length > 0) {
      const parts = latency.map((c) => `${METRICS[c.metric].name.split(" ")[0]} ${judged(c)}`);
      headlines.push({
        text: `${placementName(placement)} latency (${test} ${sizeText(key)}, eBPF / legacy, lower is better): ${parts.join("; ")}.`,
        verdict: overall(latency),
      });
    }
  }
  return headlines;
}

/** Per CPU cost metric the run compared at this placement: every test and size's eBPF/legacy ratio. */
function costHeadlines(placement: string, comparisons: Comparison[]): Headline[] {
  return COST_METRICS.flatMap((metric) => {
    const list = comparisons.filter((c) => c.placement === placement && c.metric === metric);
    if (list.length === 0) return [];
    const parts = list.map((c) => `${c.test} ${sizeText(c)} ${judged(c)}`);
    return [
      {
        text: `${placementName(placement)} ${METRICS[metric].name} (eBPF / legacy, lower is better): ${parts.join("; ")}.`,
        verdict: overall(list),
      },
    ];
  });
}

const percent = (x: number) => (x * 100).toFixed(0);

/** "93% (95% CI 91–95%)", or the reason there is no interval. */
function share(c: Comparison): string {
  const evidence =
    c.ciLow === null || c.ciHigh === null
      ? (c.caveat ?? "no interval")
      : `95% CI ${percent(c.ciLow)}–${percent(c.ciHigh)}%`;
  return `${percent(c.ratio)}% (${evidence})`;
}

/**
 * One headline per test the direct path ran at this placement, e.g. "Same node TCP_RR, share of
 * the direct path's transaction rate (…): eBPF reaches 93% (95% CI 91–95%) at 1,1; legacy
 * reaches 72% (…) at 1,1."
 */
function directHeadlines(results: Results, placement: string): Headline[] {
  const direct = directComparisons(results).filter((c) => c.placement === placement);
  return [...new Set(direct.map((c) => c.test))].map((test) => {
    const ofTest = direct.filter((c) => c.test === test).sort(sizeOrder(runIndex(results)));
    const parts = (["ebpf", "legacy"] as const).flatMap((mode) => {
      const mine = ofTest.filter((c) => c.candidate === mode);
      if (mine.length === 0) return [];
      return [
        `${mode === "ebpf" ? "eBPF" : "legacy"} reaches ${mine.map((c) => `${share(c)} at ${sizeText(c)}`).join(", ")}`,
      ];
    });
    return {
      text: `${placementName(placement)} ${test}, share of the direct path's ${METRICS[mainMetric(test)].name} (two pods over one veth pair, no host routing): ${parts.join("; ")}.`,
      verdict: "context" as const,
    };
  });
}

/** Whether netperf's eBPF/legacy ratios were borne out by the second witness, when one ran. */
function witnessHeadline(results: Results): Headline | null {
  const rows = results.summary.witness ?? [];
  if (rows.length === 0) return null;
  const tools = [...new Set(rows.map((r) => r.witness))].join(" and ");
  const agree = rows.filter((r) => r.agreement === "agree").length;
  const disagree = rows.filter((r) => r.agreement === "disagree");
  const undecided = rows.filter((r) => r.agreement === "undecided").length;
  const parts = [
    `agrees with netperf's eBPF/legacy ratio at ${agree} of ${rows.length} witnessed points and metrics`,
    disagree.length
      ? `disagrees at ${disagree.length} (${disagree.map((r) => `${plannedName(runIndex(results), r.point)} ${METRICS[r.metric].name}`).join(", ")})`
      : "",
    undecided ? `undecided at ${undecided} (too few common blocks for an interval)` : "",
  ].filter(Boolean);
  return {
    text: `Second witness (${tools}): ${parts.join("; ")}.`,
    verdict: disagree.length ? "warning" : "context",
  };
}

/**
 * The headlines of a run, placement by placement: the throughput of every test that measures
 * it, then each size of every test that measures a transaction rate or latency, then CPU cost
 * and the direct path when measured; last, the second witness when one ran. Which tests those
 * are comes from the metrics each test is summarised by.
 */
export function buildHeadlines(results: Results, comparisons: Comparison[]): Headline[] {
  const tests = [...new Set(results.sweep.tests.map((t) => t.test))].map((test) => ({
    test,
    metrics: summaryMetrics(results.sweep, test),
  }));
  const throughputTests = tests.filter((t) => t.metrics.includes("throughputMbps"));
  const rateTests = tests.filter((t) => t.metrics.some((m) => isTransactionRate(m) || isPercentile(m)));
  const headlines: Headline[] = [];
  for (const placement of results.sweep.placements) {
    for (const { test } of throughputTests)
      headlines.push(throughputHeadline(runIndex(results), placement, test, comparisons));
    for (const { test } of rateTests) headlines.push(...rateHeadlines(placement, test, results, comparisons));
    headlines.push(...costHeadlines(placement, comparisons), ...directHeadlines(results, placement));
  }
  const witness = witnessHeadline(results);
  return witness ? [...headlines, witness] : headlines;
}
