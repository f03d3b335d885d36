/**
 * The report's headlines: one sentence per placement and test saying how eBPF host routing
 * compared with legacy, with the evidence (interval, adjusted p) or why there is none. Pure.
 */
import type { Results } from "../results/schema.js";
import { type Comparison, summaryMetrics } from "../stats/summary.js";
import { METRICS } from "../vocabulary/vocabulary.js";
import { comparisonEvidence, formatPercentChange, formatRatio, formatWithInterval } from "./format.js";
import { findPoint, placementName, sizeOrder } from "./points.js";

/** A headline sentence and the verdict it reports (which colours it). */
export interface Headline {
  text: string;
  verdict: Comparison["verdict"] | "missing";
}

/** Throughput of one stream test across its message sizes: which sizes differ, and the range of the rest. */
function throughputHeadline(placement: string, test: string, comparisons: Comparison[]): Headline {
  const stream = comparisons
    .filter((c) => c.placement === placement && c.test === test && c.metric === "throughputMbps")
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
      text: `${placementName(placement)} ${test} throughput, eBPF vs legacy host routing: ${undecided ? "not decided" : "no significant difference"} ${stream.length === 1 ? "" : `at any of ${stream.length} message sizes `}(${stream.length === 1 ? "ratio" : "ratios"} ${range}).`,
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
    text: `${placementName(placement)} ${test} throughput: eBPF host routing was ${parts.join(", ")}${rest ? `; no significant difference at the other ${rest} (${rest === 1 ? "ratio" : "ratios"} ${range})` : ""}.`,
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
  for (const size of [...new Set(rr.map((c) => c.size))]) {
    const tps = rr.find((c) => c.size === size && c.metric === "transactionsPerSec");
    if (tps) {
      const e = findPoint(results.summary.points, placement, "ebpf", test, size, "transactionsPerSec");
      const l = findPoint(results.summary.points, placement, "legacy", test, size, "transactionsPerSec");
      headlines.push({
        text: `${placementName(placement)} transactions per second (${test} ${size}): eBPF ${e ? formatWithInterval(e.median, e.ciLow, e.ciHigh) : "–"} vs legacy ${l ? formatWithInterval(l.median, l.ciLow, l.ciHigh) : "–"}: ${formatRatio(tps.ratio)}× (${formatPercentChange(tps.ratio)}; ${comparisonEvidence(tps)}): ${tps.caveat ? "not decided" : tps.verdict}.`,
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
        text: `${placementName(placement)} latency (${test} ${size}, eBPF / legacy, lower is better): ${parts.join("; ")}.`,
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

/**
 * The headlines of a run, placement by placement: the throughput of every test that measures
 * it, then each size of every test that measures a transaction rate or latency. Which tests
 * those are comes from the metrics each test is summarised by.
 */
export function buildHeadlines(results: Results, comparisons: Comparison[]): Headline[] {
  const tests = [...new Set(results.sweep.tests.map((t) => t.test))].map((test) => ({
    test,
    metrics: summaryMetrics(results.sweep, test),
  }));
  const throughputTests = tests.filter((t) => t.metrics.includes("throughputMbps"));
  const rateTests = tests.filter((t) =>
    t.metrics.some((m) => m === "transactionsPerSec" || /^p\d+Us$/.test(m)),
  );
  const headlines: Headline[] = [];
  for (const placement of results.sweep.placements) {
    for (const { test } of throughputTests) headlines.push(throughputHeadline(placement, test, comparisons));
    for (const { test } of rateTests) headlines.push(...rateHeadlines(placement, test, results, comparisons));
  }
  return headlines;
}
