/**
 * The Service-count chart (issue 23): per plotted test, its figure against the number of
 * Services (log axis, ticks at the counts measured), one line per mode with each point's 95%
 * interval as whiskers; a panel per placement and a row per point. Its data is
 * service-count.ts's. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { METRICS, type MetricName, PLACEMENTS } from "../vocabulary/vocabulary.js";
import { type ChartSpec, frame, modeColor } from "./chart-style.js";
import { shownUnit } from "./format.js";
import type { ServiceCountSeries } from "./service-count.js";

/** "connections/s" or "µs": what the chart's y axis counts. */
const axisTitle = (metric: MetricName) => `${METRICS[metric].name} (${shownUnit(metric).unit})`;

/**
 * One chart per plotted test: the metric against the Service count (log scale, ticks at the
 * counts measured), a line per mode with each point's 95% interval as whiskers; a panel per
 * placement, and a row per point when the run varied more than the count (destination, family).
 */
export function serviceCountCharts(series: readonly ServiceCountSeries[]): ChartSpec[] {
  return series.map(({ test, metric, rows }) => {
    const counts = [...new Set(rows.map((r) => r.services))].sort((a, b) => a - b);
    const x = {
      field: "services",
      type: "quantitative" as const,
      scale: { type: "log" as const, base: 10 },
      title: "Services on the client's node (log scale)",
      axis: { values: counts, format: "," },
    };
    const title = axisTitle(metric);
    const y = { field: "value", type: "quantitative" as const, title, scale: { zero: false } };
    const color = modeColor(rows.map((r) => r.mode));
    const better = `${METRICS[metric].better} is better`;
    return {
      id: `services-${test}`,
      title: `${test} ${METRICS[metric].name} by Service count`,
      caption: `${test} ${METRICS[metric].name} against the number of Services set up on the client's node (legacy: kube-proxy iptables chains; eBPF: socket-LB map entries), ${better}: median across repetitions per mode with its distribution-free 95% interval (whiskers; none below 6 repetitions). Each mode's change from the fewest Services and eBPF/legacy at each count, with their intervals, are in the table of the same name.`,
      spec: {
        ...frame(`${test} ${METRICS[metric].name} vs Service count (${better})`),
        data: { values: rows },
        facet: {
          column: { field: "placement", type: "nominal", title: null, sort: [...PLACEMENTS] },
          row: { field: "point", type: "nominal", title: null },
        },
        spec: {
          width: 260,
          height: 200,
          layer: [
            {
              transform: [{ filter: "datum.low != null" }],
              mark: { type: "errorbar", ticks: true },
              encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color },
            },
            {
              mark: { type: "line", point: true },
              encoding: {
                x,
                y,
                color,
                tooltip: [
                  { field: "mode" },
                  { field: "point" },
                  { field: "services", title: "Services", format: "," },
                  { field: "value", title, format: ",.1f" },
                  { field: "low", format: ",.1f" },
                  { field: "high", format: ",.1f" },
                  { field: "n" },
                ],
              },
            },
          ],
        },
      } as TopLevelSpec,
    };
  });
}
