/**
 * The report's headlines: one sentence per placement and test saying how eBPF host routing
 * compared with legacy, with the evidence (interval, adjusted p) or why there is none. Pure.
 */
import type { Results } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import {
  comparisonEvidence,
  formatPercentChange,
  formatRatio,
  formatWithInterval,
  METRIC_LABELS,
} from "./format.js";
import { findPoint, placementName, sizeOrder } from "./points.js";

/** A headline sentence and the verdict it reports (which colours it). */
export interface Headline {
  text: string;
  verdict: Comparison["verdict"] | "missing";
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
          `${METRIC_LABELS[c.metric].name.split(" ")[0]} ${formatRatio(c.ratio)}× (${comparisonEvidence(c, "CI")}, ${c.caveat ? "not decided" : c.verdict})`,
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

/** The headlines of a run, placement by placement: TCP_STREAM first, then each TCP_RR size. */
export function buildHeadlines(results: Results, comparisons: Comparison[]): Headline[] {
  const headlines: Headline[] = [];
  for (const placement of results.sweep.placements) {
    if (results.sweep.tests.some((t) => t.test === "TCP_STREAM"))
      headlines.push(streamHeadline(placement, comparisons));
    headlines.push(...rrHeadlines(placement, results, comparisons));
  }
  return headlines;
}
