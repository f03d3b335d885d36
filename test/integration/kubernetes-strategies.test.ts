/**
 * The Kubernetes backend's routing strategies against a local API server backed by the lab
 * (root): cilium-configmap, a node-replacing command (AKS, scaled down), command, contexts and
 * none, and a mode the agents contradict. Real netperf figures through pods/exec; what the
 * backend measures and its failure paths are in kubernetes.test.ts.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kubernetesBackend } from "../../harness/backends/kubernetes/backend.js";
import { renderReport } from "../../harness/cli/report.js";
import { readResults } from "../../harness/results/read.js";
import { runSweep } from "../../harness/run/run.js";
import { parseSweep } from "../../harness/sweep/load.js";
import { fakeAzScript } from "../k8s/fake-aks.js";
import type { FakeApiServer } from "../k8s/fake-apiserver.js";
import { BIN, failUnlessRootInCi, parseJsonOutput, runCli, skipRootTests } from "./helpers.js";
import {
  dir,
  kubeconfigServer,
  log,
  RR_ONLY,
  startFakes,
  sweepFile,
  useLabForKubernetes,
} from "./k8s-helpers.js";

failUnlessRootInCi();

describe.skipIf(skipRootTests)(
  "Kubernetes routing strategies on a local API server backed by the lab (root)",
  () => {
    useLabForKubernetes();

    it("cilium-configmap: switches, verifies in the agents, measures real figures, cleans up and restores", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      const out = join(dir, "configmap");
      const result = await runCli(
        [
          "run",
          // cross-node: both test nodes, their agents and both tests, in 8 trials
          sweepFile(
            "configmap",
            { kubeconfig, routing: { strategy: "cilium-configmap", rolloutTimeoutSec: 30 } },
            "placements: [cross-node]\n",
          ),
          "--out",
          out,
        ],
        300_000,
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const results = await readResults(out);
      expect(results.state).toBe("completed");
      // the default where a switch is slow (an agent rollout): legacy | ebpf ebpf | legacy, 3 switches
      expect(results.sweep.order).toBe("segmented");
      expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(8);
      for (const trial of results.trials) {
        expect(trial.argv.slice(0, 3)).toEqual([
          "pods/exec",
          expect.stringMatching(/^rb-[\w-]+\/rb-client$/),
          "netperf",
        ]);
        expect(trial.metrics?.transactionsPerSec ?? trial.metrics?.throughputMbps).toBeGreaterThan(0);
      }
      const evidence = results.modeEvidence.map((e) => [e.mode, e.nodes["node-a"], e.nodes["node-b"]]);
      expect(evidence).toEqual([
        ["legacy", "Host Routing: Legacy", "Host Routing: Legacy"],
        ["ebpf", "Host Routing: BPF", "Host Routing: BPF"],
        ["legacy", "Host Routing: Legacy", "Host Routing: Legacy"],
      ]);
      // each switch timed, and the design recorded
      expect(results.modeEvidence.every((e) => (e.switchSec ?? -1) >= 0)).toBe(true);
      expect(results.summary.design).toMatchObject({ order: "segmented", plannedSwitches: 3 });
      const topology = results.environment.topology as {
        clusters: {
          any: {
            kubernetesVersion: string;
            nodes: { kernel: string; instanceType: string }[];
            cilium: { version: string };
          };
        };
      };
      expect(topology.clusters.any.kubernetesVersion).toBe("v1.33.2-fake");
      expect(topology.clusters.any.nodes.map((n) => n.instanceType)).toEqual([
        "Standard_D16s_v5",
        "Standard_D16s_v5",
      ]);
      expect(topology.clusters.any.cilium.version).toBe("v1.18.2");
      expect(
        results.summary.comparisons.some(
          (c) => c.placement === "cross-node" && c.metric === "transactionsPerSec",
        ),
      ).toBe(true);
      // nothing left in the cluster, and Cilium back as it was found
      expect([...fake.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]);
      expect(fake.testPods()).toEqual([]);
      expect(fake.requests.filter((r) => r.startsWith("PATCH") && r.includes("configmaps")).length).toBe(3); // ebpf, legacy, then restore (the first legacy found it so)
      const status = parseJsonOutput<{ mode: string }>(await runCli(["lab", "status", "--json"]));
      expect(status.mode).toBe("legacy");
    });

    it("a switch that replaces the nodes and outlasts its timeout (AKS, scaled down): the segmented design, each switch timed in the report, no trial on a draining node", async () => {
      const { fakes: f, kubeconfig } = await startFakes({
        fake: { aks: true, aksStepMs: 400, nodes: [{ name: "aks-pool1-a" }, { name: "aks-pool1-b" }] },
      });
      const fake = f.fake as FakeApiServer;
      fake.aks.acnsEnabled = false;
      const bin = mkdtempSync(join(dir, "az-"));
      const az = join(bin, "az");
      writeFileSync(az, fakeAzScript(kubeconfigServer(kubeconfig)));
      chmodSync(az, 0o755);
      const update = (mode: string) => [
        az,
        "aks",
        "update",
        "--resource-group",
        "rg",
        "--name",
        "c1",
        "--enable-acns",
        "--acns-datapath-acceleration-mode",
        mode,
      ];
      const sweep = parseSweep(
        `name: aks-scaled\nbackend: kubernetes\nmodes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 2\nkubernetes: ${JSON.stringify(
          {
            kubeconfig,
            readyTimeoutSec: 20,
            nodeSelector: { "kubernetes.azure.com/agentpool": "pool1" },
            // one rolling update takes (3 × 2 + 1) × 0.4 s = 2.8 s: longer than this timeout, and not killed
            routing: {
              strategy: "command",
              rolloutTimeoutSec: 2,
              commands: { ebpf: update("BpfVeth"), legacy: update("None") },
            },
          },
        )}\n`,
        "aks-scaled.yaml",
      );
      expect(sweep.order).toBe("segmented"); // the planner's choice for a node-replacing switch
      const out = join(dir, "aks-scaled");
      const logged: string[] = [];
      const { results } = await runSweep({
        sweep,
        backend: kubernetesBackend(),
        outDir: out,
        command: ["routebench", "run", "aks-scaled.yaml"],
        control: { stopRequested: false, kill: new AbortController() },
        log: (m) => logged.push(m),
        onProgress: () => undefined,
      });
      expect(results.state, logged.join("\n")).toBe("completed");
      // 2 points × 4 blocks (legacy 1, ebpf 2 and 3, legacy 4)
      expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(8);
      // legacy | ebpf ebpf | legacy: three switches, each replacing both nodes under new names
      const switched = results.modeEvidence.map((e) => e.mode);
      expect(switched).toEqual(["legacy", "ebpf", "legacy"]);
      expect(results.summary.design).toMatchObject({ order: "segmented", plannedSwitches: 3 });
      const rolling = fake.aks.updates.filter((u) => u.finished !== null && u.finished - u.started > 2000);
      expect(rolling.length).toBeGreaterThanOrEqual(2); // ebpf, and back to legacy: longer than rolloutTimeoutSec
      for (const e of results.modeEvidence.slice(1)) expect(e.switchSec ?? 0).toBeGreaterThan(2);
      expect(Object.values(results.modeEvidence[1]?.nodes ?? {})).toEqual([
        "Host Routing: BPF; kubernetes.azure.com/ebpf-host-routing=true",
        "Host Routing: BPF; kubernetes.azure.com/ebpf-host-routing=true",
      ]);
      expect(logged.some((m) => /still running after \d+ s; waiting \(not killed/.test(m))).toBe(true);
      expect(logged.some((m) => /^test nodes now aks-pool1-/.test(m))).toBe(true);
      // no exec into a pod on a cordoned (draining) node, ever
      expect(fake.execLog.length).toBeGreaterThan(8);
      expect(fake.execLog.filter((e) => e.cordoned)).toEqual([]);
      // the report states the design and each switch's measured duration
      const report = await renderReport(results, join(dir, "aks-scaled-report"), ["md"]);
      const md = readFileSync(report.files.find((f) => f.endsWith(".md")) as string, "utf8");
      expect(md).toMatch(/segmented/);
      expect(md).toMatch(/3 made, measured legacy [\d.]+ ?m?s, ebpf [\d.]+ s, legacy [\d.]+ s/);
      expect(md).toMatch(/### Mode switches/);
      // put back as found: legacy (None), and ACNS off again
      expect(fake.aks).toMatchObject({
        accelerationMode: "None",
        acnsEnabled: false,
        provisioningState: "Succeeded",
      });
      expect([...fake.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]);
      expect(fake.testPods()).toEqual([]);
    });

    it("command: runs the user's command per mode and verifies where Cilium is present", async () => {
      const { kubeconfig } = await startFakes({ fake: {} });
      const commands = {
        legacy: ["node", BIN, "lab", "mode", "legacy", "--force"],
        ebpf: ["node", BIN, "lab", "mode", "ebpf", "--force"],
      };
      const sweep = parseSweep(
        `backend: kubernetes\nmodes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 1\nkubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 10, routing: { strategy: "command", commands } })}\n`,
        "x.yaml",
      );
      const session = await kubernetesBackend().open(sweep, log);
      try {
        expect((await session.useMode("ebpf")).nodes).toEqual({
          "node-a": "Host Routing: BPF",
          "node-b": "Host Routing: BPF",
        });
        expect((await session.useMode("legacy")).ok).toBe(true);
      } finally {
        await session.close();
      }
    });

    it("contexts: one cluster per mode, nothing switched", async () => {
      const { fakes: f, kubeconfig } = await startFakes({
        "legacy-cluster": { fixedMode: "legacy" },
        "ebpf-cluster": { fixedMode: "ebpf" },
      });
      const out = join(dir, "contexts");
      const file = sweepFile(
        "contexts",
        {
          kubeconfig,
          routing: { strategy: "contexts", contexts: { legacy: "legacy-cluster", ebpf: "ebpf-cluster" } },
        },
        "placements: [cross-node]\n",
        RR_ONLY,
      );
      const result = await runCli(["run", file, "--out", out, "--json"], 300_000);
      expect(result.exitCode, result.stderr).toBe(0);
      const results = await readResults(out);
      expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(4);
      // one cluster per mode switches nothing, so the planner interleaves block by block (issue 18):
      // each move between the clusters is verified in the cluster of its mode
      expect(results.sweep.order).toBe("interleaved");
      expect(results.modeEvidence.length).toBeGreaterThan(2);
      for (const e of results.modeEvidence)
        expect(e.nodes["node-a"]).toBe(e.mode === "ebpf" ? "Host Routing: BPF" : "Host Routing: Legacy");
      for (const fake of Object.values(f)) {
        expect(fake.requests.some((r) => r.startsWith("PATCH"))).toBe(false);
        expect(fake.testPods()).toEqual([]);
      }
    });

    it("none: measures the mode the cluster is in, and refuses another", async () => {
      const { kubeconfig } = await startFakes({ fake: {} });
      await runCli(["lab", "mode", "ebpf", "--force"]);
      const sweep = (modes: string) =>
        parseSweep(
          `backend: kubernetes\nmodes: [${modes}]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nkubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 10 })}\n`,
          "x.yaml",
        );
      const session = await kubernetesBackend().open(sweep("ebpf"), log);
      try {
        expect((await session.useMode("ebpf")).detail).toMatch(/reports Host Routing: BPF/);
        await expect(session.useMode("legacy")).rejects.toThrow(
          /the cluster is not in legacy mode .*routing.strategy none/,
        );
      } finally {
        await session.close();
        await runCli(["lab", "mode", "legacy"]);
      }
    });

    it("refuses to measure a mode that the agents contradict (Cilium's silent fallback)", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      (f.fake as FakeApiServer).faults.ciliumFallback = true;
      (f.fake as FakeApiServer).faults.statusFormat = "new";
      const out = join(dir, "fallback");
      const result = await runCli(
        [
          "run",
          sweepFile(
            "fallback",
            { kubeconfig, routing: { strategy: "cilium-configmap", rolloutTimeoutSec: 30 } },
            "",
            RR_ONLY,
          ),
          "--out",
          out,
        ],
        300_000,
      );
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(
        /refusing to measure ebpf: the Cilium agents report node-a: Host Routing: Legacy/,
      );
      const results = await readResults(out);
      expect(results.state).toBe("failed");
      expect(results.trials.length).toBeGreaterThan(0);
      expect(results.trials.every((t) => t.mode === "legacy")).toBe(true); // legacy ran before the refused switch
      expect((f.fake as FakeApiServer).testPods()).toEqual([]);
    });
  },
);
