/**
 * The tables of measured figures: transactions per second (with the published figures beside
 * them), throughput by message size, and latency, one table per netperf test that reported
 * the metric. Which tests those are, and each figure's unit, come from the data (the points'
 * metrics and `shownUnit`), so a new test's metrics appear without new code here. Pure.
 */
import type { Results } from "../results/schema.js";
import { distinctPoints } from "../sweep/point.js";
import { comparesRouting, isTransactionRate, METRICS, type MetricName } from "../vocabulary/vocabulary.js";
import { type Cell, empty, estimateCell, ratioCell, type Table, text } from "./cells.js";
import { shownUnit } from "./format.js";
import {
  atPlacement,
  distinctSizes,
  MODE_NAMES,
  placementName,
  runIndex,
  sizesOf,
  sizeText,
} from "./points.js";
import type { PublishedSource } from "./published.js";

/** The latency figures the tables show: the percentiles and the mean (the maximum is not summarised). */
const isLatency = (metric: MetricName) => METRICS[metric].family === "latency";

/** The tests of a run with points of a metric `which` accepts, in the order they were summarised. */
function testsReporting(results: Results, which: (metric: MetricName) => boolean): string[] {
  return [...new Set(results.summary.points.filter((p) => which(p.metric)).map((p) => p.test))];
}

/**
 * One table per test: `build` makes the table of one test; when more than one test has such a
 * table, each id and title names its test (a run of one test keeps the plain id, #table-<id>).
 */
function perTest(tests: string[], build: (test: string) => Table | null): Table[] {
  return tests.flatMap((test) => {
    const table = build(test);
    if (!table) return [];
    return tests.length === 1 ? [table] : [{ ...table, id: `${table.id}-${test}` }];
  });
}

/**
 * Transactions (TCP_CRR: connections) per second per placement, size and mode, with the seed's
 * published figure.
 */
export function tpsTables(results: Results, published: PublishedSource[]): Table[] {
  const tests = testsReporting(results, isTransactionRate);
  const seed = published.find((s) => s.id.startsWith("azure"));
  const index = runIndex(results);
  return perTest(tests, (test) => {
    const rows: Cell[][] = [];
    const ofTest = results.summary.points.filter((p) => p.test === test);
    const metric = ofTest.find((p) => isTransactionRate(p.metric))?.metric ?? "transactionsPerSec";
    const counted = METRICS[metric].counts === "connections" ? "Connections" : "Transactions";
    const label = `${counted}/second`;
    const sizes = distinctSizes(ofTest);
    // a test run at one size keeps its plain table; several (sizes, destinations, Service counts) name each row's
    const named = sizes.length > 1;
    for (const placement of results.sweep.placements) {
      for (const sized of sizes) {
        const key = atPlacement(sized, placement);
        for (const mode of ["ebpf", "legacy", "host", "direct"] as const) {
          const point = index.summary(key, mode, metric);
          if (!point && !results.sweep.modes.includes(mode)) continue;
          const ref =
            placement === "same-node" && key.size === "1,1"
              ? seed?.figures.find((f) => f.test === test && f.metric === metric && f.mode === mode)
              : undefined;
          rows.push([
            text(placementName(placement)),
            ...(named ? [text(sizeText(key))] : []),
            text(MODE_NAMES[mode] ?? mode),
            estimateCell(point),
            ref ? { kind: "reference", value: ref.value, unit: shownUnit(metric).unit } : empty("–"),
          ]);
        }
      }
    }
    if (rows.length === 0) return null;
    return {
      id: "tps",
      title: tests.length === 1 ? label : `${test} ${label.toLowerCase()}`,
      columns: [
        "Placement",
        ...(named ? ["Point"] : []),
        "Configuration",
        `${label} (median ± 95% CI half-width)`,
        "Published (Azure blog, AKS 16-core, same node)",
      ],
      rows,
      note: "The published column is the seed's figure from a different machine and setup, shown for orientation; it is not a measurement of this run.",
    };
  });
}

