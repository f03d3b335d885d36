/**
 * "Where the time goes" in a rendered report: a real lab results file whose TCP_RR trials are
 * given profiled twins (the lab's captured call chains), with their folded stacks in the run
 * folder beside results.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attribute } from "../../../harness/profile/attribute.js";
import { formatFolded, parseFolded } from "../../../harness/profile/folded.js";
import {
  differenceSentence,
  explainSection,
  foreignSentence,
  runExplain,
} from "../../../harness/report/explain-section.js";
import { writeReport } from "../../../harness/report/write.js";
import { type Results, resultsSchema } from "../../../harness/results/schema.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);
const captured = (name: string) =>
  parseFolded(readFileSync(new URL(`../../fixtures/profile/${name}`, import.meta.url), "utf8"));

/** mini-lab.json with each TCP_RR trial's twin profiled; folded files written into `runDir`. */
function withProfiles(runDir: string): Results {
  const results = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
  mkdirSync(join(runDir, "profiles"), { recursive: true });
  results.trials = results.trials.map((t) => {
    if (t.point.test !== "TCP_RR" || (t.mode !== "legacy" && t.mode !== "ebpf")) return t;
    const stacks = captured(
      `${t.mode}-${t.point.placement === "same-node" ? "same" : "cross"}-tcp-rr.folded`,
    );
    const a = attribute(stacks);
    const tps = t.metrics?.transactionsPerSec ?? 1;
    const cost = 1e6 / tps; // one busy CPU: µs per transaction
    const file = `profiles/${t.id.replace(/[^\w.,-]+/g, "_")}.folded`;
    writeFileSync(join(runDir, file), formatFolded(stacks));
    return {
      ...t,
      metrics: { ...t.metrics, cpuUsPerTrans: cost },
      profile: {
        argv: ["perf", "record"],
        netperfArgv: t.argv,
        frequencyHz: 999,
        windowSec: 1,
        cpus: [1],
        startedAt: t.startedAt,
        samples: a.samples,
        busySamples: a.busy,
        idleSamples: a.idle,
        foreignSamples: a.foreign,
        bySubsystem: a.bySubsystem,
        metrics: { transactionsPerSec: tps * 0.99, cpuUsPerTrans: cost * 1.01 },
        foldedFile: file,
      },
    };
  });
  return resultsSchema.parse(results);
}

describe("the report's Where the time goes", () => {
  const runDir = mkdtempSync(join(tmpdir(), "rb-explain-"));
  const results = withProfiles(runDir);

  it("tabulates CPU per transaction by subsystem and words the difference with its check", () => {
    const section = explainSection(results);
    expect(section?.tables.map((t) => t.id)).toEqual([
      "explain-cross-node-TCP_RR-1,1",
      "explain-same-node-TCP_RR-1,1",
    ]);
    const point = runExplain(results)?.points.find((p) => p.key === "same-node/TCP_RR/1,1");
    expect(point?.unit).toBe("µs per transaction");
    const sentence = point ? differenceSentence(point) : null;
    expect(sentence).toMatch(/^Same node TCP_RR 1,1: legacy spends [\d.]+ µs more per transaction than eBPF/);
    expect(sentence).toMatch(/add up to [\d.]+ by construction/);
    expect(sentence).toMatch(/Read from the samples alone/);
    expect(
      section?.findings.some((f) => /eBPF\/legacy transactionsPerSec .* in their profiled twins/.test(f)),
    ).toBe(true);
  });

  it("renders the section, the stacked bars and a differential flame graph inline, and writes the folded stacks", async () => {
    const out = mkdtempSync(join(tmpdir(), "rb-explain-report-"));
    const files = await writeReport(results, out, ["html", "md"], runDir);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain('<h2 id="where-the-time-goes">Where the time goes</h2>');
    expect(html).toContain("netfilter (iptables)");
    expect(html).toMatch(/<figure id="chart-flame-same-node_TCP_RR_1,1">/);
    expect(html).not.toMatch(/<script/);
    const names = files.map((f) => f.slice(out.length + 1));
    expect(names).toContain("folded-same-node_TCP_RR_1,1-legacy.folded");
    expect(names).toContain("chart-explain-bars.svg");
    const legacy = parseFolded(readFileSync(join(out, "folded-same-node_TCP_RR_1,1-legacy.folded"), "utf8"));
    expect([...legacy.keys()].some((c) => c.includes("nf_hook_slow_[k]"))).toBe(true);
    expect([...legacy.keys()].every((c) => !c.startsWith("V8Worker"))).toBe(true); // other tasks left out
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("## Where the time goes");
  });

  it("says when other tasks held the benchmark CPU, and gives the benchmark's own figure", () => {
    const point = runExplain(results)?.points.find((p) => p.key === "same-node/TCP_RR/1,1");
    if (!point) throw new Error("no same-node TCP_RR point");
    const quiet = { ...point, modes: point.modes.map((m) => ({ ...m, foreignShare: 0.02 })) };
    expect(foreignSentence(quiet)).toBeNull();
    const busy = { ...point, modes: point.modes.map((m) => ({ ...m, foreignShare: 0.6 })) };
    expect(foreignSentence(busy)).toMatch(
      /other tasks held 60% \(.*\), 60% \(.*\) of the benchmark CPU's samples/,
    );
    expect(foreignSentence(busy)).toMatch(/read from the benchmark's own samples it is/);
  });

  it("has no such section for a run without explain", () => {
    expect(explainSection(JSON.parse(readFileSync(FIXTURE, "utf8")) as Results)).toBeNull();
  });
});
