/** The trend page marks detected steps and links each point to its run and its neighbours. */
import { describe, expect, it } from "vitest";
import { checkHistory } from "../../../harness/history/check.js";
import { renderHistory, trendCharts, trendRows } from "../../../harness/report/history.js";
import { run } from "./history-runs.js";

const runs = Array.from({ length: 10 }, (_, i) => run(i, i >= 6 ? 0.85 : 1));
const check = checkHistory(runs, { maxRegressionPct: 5 });

describe("history page", () => {
  it("marks the run where a step starts in its series, and only there", () => {
    const rows = trendRows(runs, check);
    const marked = rows.filter((r) => r.step !== null);
    expect(marked.map((r) => [r.order, r.mode, r.step])).toEqual([
      [6, "legacy", "worse"],
      [6, "ebpf", "worse"],
    ]);
    expect(rows.every((r) => r.href === `#run-${r.order + 1}`)).toBe(true);
    const spec = JSON.stringify(trendCharts(rows)[0]?.spec);
    expect(spec).toContain('"href":{"field":"href"}');
    expect(spec).toContain('"filter":"datum.step != null"');
    // the step marks have a scale of their own: sharing the modes' colour scale hid the lines
    expect(spec).toContain('"fill":{"field":"step"');
  });

  it("lists each step with links to the runs on either side, and every run with its neighbours", async () => {
    const html = await renderHistory(runs, check);
    expect(html).toContain('<tr id="run-7">');
    expect(html).toMatch(
      /<a href="#run-6">6\. build 6<\/a> → <a href="#run-7">7\. build 7<\/a><\/td><td>abc07<\/td>/,
    );
    expect(html).toMatch(
      /<tr id="run-1"><td>1<\/td>.*<td>–<\/td><td><a href="#run-2">2\. build 2<\/a><\/td><\/tr>/,
    );
    expect(html).toContain('<a xlink:href="#run-7">'); // the chart's points link too
  });

  it("keeps a pod point and a Service point apart: its own facet, its own step", () => {
    // the Service point steps at the seventh run; the pod point does not move
    const both = Array.from({ length: 10 }, (_, i) => {
      const pod = run(i, 1);
      const service = run(i, i >= 6 ? 0.85 : 1).points.map((p) => ({
        ...p,
        destination: "service" as const,
      }));
      return { ...pod, points: [...pod.points, ...service] };
    });
    const rows = trendRows(both, checkHistory(both, { maxRegressionPct: 5 }));
    expect([...new Set(rows.map((r) => r.point))]).toEqual([
      "Cross node TCP_STREAM 1024",
      "Cross node TCP_STREAM 1024 service",
    ]);
    expect(rows.filter((r) => r.step !== null).map((r) => [r.order, r.point, r.mode, r.step])).toEqual([
      [6, "Cross node TCP_STREAM 1024 service", "legacy", "worse"],
      [6, "Cross node TCP_STREAM 1024 service", "ebpf", "worse"],
    ]);
  });
});
