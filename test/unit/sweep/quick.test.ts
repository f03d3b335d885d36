/** The quick profile: the key points only, enough pairs for verdicts, and what it left out. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { loadPublished } from "../../../harness/report/published.js";
import { summarise } from "../../../harness/stats/summary.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { allSweepPoints, estimateSeconds, planSweep, sweepPoints } from "../../../harness/sweep/plan.js";
import { quickLeftOutText, quickSelection } from "../../../harness/sweep/quick.js";

const blog = readFileSync(new URL("../../../sweeps/blog.yaml", import.meta.url), "utf8");

describe("the quick profile", () => {
  const sweep = parseSweep(blog, "blog.yaml", { profile: "quick" });

  it("keeps per placement TCP_RR 1,1 and the smallest and largest TCP_STREAM message size", () => {
    expect(sweepPoints(sweep).map((p) => p.key)).toEqual([
      "same-node/TCP_STREAM/64",
      "same-node/TCP_STREAM/65536",
      "same-node/TCP_RR/1,1",
      "cross-node/TCP_STREAM/64",
      "cross-node/TCP_STREAM/65536",
      "cross-node/TCP_RR/1,1",
    ]);
    expect(allSweepPoints(sweep)).toHaveLength(14);
    // other profiles measure every point
    expect(sweepPoints(parseSweep(blog, "blog.yaml", { profile: "full" }))).toHaveLength(14);
  });

  it("leaves out several streams and names what it left out", () => {
    const streams = parseSweep(
      "placements: [same-node]\ntests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [1024, 64, 4096]}]\nstreams: [1, 4]\n",
      "s.yaml",
      { profile: "quick" },
    );
    const { kept, leftOut } = quickSelection(allSweepPoints(streams));
    expect(kept.map((p) => p.key)).toEqual([
      "same-node/TCP_RR/1,1",
      "same-node/TCP_STREAM/64",
      "same-node/TCP_STREAM/4096",
    ]);
    expect(leftOut.map((p) => p.key)).toContain("same-node/TCP_STREAM/1024");
    expect(leftOut.filter((p) => p.streams === 4)).toHaveLength(4);
    expect(quickLeftOutText(leftOut, 8)).toMatch(
      /^the quick profile measures the key points only: 5 of 8 left out \(same-node\/TCP_RR\/1,1\/streams=4, /,
    );
    expect(quickLeftOutText([], 8)).toBeNull();
  });

  it("keeps the key points of each destination, IP family and Service count the sweep lists", () => {
    const dims = parseSweep(
      [
        "placements: [same-node]",
        "tests: [{test: TCP_RR, sizes: ['1,1', '64,64']}, {test: TCP_STREAM, messageSizes: [64, 1024, 65536]}]",
        "destinations: [pod, service]",
        "ipFamilies: [ipv4, ipv6]",
        "lab: {services: [100, 10000]}",
      ].join("\n"),
      "d.yaml",
      { profile: "quick" },
    );
    const { kept, leftOut } = quickSelection(allSweepPoints(dims));
    // 8 combinations × (TCP_RR 1,1 + TCP_STREAM 64 and 65536)
    expect(kept).toHaveLength(24);
    for (const destination of ["pod", "service"])
      for (const ipFamily of ["ipv4", "ipv6"])
        for (const services of [100, 10_000]) {
          const mine = kept.filter(
            (p) => p.destination === destination && p.ipFamily === ipFamily && p.services === services,
          );
          expect(mine.map((p) => `${p.test} ${p.size}`)).toEqual([
            "TCP_RR 1,1",
            "TCP_STREAM 64",
            "TCP_STREAM 65536",
          ]);
        }
    expect(leftOut.map((p) => `${p.test} ${p.size}`).sort()).toEqual([
      ...Array(8).fill("TCP_RR 64,64"),
      ...Array(8).fill("TCP_STREAM 1024"),
    ]);
  });

  it("gives every key comparison an interval and a verdict, in under 3 minutes of trials", () => {
    const trials = planSweep(sweep);
    expect(estimateSeconds(trials)).toBeLessThan(180);
    const records = syntheticTrials(sweep, {
      effect: { ebpf: 1.15, legacy: 1 },
      drift: 0.1,
      cv: 0.03,
      seed: 3,
    });
    const summary = summarise(sweep, sweepPoints(sweep), records);
    const main = summary.comparisons.filter((c) => c.baseline === "legacy" && c.candidate === "ebpf");
    expect(main.length).toBeGreaterThanOrEqual(6);
    for (const c of main) {
      expect(c.ciLow, `${c.placement} ${c.test} ${c.size} ${c.metric}`).not.toBeNull();
      expect(c.verdict).not.toBe("undecided");
    }
  });

  it("the report says what the run left out, and nothing for a quick run that measured every point", () => {
    const records = syntheticTrials(sweep, {
      effect: { ebpf: 1.15, legacy: 1 },
      drift: 0,
      cv: 0.03,
      seed: 4,
    });
    const notes = buildReportModel(syntheticResults(sweep, records, "quick"), loadPublished()).notes;
    expect(notes.find((n) => n.startsWith("Quick profile:"))).toMatch(
      /8 of 14 left out \(same-node\/TCP_STREAM\/256/,
    );
    const example = JSON.parse(
      readFileSync(
        new URL("../../../results/examples/full-datapath-quick/results.json", import.meta.url),
        "utf8",
      ),
    );
    expect(buildReportModel(example, loadPublished()).notes.some((n) => n.startsWith("Quick profile:"))).toBe(
      false,
    );
  });
});
