/**
 * The history store keeps a point's destination, IP family and Service count (schema version 2):
 * points that differ only there stay apart through the store and the check; a store written by
 * version 1 (test/fixtures/history/store-v1.sql, dumped from a store the previous routebench
 * wrote) opens, reads with its runs' dimensions, and is migrated when written to.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { checkHistory, collectSeries } from "../../../harness/history/check.js";
import {
  type HistoryRun,
  historyRun,
  mixedSweeps,
  runMethod,
  sweepFingerprint,
} from "../../../harness/history/runs.js";

import { HISTORY_SCHEMA_VERSION, HistoryStore } from "../../../harness/history/store.js";
import { migrateV1 } from "../../../harness/history/store-schema.js";
import type { Results } from "../../../harness/results/schema.js";
import { run } from "./history-runs.js";

const BLOG = new URL("../../../results/examples/blog-standard/results.json", import.meta.url);
const V1_DUMP = new URL("../../fixtures/history/store-v1.sql", import.meta.url);

/** Run `index` measuring the same point at each of `variants` (pod/service, Service counts, families). */
function runWith(index: number, variants: Partial<HistoryRun["points"][number]>[]): HistoryRun {
  const base = run(index, 1);
  return {
    ...base,
    points: variants.flatMap((dims, i) =>
      base.points.map((p) => ({ ...p, ...dims, median: p.median * (1 + i), mean: p.mean * (1 + i) })),
    ),
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), "rb-store-dims-"));
const userVersion = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  db.close();
  return user_version;
};

function v1Store(): string {
  const path = join(tmp(), "v1.db");
  const db = new DatabaseSync(path);
  db.exec(readFileSync(V1_DUMP, "utf8"));
  db.close();
  return path;
}

describe("history store: a point's further dimensions", () => {
  it("stores points that differ only in destination, Service count or IP family, and reads each back", async () => {
    const variants = [
      { destination: "pod" as const },
      { destination: "service" as const },
      { destination: "service" as const, services: 10_000 },
      { destination: "service" as const, ipFamily: "ipv6" as const },
    ];
    const runs = [runWith(0, variants), runWith(1, variants)];
    const path = join(tmp(), "history.db");
    const store = await HistoryStore.open(path, { create: true });
    expect(
      store.add(
        runs.map((r) => ({ run: r, environment: {}, sweep: {} })),
        "2026-12-06T00:00:00.000Z",
      ),
    ).toEqual({
      added: ["run-01", "run-02"],
      present: [],
    });
    const back = store.runs();
    store.close();
    expect(back).toEqual(runs);
    // one series per point and mode, never a pod value in a Service series
    const series = collectSeries(back, ["throughputMbps"]);
    expect(series).toHaveLength(variants.length * 2);
    for (const s of series) expect(s.observations).toHaveLength(2);
    const service10k = series.find((s) => s.key.services === 10_000 && s.key.mode === "ebpf");
    expect(service10k?.observations.map((o) => o.value)).toEqual(
      runs.map((r) => r.points.find((p) => p.services === 10_000 && p.mode === "ebpf")?.median),
    );
  });

  it("reads a version-1 store as it is: each run's points get the dimensions its sweep lists, the file untouched", async () => {
    const path = v1Store();
    const before = readFileSync(path);
    const store = await HistoryStore.open(path, { create: false });
    const runs = store.runs();
    store.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(userVersion(path)).toBe(1);
    const [plain, service] = runs;
    expect(plain?.points.map((p) => [p.mode, p.destination, p.ipFamily, p.services])).toEqual([
      ["legacy", undefined, undefined, undefined],
      ["ebpf", undefined, undefined, undefined],
    ]);
    expect(service?.points.map((p) => [p.mode, p.destination, p.ipFamily, p.services])).toEqual([
      ["legacy", "service", "ipv6", 100],
      ["ebpf", "service", "ipv6", 100],
    ]);
    expect(service?.comparisons.map((c) => [c.destination, c.ipFamily, c.services])).toEqual([
      ["service", "ipv6", 100],
    ]);
    // the Service run's points are series of their own, not a continuation of the pod point's
    expect(collectSeries(runs, ["throughputMbps"]).map((s) => s.observations.length)).toEqual([1, 1, 1, 1]);
    expect(checkHistory(runs, { maxRegressionPct: 5 }).mixedSweeps).toMatch(
      /sweep blog .*; sweep service-v6/,
    );
  });

  it("migrates a version-1 store when writing to it, and then stores a run with pod and Service points", async () => {
    const path = v1Store();
    const read = await HistoryStore.open(path, { create: false });
    const asRead = read.runs();
    read.close();
    const store = await HistoryStore.open(path, { create: true });
    expect(userVersion(path)).toBe(HISTORY_SCHEMA_VERSION);
    expect(store.runs()).toEqual(asRead);
    const both = runWith(2, [{ destination: "pod" }, { destination: "service" }]);
    expect(store.add([{ run: both, environment: {}, sweep: {} }], "2026-12-07T00:00:00.000Z").added).toEqual([
      "run-03",
    ]);
    expect(store.runs().at(-1)).toEqual(both);
    store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    const columns = (
      db.prepare("SELECT name FROM pragma_table_info('points')").all() as { name: string }[]
    ).map((c) => c.name);
    const duplicate = () =>
      db
        .prepare(
          "SELECT count(*) AS n FROM points WHERE run_id = 'run-02' AND destination = 'service' AND services = 100",
        )
        .get();
    expect(columns).toEqual(expect.arrayContaining(["destination", "ip_family", "services"]));
    expect(duplicate()).toEqual({ n: 2 });
    db.close();
    // a second process that opened the store while it was version 1 migrates nothing again
    const late = new DatabaseSync(path);
    migrateV1(late, path);
    late.close();
    const again = await HistoryStore.open(path, { create: false });
    expect(again.runs().at(-1)).toEqual(both);
    again.close();
  });

  it("refuses a second row of one point, mode and metric in a run (absent and NULL are one value)", async () => {
    const path = join(tmp(), "history.db");
    const store = await HistoryStore.open(path, { create: true });
    const twice = runWith(0, [{ destination: "service" }, { destination: "service" }]);
    expect(() => store.add([{ run: twice, environment: {}, sweep: {} }], "2026-12-06T00:00:00.000Z")).toThrow(
      /cannot add run run-01 .*UNIQUE constraint failed/,
    );
    const plainTwice = runWith(1, [{}, {}]);
    expect(() =>
      store.add([{ run: plainTwice, environment: {}, sweep: {} }], "2026-12-06T00:00:00.000Z"),
    ).toThrow(/UNIQUE constraint failed/);
    store.close();
  });
});