/** Throughput by message size: each placement's modes side by side, and the eBPF/legacy ratio. */
export function throughputTables(results: Results): Table[] {
  const metric = "throughputMbps";
  const modes = results.sweep.modes;
  const compared = comparesRouting(modes);
  const index = runIndex(results);
  return perTest(
    testsReporting(results, (m) => m === metric),
    (test) => {
      const sizes = sizesOf(
        index,
        results.summary.points.filter((p) => p.test === test),
      );
      const columns = ["Message size (B)"];
      for (const placement of results.sweep.placements) {
        for (const mode of modes)
          columns.push(`${placementName(placement)}: ${mode} (${shownUnit(metric).unit})`);
        if (compared) columns.push(`${placementName(placement)}: eBPF / legacy`);
      }
      const rows = sizes.map((sized) => {
        const row: Cell[] = [text(sizeText(sized))];
        for (const placement of results.sweep.placements) {
          const key = atPlacement(sized, placement);
          for (const mode of modes) row.push(estimateCell(index.summary(key, mode, metric)));
          if (compared) row.push(ratioCell(index.comparison(key, metric)));
        }
        return row;
      });
      return {
        id: "throughput",
        title: `${test} throughput by message size`,
        columns,
        rows,
        note: "Cells: median ± half its distribution-free 95% interval (or [low, high] when asymmetric); ratios: geometric mean of per-pair ratios [95% t interval], n.s. = no significant difference after Holm; undecided = not tested (too few pairs) or not a finding (see the comparison's reason).",
      };
    },
  );
}

/** Latency percentiles and mean per placement and size: each mode, and the eBPF/legacy ratio. */
export function latencyTables(results: Results): Table[] {
  const index = runIndex(results);
  return perTest(testsReporting(results, isLatency), (test) => {
    const rows: Cell[][] = [];
    const ofTest = results.summary.points.filter((p) => p.test === test);
    const metrics = [...new Set(ofTest.filter((p) => isLatency(p.metric)).map((p) => p.metric))];
    for (const key of distinctPoints(ofTest)) {
      for (const metric of metrics) {
        const row: Cell[] = [
          text(placementName(key.placement)),
          text(sizeText(key)),
          text(METRICS[metric].name),
        ];
        for (const mode of results.sweep.modes) row.push(estimateCell(index.summary(key, mode, metric)));
        row.push(ratioCell(index.comparison(key, metric)));
        rows.push(row);
      }
    }
    if (rows.length === 0) return null;
    const unit = shownUnit(metrics[0] ?? "p50Us").unit;
    return {
      id: "latency",
      title: `${test} latency (${unit})`,
      columns: [
        "Placement",
        "Request,response (B)",
        "Statistic",
        ...results.sweep.modes.map((m) => `${m} (${unit})`),
        "eBPF / legacy",
      ],
      rows,
      note: "Lower is better. netperf's per-transaction latency histogram, one run per repetition; medians across repetitions with 95% CIs.",
    };
  });
}

/**
 * UDP_STREAM per placement, size and mode: the rate sent, the rate received and the datagrams
 * lost. The received rate is the test's throughput (compared in its throughput table); the sent
 * rate and the loss are described only.
 */
export function udpStreamTable(results: Results): Table | null {
  const points = results.summary.points.filter((p) => p.test === "UDP_STREAM");
  if (!points.some((p) => p.metric === "sentMbps")) return null;
  const metrics = ["sentMbps", "throughputMbps", "lossPct"] as const;
  const index = runIndex(results);
  const rows: Cell[][] = [];
  for (const placement of results.sweep.placements)
    for (const sized of sizesOf(index, points)) {
      const key = atPlacement(sized, placement);
      for (const mode of results.sweep.modes)
        rows.push([
          text(placementName(placement)),
          text(sizeText(key)),
          text(MODE_NAMES[mode] ?? mode),
          ...metrics.map((m) => estimateCell(index.summary(key, mode, m))),
        ]);
    }
  return {
    id: "udp-stream",
    title: "UDP_STREAM sent, received and lost",
    columns: [
      "Placement",
      "Message size (B)",
      "Configuration",
      `Sent (${shownUnit("sentMbps").unit})`,
      `Received (${shownUnit("throughputMbps").unit})`,
      `Datagrams lost (${shownUnit("lossPct").unit})`,
    ],
    rows,
    note: "The sender offers what it can; the receiver's rate is the throughput, and the gap is datagrams lost on the way. Medians across repetitions with their distribution-free 95% intervals.",
  };
}
