/**
 * The Service-count chart and table (issue 23) as drawn and tabulated, and the Service count
 * named wherever the report names a point; their data is checked in service-count.test.ts.
 */
import { describe, expect, it } from "vitest";
import { tableText } from "../../../harness/report/cells.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { renderSvg } from "../../../harness/report/render.js";
import { servicesRun } from "./services-run.js";

const model = buildReportModel(servicesRun(), []);
const charts = buildCharts(model.charts);

describe("the Service-count chart and table", () => {
  it("draws one chart per test: x the counts on a log axis, a line per mode, the rows as data", async () => {
    const ids = charts.map((c) => c.id);
    expect(ids.filter((id) => id.startsWith("services"))).toEqual(["services-TCP_CRR", "services-TCP_RR"]);
    const chart = charts.find((c) => c.id === "services-TCP_CRR");
    const spec = chart?.spec as unknown as {
      data: { values: unknown[] };
      facet: { row: { field: string }; column: { field: string } };
      spec: {
        layer: { mark: { type: string }; encoding: { x: { scale: unknown; axis: { values: number[] } } } }[];
      };
    };
    expect(spec.data.values).toEqual(model.charts.services[0]?.rows);
    expect([spec.facet.column.field, spec.facet.row.field]).toEqual(["placement", "point"]);
    expect(spec.spec.layer.map((l) => l.mark.type)).toEqual(["errorbar", "line"]);
    expect(spec.spec.layer[1]?.encoding.x.axis.values).toEqual([100, 1000, 10000]);
    expect(spec.spec.layer[1]?.encoding.x.scale).toEqual({ type: "log", base: 10 });
    for (const id of ["services-TCP_CRR", "services-TCP_RR"]) {
      const svg = await renderSvg(charts.find((c) => c.id === id)?.spec as never);
      expect(svg, id).toMatch(/class="mark-line role-mark/);
      expect(svg, id).toMatch(/class="mark-rule role-mark/);
    }
  });

  it("gives each point its own row of the latency chart, instead of stacking their bars at one percentile", () => {
    const rr = model.charts.latency.find((g) => g.test === "TCP_RR");
    // 2 placements × 6 points × 2 modes × 2 percentiles
    expect(rr?.rows).toHaveLength(48);
    expect(new Set(rr?.rows.map((r) => r.point))).toEqual(
      new Set(["1,1", "1,1 service"].flatMap((p) => [100, 1000, 10000].map((n) => `${p} services=${n}`))),
    );
    const spec = charts.find((c) => c.id === "latency")?.spec as unknown as {
      facet: { row?: { field: string } };
    };
    expect(spec.facet.row?.field).toBe("point");
  });

  it("tabulates each mode and eBPF/legacy per count, naming the point and the count", () => {
    const table = model.tables.find((t) => t.id === "services-TCP_CRR");
    expect(table?.title).toBe("TCP_CRR connection rate by Service count");
    expect(table?.columns).toEqual([
      "Placement",
      "Point",
      "Services",
      "legacy (conn/s)",
      "ebpf (conn/s)",
      "legacy: vs fewest Services",
      "ebpf: vs fewest Services",
      "eBPF / legacy",
    ]);
    const text = tableText(table as NonNullable<typeof table>);
    expect(text.map((r) => r.slice(0, 3).join(" "))).toEqual(
      ["Same node", "Cross node"].flatMap((p) =>
        ["1,1 → pod", "1,1 → service"].flatMap((point) =>
          [100, 1000, 10000].map((n) => `${p} ${point} ${n}`),
        ),
      ),
    );
    const ratio = model.charts.services[0]?.ratios.find(
      (r) => r.placement === "cross-node" && r.point === "1,1 → pod" && r.services === 1000,
    );
    expect(table?.rows[7]?.[7]).toEqual({
      kind: "ratio",
      ratio: ratio?.ratio,
      low: ratio?.low,
      high: ratio?.high,
      verdict: ratio?.verdict,
    });
    expect(model.tables.find((t) => t.id === "services-TCP_RR")?.title).toBe(
      "TCP_RR P50 latency by Service count",
    );
  });

  it("names the Service count in the headlines and in every measured table's rows", () => {
    const crrLines = model.headlines.filter((h) => h.text.includes("connections per second"));
    expect(crrLines.map((h) => h.text.replace(/\).*/, ")"))).toEqual(
      expect.arrayContaining([
        "Same node connections per second (TCP_CRR 1,1 services=100)",
        "Cross node connections per second (TCP_CRR 1,1 service services=10000)",
      ]),
    );
    const tps = model.tables.find((t) => t.id === "tps-TCP_CRR");
    expect(tps?.columns.slice(0, 3)).toEqual(["Placement", "Point", "Configuration"]);
    const points = new Set(tableText(tps as NonNullable<typeof tps>).map((r) => r[1]));
    expect(points).toEqual(
      new Set([
        "1,1 services=100",
        "1,1 services=1000",
        "1,1 services=10000",
        "1,1 service services=100",
        "1,1 service services=1000",
        "1,1 service services=10000",
      ]),
    );
  });
});
