/**
 * What a real cluster's first run depends on and no fake API server exercises: the AKS
 * commands as Microsoft documents them, and reports that never present the controller
 * machine as the system under test nor an unverified mode as verified.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tableText } from "../../../harness/report/cells.js";
import { buildReportModel } from "../../../harness/report/model.js";
import type { Results } from "../../../harness/results/schema.js";

const fixture = (): Results =>
  JSON.parse(
    readFileSync(new URL("../../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
  ) as Results;

describe("sweeps/aks.yaml", () => {
  it("switches with the documented commands: both carry --enable-acns (MicrosoftDocs how-to-enable-ebpf-host-routing.md)", () => {
    const sweep = parse(readFileSync(new URL("../../../sweeps/aks.yaml", import.meta.url), "utf8")) as {
      kubernetes: { routing: { strategy: string; commands: Record<string, string[]> } };
    };
    expect(sweep.kubernetes.routing.strategy).toBe("command");
    const { legacy, ebpf } = sweep.kubernetes.routing.commands;
    for (const [command, mode] of [
      [legacy, "None"],
      [ebpf, "BpfVeth"],
    ] as const) {
      expect(command?.slice(0, 3)).toEqual(["az", "aks", "update"]);
      expect(command).toContain("--enable-acns");
      expect(command?.[(command?.indexOf("--acns-datapath-acceleration-mode") ?? -2) + 1]).toBe(mode);
    }
  });
});

describe("reports of a Kubernetes run", () => {
  it("label the controller as not measured and count only verified switches as verified", () => {
    const results = fixture();
    results.environment.backend = "kubernetes";
    results.environment.controller = {
      kernel: "6.1.0-laptop",
      os: "Debian 12",
      cpuModel: "laptop CPU",
      cpuCount: 8,
      hostname: "my-laptop",
    };
    for (const evidence of results.modeEvidence) if (evidence.mode === "ebpf") evidence.verified = false;
    const model = buildReportModel(results, []);
    const environment = model.tables.find((t) => t.id === "environment");
    expect(environment && tableText(environment)).toContainEqual([
      "Controller (ran routebench, not measured)",
      "my-laptop: Debian 12, kernel 6.1.0-laptop, laptop CPU × 8",
    ]);
    expect(environment && tableText(environment).map((r) => r[0])).toContain("Kernel (test nodes)");
    const verification = model.tables.find((t) => t.id === "verification");
    const ebpfRow = (verification ? tableText(verification) : []).find((r) => r[0] === "eBPF host routing");
    expect(ebpfRow?.[2]).toMatch(/\d+ switch\(es\), 0 verified, \d+ NOT verified/);
  });
});
