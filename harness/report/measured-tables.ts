/**
 * The tables of measured figures: transactions per second (with the published figures beside
 * them), TCP_STREAM throughput by message size, and TCP_RR latency. Cells are typed values. Pure.
 */
import type { Results } from "../results/schema.js";
import type { Comparison } from "../stats/summary.js";
import { type Cell, empty, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { METRIC_LABELS } from "./format.js";
import { findPoint, MODE_NAMES, placementName, sizeOrder } from "./points.js";
import type { PublishedSource } from "./published.js";

export function tpsTable(results: Results, published: PublishedSource[]): Table | null {
  const rows: Cell[][] = [];
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
          text(placementName(placement)),
          text(MODE_NAMES[mode] ?? mode),
          estimateCell(point, "trans/s"),
          ref ? { kind: "reference", value: ref.value, unit: "trans/s" } : empty("–"),
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

export function throughputTable(results: Results, comparisons: Comparison[]): Table | null {
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
    const row: Cell[] = [text(size)];
    for (const placement of results.sweep.placements) {
      for (const mode of modes)
        row.push(
          estimateCell(
            findPoint(results.summary.points, placement, mode, "TCP_STREAM", size, "throughputMbps"),
            "Gbit/s",
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

export function latencyTable(results: Results, comparisons: Comparison[]): Table | null {
  const rows: Cell[][] = [];
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
      const row: Cell[] = [text(placementName(placement)), text(size), text(METRIC_LABELS[metric].name)];
      for (const mode of results.sweep.modes)
        row.push(
          estimateCell(findPoint(results.summary.points, placement, mode, "TCP_RR", size, metric), "µs"),
        );
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
