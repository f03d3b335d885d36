/**
 * The Kubernetes backend, unchanged, against a local server speaking the Kubernetes API
 * (test/k8s/fake-apiserver.ts) whose pods are the lab's pod namespaces: real netperf figures
 * through pods/exec, every routing strategy, and the failure paths. Needs root (the lab).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { kubernetesBackend } from "../../harness/backends/kubernetes/backend.js";
import { readResults } from "../../harness/results/read.js";
import { parseSweep } from "../../harness/sweep/load.js";
import { FakeApiServer, type FakeOptions, kubeconfigFor } from "../k8s/fake-apiserver.js";
import {
  cleanupEverything,
  expectNothingLeft,
  failUnlessRootInCi,
  parseJsonOutput,
  runCli,
  skipRootTests,
} from "./helpers.js";

failUnlessRootInCi();

const BIN = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rb-k8s-"));
const fakes: FakeApiServer[] = [];

async function startFakes(
  clusters: Record<string, FakeOptions>,
): Promise<{ fakes: Record<string, FakeApiServer>; kubeconfig: string }> {
  const servers: Record<string, string> = {};
  const started: Record<string, FakeApiServer> = {};
  for (const [name, options] of Object.entries(clusters)) {
    const fake = new FakeApiServer(options);
    fakes.push(fake);
    started[name] = fake;
    servers[name] = await fake.start();
  }
  const kubeconfig = join(dir, `kubeconfig-${Object.keys(clusters).join("-")}-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor(servers));
  return { fakes: started, kubeconfig };
}

function sweepFile(name: string, kubernetes: object, extra = ""): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nbackend: kubernetes\nmodes: [legacy, ebpf]\ntests:\n  - {test: TCP_RR}\n  - {test: TCP_STREAM, messageSizes: [16384]}\nduration: 1\nrepetitions: 2\n${extra}kubernetes: ${JSON.stringify({ readyTimeoutSec: 10, ...kubernetes })}\n`,
  );
  return file;
}

const log = () => {};

describe.skipIf(skipRootTests)(
  "Kubernetes backend against a local API server backed by the lab (root)",
  () => {
    beforeAll(async () => {
      await cleanupEverything();
      expect((await runCli(["lab", "up", "--iptables-services", "10"])).exitCode).toBe(0);
    });
    afterEach(async () => {
      await Promise.all(fakes.splice(0).map((f) => f.stop()));
    });
    afterAll(async () => {
      await cleanupEverything();
      await expectNothingLeft();
    });

    it("cilium-configmap: switches, verifies in the agents, measures real figures, cleans up and restores", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      const out = join(dir, "configmap");
      const result = await runCli(
        [
          "run",
          sweepFile("configmap", {
            kubeconfig,
            routing: { strategy: "cilium-configmap", rolloutTimeoutSec: 30 },
          }),
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
      expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(16);
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

    it("runs TCP_CRR, UDP_RR, UDP_STREAM and parallel streams through pods/exec", async () => {
      const { kubeconfig } = await startFakes({ fake: {} });
      const file = join(dir, "datapath.yaml");
      writeFileSync(
        file,
        [
          "name: datapath",
          "backend: kubernetes",
          "modes: [legacy]",
          "placements: [cross-node]",
          "tests: [{test: TCP_CRR}, {test: UDP_RR}, {test: UDP_STREAM, messageSizes: [1024]}]",
          "streams: [1, 2]",
          "duration: 1",
          "repetitions: 1",
          `kubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 10 })}`,
          "",
        ].join("\n"),
      );
      const out = join(dir, "datapath");
      const result = await runCli(["run", file, "--out", out], 300_000);
      expect(result.exitCode, result.stderr).toBe(0);
      const results = await readResults(out);
      const completed = results.trials.filter((t) => t.state === "completed");
      expect(completed).toHaveLength(6); // 3 tests × 2 stream counts
      for (const trial of completed) {
        expect(trial.argv.slice(0, 3)).toEqual(["pods/exec", expect.stringMatching(/rb-client$/), "netperf"]);
        const rate =
          trial.metrics?.connectionsPerSec ??
          trial.metrics?.transactionsPerSec ??
          trial.metrics?.throughputMbps;
        expect(rate, trial.id).toBeGreaterThan(0);
        if (trial.point.test === "UDP_STREAM") expect(trial.metrics?.lossPct).toBeGreaterThanOrEqual(0);
        // one data port per instance: 12866 alone, 12870 + i with several
        const ports = trial.argv.join(" ").match(/-P ,(\d+)/)?.[1];
        expect(ports).toBe(trial.point.streams === 2 ? "12870" : "12866");
        if (trial.point.streams === 2) expect(trial.streams?.perInstance).toHaveLength(2);
      }
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
      );
      const result = await runCli(["run", file, "--out", out, "--json"], 300_000);
      expect(result.exitCode, result.stderr).toBe(0);
      const results = await readResults(out);
      expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(8);
      expect(results.modeEvidence.map((e) => e.nodes["node-a"])).toEqual([
        "Host Routing: Legacy",
        "Host Routing: BPF",
      ]);
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
          sweepFile("fallback", {
            kubeconfig,
            routing: { strategy: "cilium-configmap", rolloutTimeoutSec: 30 },
          }),
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
      expect(results.trials.every((t) => t.mode === "legacy")).toBe(true); // legacy ran before the refused switch
      expect((f.fake as FakeApiServer).testPods()).toEqual([]);
    });

    it("says why a pod does not come up: image, scheduling, crash loop, timeout", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      const open = (extra: object = {}) =>
        kubernetesBackend().open(
          parseSweep(
            `backend: kubernetes\nmodes: [legacy]\ntests: [{test: TCP_RR}]\nkubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 2, ...extra })}\n`,
            "x.yaml",
          ),
          log,
        );
      await expect(open({ image: "example.com/does-not-exist:1" })).rejects.toThrow(
        /image example.com\/does-not-exist:1 cannot be pulled \(ErrImagePull\): Failed to pull image/,
      );
      fake.faults.unschedulable = true;
      await expect(open()).rejects.toThrow(
        /cannot be scheduled: 0\/3 nodes are available: .*Insufficient cpu/,
      );
      fake.faults.unschedulable = false;
      fake.faults.crashLoop = true;
      await expect(open()).rejects.toThrow(
        /container netserver CrashLoopBackOff; last log lines:\n.*\n?netserver: bind: Address already in use/,
      );
      fake.faults.crashLoop = false;
      fake.faults.neverReady = true;
      await expect(open()).rejects.toThrow(/was not ready within 2 s \(phase Pending\)/);
      fake.faults.neverReady = false;
      expect([...fake.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]); // each failed open cleaned up
    });

    it("translates 403, 409 and 500 answers", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      const open = () =>
        kubernetesBackend().open(
          parseSweep(
            `backend: kubernetes\nmodes: [legacy]\ntests: [{test: TCP_RR}]\nkubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 5 })}\n`,
            "x.yaml",
          ),
          log,
        );
      fake.faults.failNext.push({
        method: "POST",
        path: /^\/api\/v1\/namespaces$/,
        status: 403,
        message: 'namespaces is forbidden: User "tester" cannot create resource "namespaces"',
      });
      await expect(open()).rejects.toThrow(
        /creating namespace rb-.*: forbidden \(403\): namespaces is forbidden/,
      );
      fake.faults.failNext.push({
        method: "POST",
        path: /\/pods$/,
        status: 409,
        message: 'pods "rb-client" already exists',
      });
      await expect(open()).rejects.toThrow(/creating pod rb-client .*: conflict \(409\)/);
      fake.faults.failNext.push({
        method: "GET",
        path: /^\/api\/v1\/nodes$/,
        status: 500,
        message: "etcdserver: request timed out",
      });
      await expect(open()).rejects.toThrow(
        /listing nodes: the API server answered 500: etcdserver: request timed out/,
      );
    });

    it("retries a trial whose exec stream dropped", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      (f.fake as FakeApiServer).faults.dropNextExecAfterMs = 300;
      const out = join(dir, "dropped");
      const file = join(dir, "dropped.yaml");
      writeFileSync(
        file,
        `name: dropped\nbackend: kubernetes\nmodes: [legacy]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 1\nkubernetes: ${JSON.stringify({ kubeconfig, readyTimeoutSec: 10 })}\n`,
      );
      const result = await runCli(["run", file, "--out", out], 120_000);
      expect(result.exitCode, result.stderr).toBe(0);
      const results = await readResults(out);
      // attempts repeated because the machine was busy (noise) are kept but are not retries
      const attempts = results.trials.filter((t) => t.rejection?.kind !== "noise");
      expect(attempts.map((t) => t.state)).toEqual(["failed", "completed"]);
      expect(attempts[1]?.attempt).toBeGreaterThan(attempts[0]?.attempt ?? 0);
      expect(attempts[0]?.stderrTail).toMatch(/pods\/exec stream closed before the command finished/);
    });

    it("k8s cleanup removes what earlier runs left; manifests writes YAML that validates", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      fake.namespaces.set("rb-old", {
        metadata: { name: "rb-old", labels: { "app.kubernetes.io/managed-by": "routebench" } },
      });
      fake.pods.set("default/rb-client", {
        metadata: {
          name: "rb-client",
          namespace: "default",
          labels: { "app.kubernetes.io/managed-by": "routebench" },
        },
        spec: { containers: [{ name: "netperf" }] },
        internal: { createdAt: Date.now(), fault: "never" },
      });
      const cleanup = await runCli(["k8s", "cleanup", "--kubeconfig", kubeconfig, "--json"]);
      expect(cleanup.exitCode, cleanup.stderr).toBe(0);
      expect(parseJsonOutput(cleanup)).toEqual({
        namespaces: ["rb-old"],
        pods: ["default/rb-client"],
        restored: null,
      });
      expect(fake.namespaces.has("rb-old")).toBe(false);
      expect(fake.namespaces.has("default")).toBe(true);

      const out = join(dir, "manifests");
      const written = await runCli([
        "manifests",
        sweepFile("manifests", { kubeconfig, nodes: ["node-a", "node-b"] }),
        "--out",
        out,
      ]);
      expect(written.exitCode, written.stderr).toBe(0);
      const { parseAllDocuments } = await import("yaml");
      const { Pod } = await import("kubernetes-models/v1/Pod");
      const { Namespace } = await import("kubernetes-models/v1/Namespace");
      const docs = parseAllDocuments(readFileSync(join(out, "run.yaml"), "utf8")).map(
        (d) => d.toJS() as { kind: string; spec?: { nodeSelector?: object } },
      );
      expect(docs.map((d) => d.kind)).toEqual(["Namespace", "Pod", "Pod", "Pod"]);
      for (const doc of docs)
        expect(() =>
          (doc.kind === "Pod" ? new Pod(doc as never) : new Namespace(doc as never)).validate(),
        ).not.toThrow();
      expect(docs[3]?.spec?.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-b" });
    });

    it("cleans up on Ctrl-C mid-run", async () => {
      const { fakes: f, kubeconfig } = await startFakes({ fake: {} });
      const fake = f.fake as FakeApiServer;
      const child = spawn(
        "node",
        [
          BIN,
          "run",
          sweepFile("interrupted", { kubeconfig }),
          "--out",
          join(dir, "interrupted"),
          "--backend",
          "kubernetes",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      await new Promise<void>((resolve, reject) => {
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/^\[\s*1\//m.test(stderr)) resolve();
        });
        child.once("close", () => reject(new Error(stderr)));
      });
      expect(fake.testPods().length).toBeGreaterThan(0);
      child.kill("SIGINT");
      const code = await new Promise((resolve) => child.once("close", resolve));
      expect(code).toBe(130);
      expect(fake.testPods()).toEqual([]);
      expect([...fake.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]);
    });
  },
);
