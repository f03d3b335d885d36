/** The lab datapath table names each point by its key: a point run by 4 streams is not its one-stream twin. */
import { describe, expect, it } from "vitest";
import { datapathTable, precisionTable } from "../../../harness/report/run-tables.js";
import { readResults } from "../../../harness/results/read.js";
import type { Results } from "../../../harness/results/schema.js";

describe("datapath table", () => {
  it("has one row per point and mode, streams told apart", async () => {
    const results = await readResults(
      new URL("../../../results/examples/full-datapath-quick", import.meta.url).pathname,
    );
    const table = datapathTable(results);
    const rows = (table?.rows ?? []).map((row) =>
      row.slice(0, 4).map((cell) => (cell.kind === "text" ? cell.text : "")),
    );
    // counted from the trials themselves: every (plan key, mode) with datapath counters
    const expected = new Set(
      results.trials
        .filter((t) => t.state === "completed" && t.datapath)
        .map((t) => `${t.point.key} ${t.mode}`),
    );
    expect(rows).toHaveLength(expected.size);
    expect(new Set(rows.map((r) => r.join("|"))).size).toBe(expected.size);
    expect(rows.some((r) => r[2] === "1,1 ×4")).toBe(true);
  });
});

describe("precision table", () => {
  it("names the pair whose precision it states: eBPF/legacy when both ran, else the pair compared first", async () => {
    const results = await readResults(
      new URL("../../../results/examples/blog-standard", import.meta.url).pathname,
    );
    const title = (modes: Results["sweep"]["modes"]) =>
      precisionTable({ ...results, sweep: { ...results.sweep, modes } })?.columns[5];
    expect(title(["legacy", "ebpf"])).toBe("Widest eBPF/legacy interval");
    expect(title(["host", "direct", "ebpf"])).toBe("Widest eBPF/host interval");
    expect(title(["ebpf", "direct"])).toBe("Widest eBPF/direct interval");
    expect(title(["host", "direct"])).toBeUndefined(); // nothing compared: no table
    const note = precisionTable({ ...results, sweep: { ...results.sweep, modes: ["host", "legacy"] } })?.note;
    expect(results.sweep.targetCiPct).toBe(3);
    expect(note).toMatch(/where a legacy\/host interval was wider/);
  });
});
