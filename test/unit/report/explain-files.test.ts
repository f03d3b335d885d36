/**
 * explain's files per point and mode: points that differ only in a further dimension
 * (destination, Service count) or in their stream count keep their own folded stacks and flame
 * graph, each named as the report names the point.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFolded, parseFolded } from "../../../harness/profile/folded.js";
import { explainFiles } from "../../../harness/report/explain-files.js";
import { type Results, resultsSchema } from "../../../harness/results/schema.js";
import type { Point } from "../../../harness/sweep/plan.js";
import { planKey, sizeLabel } from "../../../harness/sweep/point.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);
const captured = (mode: string) =>
  parseFolded(
    readFileSync(new URL(`../../fixtures/profile/${mode}-same-tcp-rr.folded`, import.meta.url), "utf8"),
  );

/** The same-node TCP_RR point, and three points that differ from it in one thing only. */
const base: Point = {
  key: "",
  placement: "same-node",
  test: "TCP_RR",
  size: "1,1",
  requestSize: 1,
  responseSize: 1,
};
const variants: { point: Point }[] = [
  { point: { ...base, key: planKey(base, "1,1") } },
  ...[{ destination: "service" as const }, { destination: "service" as const, services: 10_000 }].map(
    (dims) => {
      const point = { ...base, ...dims };
      return { point: { ...point, key: planKey(point, "1,1") } };
    },
  ),
  { point: { ...base, size: sizeLabel("1,1", 4), streams: 4, key: planKey(base, "1,1", 4) } },
];

/** mini-lab.json's completed same-node TCP_RR trials, once per variant, each profiled with a frame naming its variant. */
function profiled(runDir: string): Results {
  const results = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
  mkdirSync(join(runDir, "profiles"), { recursive: true });
  const rr = results.trials.filter(
    (t) =>
      t.state === "completed" &&
      t.point.key === "same-node/TCP_RR/1,1" &&
      (t.mode === "legacy" || t.mode === "ebpf"),
  );
  results.trials = variants.flatMap(({ point }, v) =>
    rr.map((t, i) => {
      const file = `profiles/${v}-${i}.folded`;
      const stacks = new Map([...captured(t.mode)].map(([chain, n]) => [`${chain};variant_${v}_[k]`, n]));
      writeFileSync(join(runDir, file), formatFolded(stacks));
      return {
        ...t,
        id: `${t.block}:${t.mode}:${point.key}`,
        point,
        profile: {
          argv: ["perf", "record"],
          netperfArgv: t.argv,
          frequencyHz: 999,
          windowSec: 1,
          cpus: [1],
          startedAt: t.startedAt,
          samples: 1,
          busySamples: 1,
          idleSamples: 0,
          foreignSamples: 0,
          bySubsystem: {},
          metrics: {},
          foldedFile: file,
        },
      };
    }),
  );
  return resultsSchema.parse(results);
}

describe("explain files", () => {
  it("keeps each point's stacks apart and names each flame graph as the report names its point", () => {
    const runDir = mkdtempSync(join(tmpdir(), "rb-explain-files-"));
    const files = explainFiles(profiled(runDir), runDir);
    expect(files.missing).toEqual([]);
    expect([...files.folded.keys()].sort()).toEqual(
      [
        "same-node_TCP_RR_1,1",
        "same-node_TCP_RR_1,1_service",
        "same-node_TCP_RR_1,1_service_services_10000",
        "same-node_TCP_RR_1,1_streams_4",
      ].flatMap((slug) => [`folded-${slug}-ebpf.folded`, `folded-${slug}-legacy.folded`]),
    );
    // every file holds its own variant's frames only
    variants.forEach(({ point }, v) => {
      const slug = point.key.replace(/[^\w.,-]+/g, "_");
      for (const mode of ["legacy", "ebpf"]) {
        const text = files.folded.get(`folded-${slug}-${mode}.folded`) ?? "";
        expect(text).toContain(`variant_${v}_[k]`);
        for (const other of [0, 1, 2, 3].filter((o) => o !== v))
          expect(text).not.toContain(`variant_${other}_[k]`);
      }
    });
    expect(files.flames.map((f) => f.title)).toEqual([
      "Same node TCP_RR 1,1: Legacy host routing against eBPF host routing",
      "Same node TCP_RR 1,1 service: Legacy host routing against eBPF host routing",
      "Same node TCP_RR 1,1 service services=10000: Legacy host routing against eBPF host routing",
      "Same node TCP_RR 1,1 ×4: Legacy host routing against eBPF host routing",
    ]);
    expect(new Set(files.flames.map((f) => f.id)).size).toBe(4);
  });
});
