/**
 * The Kubernetes backend, unchanged, against a local server speaking the Kubernetes API
 * (test/k8s/fake-apiserver.ts) whose pods are the lab's pod namespaces (root): every netperf
 * test and parallel streams through pods/exec, pods that do not come up, API errors, a dropped
 * exec stream, `k8s cleanup` and `manifests`, and Ctrl-C. The routing strategies are in
 * kubernetes-strategies.test.ts.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kubernetesBackend } from "../../harness/backends/kubernetes/backend.js";
import { runOwner } from "../../harness/backends/kubernetes/manifests.js";
import { readResults } from "../../harness/results/read.js";
import { parseSweep } from "../../harness/sweep/load.js";
import type { FakeApiServer } from "../k8s/fake-apiserver.js";
import { BIN, failUnlessRootInCi, parseJsonOutput, runCli, skipRootTests } from "./helpers.js";
import { dir, log, startFakes, sweepFile, useLabForKubernetes } from "./k8s-helpers.js";

failUnlessRootInCi();

describe.skipIf(skipRootTests)(
  "Kubernetes backend against a local API server backed by the lab (root)",
  () => {
    useLabForKubernetes();

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
        if (trial.point.test === "UDP_STREAM") {
          // the loss is what the receiver did not get of what was sent, not merely some number ≥ 0
          const { lossPct, throughputMbps, sentMbps } = trial.metrics ?? {};
          expect(sentMbps).toBeGreaterThan(0);
          expect(lossPct).toBeCloseTo(100 * (1 - (throughputMbps as number) / (sentMbps as number)), 1);
          expect(lossPct).toBeLessThanOrEqual(100);
        }
        // one data port per instance: 12866 alone, 12870 + i with several
        const ports = trial.argv.join(" ").match(/-P ,(\d+)/)?.[1];
        expect(ports).toBe(trial.point.streams === 2 ? "12870" : "12866");
        if (trial.point.streams === 2) expect(trial.streams?.perInstance).toHaveLength(2);
      }
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
      const owner = runOwner(); // the CLI runs as this user on this machine
      const labels = { "app.kubernetes.io/managed-by": "routebench", "routebench.io/owner": owner };
      fake.namespaces.set("rb-old", { metadata: { name: "rb-old", labels } });
      fake.namespaces.set("rb-other", {
        metadata: { name: "rb-other", labels: { ...labels, "routebench.io/owner": "someone.else" } },
      });
      fake.pods.set("default/rb-client", {
        metadata: { name: "rb-client", namespace: "default", labels },
        spec: { containers: [{ name: "netperf" }], terminationGracePeriodSeconds: 0 },
        internal: { createdAt: Date.now(), fault: "never" },
      });
      const cleanup = await runCli(["k8s", "cleanup", "--kubeconfig", kubeconfig, "--json"]);
      expect(cleanup.exitCode, cleanup.stderr).toBe(0);
      expect(parseJsonOutput(cleanup)).toEqual({ owner, namespaces: ["rb-old"], pods: [], restored: null });
      const pods = await runCli([
        "k8s",
        "cleanup",
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        "default",
        "--json",
      ]);
      expect(parseJsonOutput(pods)).toMatchObject({ pods: ["default/rb-client"] });
      expect(fake.namespaces.has("rb-old")).toBe(false);
      expect(fake.namespaces.has("rb-other")).toBe(true);
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
          // legacy and ebpf need a strategy that switches (strategy none is refused before anything is created)
          sweepFile("interrupted", {
            kubeconfig,
            routing: { strategy: "cilium-configmap", rolloutTimeoutSec: 30 },
          }),
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