describe("sweep design: destinations and IP families", () => {
  const sweep = (JSON.parse(readFileSync(BLOG, "utf8")) as Results).sweep;

  it("tells apart sweeps that differ only in destinations or IP families, so history warns when it mixes them", () => {
    const prints = [
      sweep,
      { ...sweep, destinations: ["pod", "service"] as const },
      { ...sweep, destinations: ["service"] as const },
      { ...sweep, ipFamilies: ["ipv6"] as const },
      { ...sweep, lab: { ...sweep.lab, services: [100] } },
    ].map((s) => sweepFingerprint(s as Results["sweep"]));
    expect(new Set(prints).size).toBe(prints.length);
    const runs = prints.slice(0, 2).map((design, i) => ({ ...run(i, 1), sweepDesign: design }));
    expect(mixedSweeps(runs)).toBe(
      `sweep blog (design ${prints[0]}): 1 run; sweep blog (design ${prints[1]}): 1 run`,
    );
  });

  it("keeps the fingerprint of a sweep that lists neither (741329779252 for the blog sweep, as before they counted)", () => {
    expect(sweepFingerprint(sweep)).toBe("741329779252");
    expect(sweepFingerprint({ ...sweep, destinations: undefined, ipFamilies: undefined })).toBe(
      "741329779252",
    );
  });

  it("starts a new series where TCP_STREAM trials took netperf's default-size send ring (-W), and only there", () => {
    const results = JSON.parse(readFileSync(BLOG, "utf8")) as Results;
    // the committed run predates -W: it keeps its fingerprint when added again
    expect(runMethod(results.trials)).toEqual({});
    expect(historyRun(results).sweepDesign).toBe("741329779252");
    const withW = results.trials.map((t) =>
      t.point.test === "TCP_STREAM"
        ? { ...t, argv: [...t.argv.slice(0, -2), "-W", "17", ...t.argv.slice(-2)] }
        : t,
    );
    expect(runMethod(withW)).toEqual({ streamUserBuffers: "netperf-default" });
    expect(historyRun({ ...results, trials: withW }).sweepDesign).not.toBe("741329779252");
    // -W in an RR trial's argv (it never is) would not count
    const rrOnly = results.trials
      .filter((t) => t.point.test !== "TCP_STREAM")
      .map((t) => ({ ...t, argv: [...t.argv, "-W", "2"] }));
    expect(rrOnly.length).toBeGreaterThan(0);
    expect(runMethod(rrOnly)).toEqual({});
  });
});
