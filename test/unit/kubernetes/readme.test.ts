/**
 * README's cluster sections against the code (points 8, 10, 12): every `routebench run` example
 * in them is a sweep the Kubernetes backend accepts, the AKS notes say what AKS requires today,
 * and the local prerequisites are stated.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kubernetesRefusals } from "../../../harness/backends/kubernetes/sweep-fit.js";
import { loadSweep } from "../../../harness/sweep/load.js";

const readme = readFileSync("README.md", "utf8");
const cluster = readme.slice(readme.indexOf("## First run on a real cluster"), readme.indexOf("## The lab"));

describe("README's cluster sections", () => {
  it("every routebench run example is a sweep the backend can run (point 10)", async () => {
    const runs = [...cluster.matchAll(/routebench run (sweeps\/\S+\.yaml)([^\n`]*)/g)];
    expect(runs.length).toBeGreaterThan(1);
    for (const [line, file, flags] of runs) {
      const sweep = await loadSweep(file as string, {
        backend: flags?.includes("--backend lab") ? "lab" : "kubernetes",
      });
      expect(kubernetesRefusals(sweep), line).toEqual([]);
    }
  });

  it("AKS notes: no preview extension required, dual-stack supported, iptables block, ACNS paid and restored (point 8)", () => {
    for (const text of [cluster, readFileSync("sweeps/aks.yaml", "utf8")]) {
      expect(text).not.toMatch(
        /requires?[^.]*aks-preview|AdvancedNetworkingPerformancePreview feature flag,/i,
      );
      expect(text).not.toMatch(/no dual-stack|not dual-stack/);
    }
    expect(cluster).toMatch(/dual-stack clusters are supported/);
    expect(cluster).toMatch(
      /refuses to enable eBPF host routing on a cluster whose host network namespace has\s+iptables rules/,
    );
    expect(cluster).toMatch(/paid feature, and switching back to `None` leaves it on/);
  });

  it("states the local prerequisites and no hard-coded Role namespace (point 12)", () => {
    expect(cluster).toMatch(/`kubectl` for the one-time RBAC step/);
    expect(cluster).toMatch(/Azure CLI, logged in \(`az login`\)/);
    expect(cluster).toMatch(/No Role carries a namespace/);
    expect(cluster).toMatch(/Cilium ≤ 1\.14: `cilium status`/);
  });
});
