/**
 * explain on Kubernetes against the test API server in simulated mode (no lab, no perf on this
 * machine: the profiling pods' perf answers from a lab capture, test/k8s/fake-perf.ts): the
 * profiling pods' manifests, the run's refusals (CPUs not named, Pod Security, no perf, no kernel
 * symbols), the samples' path from `perf record` on each test node through pods/exec to the
 * attribution, the test nodes' CPU time per trial, and the pods' removal with the run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pod } from "kubernetes-models/v1/Pod";
import { afterEach, describe, expect, it, vi } from "vitest";
import { translateApiError } from "../../../harness/backends/kubernetes/api-errors.js";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { runChecks } from "../../../harness/backends/kubernetes/check.js";
import { loadKubeConfig } from "../../../harness/backends/kubernetes/kubeconfig.js";
import {
  OWNER_LABEL,
  podSecurityLevel,
  profilerPlans,
  RUN_LABEL,
  renderPod,
} from "../../../harness/backends/kubernetes/manifests.js";
import { podSecurityViolations } from "../../../harness/backends/kubernetes/podsecurity.js";
import { profileTargets } from "../../../harness/backends/kubernetes/profiler.js";
import { kubernetesRefusals } from "../../../harness/backends/kubernetes/sweep-fit.js";
import { attribute } from "../../../harness/profile/attribute.js";
import { foldPerfScript } from "../../../harness/profile/folded.js";
import { profileWindowSec } from "../../../harness/profile/record.js";
import { profileTwin } from "../../../harness/run/profile-twin.js";
import { PROFILER_COMMAND, PROFILER_IMAGE } from "../../../harness/sweep/kubernetes-options.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import type { Trial } from "../../../harness/sweep/plan.js";
import { FakeApiServer, kubeconfigFor } from "../../k8s/fake-apiserver.js";
import { perfOf } from "../../k8s/fake-perf.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-k8s-explain-"));
const fakes: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const CAPTURED = foldPerfScript(
  readFileSync(new URL("../../fixtures/profile/ebpf-same-perf-script.txt", import.meta.url), "utf8"),
);

async function start() {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20 });
  fakes.push(fake);
  const kubeconfig = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
  return { fake, kubeconfig };
}

/** A sweep on the fake with explain; `extra` is YAML at the top level, `k8s` inside kubernetes:. */
function sweep(kubeconfig: string, extra = "cpu: {client: 1, server: 0}\n", k8s = "") {
  return parseSweep(
    `backend: kubernetes\nmodes: [legacy]\ntests: [{test: TCP_RR}]\nexplain: true\n${extra}kubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n${k8s}`,
    "k8s.yaml",
  );
}

const trial = (placement: "same-node" | "cross-node"): Trial => ({
  id: `1:legacy:${placement}/TCP_RR/1,1`,
  block: 1,
  mode: "legacy",
  point: {
    key: `${placement}/TCP_RR/1,1`,
    placement,
    test: "TCP_RR",
    size: "1,1",
    requestSize: 1,
    responseSize: 1,
  },
  durationSec: 1,
});

describe("the profiling pod", () => {
  const s = parseSweep(
    "backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nexplain: true\ncpu: {client: 2, server: 3}\nkubernetes:\n  tolerations: [{key: dedicated, operator: Equal, value: perf, effect: NoSchedule}]\n  nodeSelector: {pool: perf}\n",
    "k8s.yaml",
  );
  const plans = profilerPlans(["node-a", "node-b"], s.placements);
  const pods = plans.map((p) => renderPod(p, s.kubernetes, "rb-run1", "run1", "tester.host"));

  it("is one privileged hostPID pod per test node, pinned there, with the configured image and command", () => {
    expect(plans.map((p) => [p.name, p.node])).toEqual([
      ["rb-profiler-a", "node-a"],
      ["rb-profiler-b", "node-b"],
    ]);
    const [a, b] = pods;
    expect(a?.spec?.hostPID).toBe(true);
    expect(a?.spec?.hostNetwork).toBeUndefined();
    expect(a?.spec?.containers[0]?.securityContext).toEqual({ privileged: true });
    expect(a?.spec?.containers[0]?.image).toBe(PROFILER_IMAGE);
    expect(a?.spec?.containers[0]?.command).toEqual(PROFILER_COMMAND);
    expect(a?.spec?.containers[0]?.readinessProbe?.exec?.command).toEqual(["perf", "--version"]);
    expect(b?.spec?.nodeSelector).toEqual({ pool: "perf", "kubernetes.io/hostname": "node-b" });
    expect(b?.spec?.tolerations?.[0]?.key).toBe("dedicated");
    // the run's labels: removed with the run's pods, and by `k8s cleanup` (owner)
    expect(b?.metadata?.labels).toMatchObject({ [RUN_LABEL]: "run1", [OWNER_LABEL]: "tester.host" });
    for (const pod of pods) expect(() => new Pod(pod as never).validate()).not.toThrow();
    const custom = parseSweep(
      "backend: kubernetes\ntests: [{test: TCP_RR}]\nkubernetes:\n  profiler: {image: example.com/perf:6.12, command: [sleep, infinity]}\n",
      "k8s.yaml",
    );
    const [plan] = plans;
    const pod = plan && renderPod(plan, custom.kubernetes, "ns", "run1");
    expect(pod?.spec?.containers[0]?.image).toBe("example.com/perf:6.12");
    expect(pod?.spec?.containers[0]?.command).toEqual(["sleep", "infinity"]);
  });

  it("needs Pod Security's privileged level: baseline and restricted refuse host namespaces and privileged", () => {
    expect(podSecurityLevel(plans)).toBe("privileged");
    const [pod] = pods;
    if (!pod) throw new Error("no pod");
    expect(podSecurityViolations(pod, "privileged")).toEqual([]);
    expect(podSecurityViolations(pod, "baseline")).toEqual(["host namespaces (hostPID=true)", "privileged"]);
    expect(podSecurityViolations(pod, "restricted")).toEqual(
      expect.arrayContaining(["host namespaces (hostPID=true)", "privileged"]),
    );
  });

  it("samples the benchmark CPUs of each node a trial uses", () => {
    const cpu = { client: 2, server: 3 };
    expect(profileTargets(plans, "same-node", cpu)).toEqual([
      { role: "profiler-a", node: "node-a", cpus: [2, 3] },
    ]);
    expect(profileTargets(plans, "cross-node", cpu)).toEqual([
      { role: "profiler-a", node: "node-a", cpus: [2] },
      { role: "profiler-b", node: "node-b", cpus: [3] },
    ]);
  });
});

describe("explain on Kubernetes is refused, with its reason", () => {
  it("when a policy webhook (Azure Policy's Gatekeeper) refuses privileged containers whatever the namespace says", () => {
    const denied = translateApiError(
      {
        code: 403,
        body: '{"message":"admission webhook \\"validation.gatekeeper.sh\\" denied the request: [azurepolicy-k8sazurev2noprivilege-1] Privileged container is not allowed: perf"}',
      },
      "creating pod rb-profiler-a in rb-x",
    ) as { message: string; hint?: string };
    expect(denied.message).toMatch(/forbidden \(403\): admission webhook "validation.gatekeeper.sh" denied/);
    expect(denied.hint).toMatch(/policy admission webhook .* not RBAC nor Pod Security/);
  });

  it("when the benchmark's CPUs are not named", () => {
    const refusals = kubernetesRefusals(sweep("/dev/null", ""));
    expect(refusals.join("\n")).toMatch(/explain on Kubernetes .* set cpu: \{client: N, server: M\}/);
    expect(kubernetesRefusals(sweep("/dev/null"))).toEqual([]);
  });

  it("when the sweep's namespace enforces a level that refuses the profiling pod, before anything is created", async () => {
    const { fake, kubeconfig } = await start();
    fake.namespaces.set("perf", {
      metadata: { name: "perf", labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
    });
    const s = sweep(kubeconfig, "cpu: {client: 1, server: 0}\n", "  namespace: perf\n");
    await expect(kubernetesBackend().open(s, () => undefined)).rejects.toThrow(
      /namespace perf enforces Pod Security "baseline", which refuses it \(host namespaces \(hostPID=true\); privileged\)/,
    );
    expect(fake.testPods("perf")).toEqual([]);
    const checks = await runChecks(s, loadKubeConfig(s.kubernetes), () => undefined);
    const row = checks.find((c) => c.id === "profiling");
    expect(row?.status).toBe("fail");
    expect(row?.fix).toMatch(/enforce=privileged/);
  });

  it("when perf is not in the pod, or sees no kernel symbols; and the check says so too", async () => {
    const { fake, kubeconfig } = await start();
    const s = sweep(kubeconfig);
    perfOf(fake).fault = "missing";
    await expect(kubernetesBackend().open(s, () => undefined)).rejects.toThrow(
      /needs perf in the profiling pod/,
    );
    perfOf(fake).fault = "no-symbols";
    await expect(kubernetesBackend().open(s, () => undefined)).rejects.toThrow(
      /no samples with kernel symbols/,
    );
    const failed = (await runChecks(s, loadKubeConfig(s.kubernetes), () => undefined)).find(
      (c) => c.id === "profiling",
    );
    expect(failed?.status).toBe("fail");
    expect(failed?.detail).toMatch(/kernel symbols/);
    perfOf(fake).fault = "ok";
    const passed = (await runChecks(s, loadKubeConfig(s.kubernetes), () => undefined)).find(
      (c) => c.id === "profiling",
    );
    expect(passed?.status, passed?.detail).toBe("pass");
    expect(passed?.detail).toMatch(/sampled CPUs 1,0 of node-a with kernel symbols/);
    // every pod of the failed opens and of the check is gone with its namespace
    expect(fake.testPods()).toEqual([]);
  });
});

describe("a profiled trial on the test nodes", () => {
  it("records each node's benchmark CPUs inside the trial, brings the samples back through pods/exec and attributes them", async () => {
    const { fake, kubeconfig } = await start();
    const s = sweep(kubeconfig);
    const session = await kubernetesBackend().open(s, () => undefined);
    try {
      const profilers = fake.testPods().filter((p) => p.metadata.name.startsWith("rb-profiler"));
      expect(profilers.map((p) => [p.metadata.name, p.spec.nodeName, p.spec.hostPID])).toEqual([
        ["rb-profiler-a", "node-a", true],
        ["rb-profiler-b", "node-b", true],
      ]);
      const namespace = profilers[0]?.metadata.namespace;
      expect(fake.namespaces.get(namespace)?.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe(
        "privileged",
      );
      // the probe before the first trial: 0.2 s on each node
      expect(perfOf(fake).recordings.map((r) => [r.pod, r.windowSec])).toEqual([
        ["rb-profiler-a", 0.2],
        ["rb-profiler-b", 0.2],
      ]);
      perfOf(fake).recordings.length = 0;

      const cross = await session.runProfiledTrial?.(trial("cross-node"), new AbortController().signal);
      // the client's CPU on node A, the server's on node B, for the window inside netperf's
      expect(perfOf(fake).recordings.map((r) => [r.pod, r.node, r.cpus, r.windowSec])).toEqual([
        ["rb-profiler-a", "node-a", "1", profileWindowSec(1)],
        ["rb-profiler-b", "node-b", "0", profileWindowSec(1)],
      ]);
      const capture = cross?.capture;
      expect(capture?.error).toBeUndefined();
      expect(capture?.argv.slice(0, 2)).toEqual(["pods/exec", `${namespace}/rb-profiler-a`]);
      expect(capture?.argv).toEqual(
        expect.arrayContaining(["perf", "record", "-e", "cpu-clock", "-C", "1", "-g"]),
      );
      expect(capture?.nodes?.map((n) => [n.node, n.pod, n.cpus, n.samples])).toEqual([
        ["node-a", "rb-profiler-a", [1], CAPTURED.samples],
        ["node-b", "rb-profiler-b", [0], CAPTURED.samples],
      ]);
      // both nodes' chains summed, then attributed as the lab's are
      expect(capture?.samples).toBe(2 * CAPTURED.samples);
      const [chain, count] = [...CAPTURED.stacks][0] ?? ["", 0];
      expect(capture?.stacks.get(chain)).toBe(2 * count);
      expect(attribute(capture?.stacks ?? new Map()).samples).toBe(2 * CAPTURED.samples);
      // the data files are removed after perf script
      expect(perfOf(fake).data.size).toBe(0);
      // the test nodes' benchmark CPUs' time over the trial (the simulated exec reads this machine's /proc/stat)
      expect(cross?.outcome.noise?.benchCpus).toEqual([1, 0]);
      expect(cross?.outcome.noise?.benchCpuSec?.busy).toBeGreaterThanOrEqual(0);

      perfOf(fake).recordings.length = 0;
      const same = await session.runProfiledTrial?.(trial("same-node"), new AbortController().signal);
      expect(perfOf(fake).recordings.map((r) => [r.pod, r.cpus])).toEqual([["rb-profiler-a", "1,0"]]);
      expect(same?.capture.samples).toBe(CAPTURED.samples);

      // the run's twin: the attribution goes with the trial; the simulated server runs no measuring netperf (127)
      const written: string[] = [];
      const profile = await profileTwin(
        s,
        session,
        trial("cross-node"),
        new AbortController().signal,
        (id) => {
          written.push(id);
          return `profiles/${id}.folded.gz`;
        },
      );
      expect(profile?.nodes?.map((n) => n.node)).toEqual(["node-a", "node-b"]);
      expect(profile?.samples).toBe(2 * CAPTURED.samples);
      expect(profile?.busySamples).toBeGreaterThan(0);
      expect(written).toEqual([trial("cross-node").id]);
      expect(profile?.error).toBe("the profiled netperf exited 127");
    } finally {
      await session.close();
    }
    // removed with the run: its namespace and every pod in it, the profilers too
    expect(fake.testPods()).toEqual([]);
  });

  it("a failed perf on one node leaves the trial without attribution, saying which node and why", async () => {
    const { fake, kubeconfig } = await start();
    const session = await kubernetesBackend().open(sweep(kubeconfig), () => undefined);
    try {
      perfOf(fake).fault = "denied";
      const result = await session.runProfiledTrial?.(trial("cross-node"), new AbortController().signal);
      expect(result?.capture.samples).toBe(0);
      expect(result?.capture.error).toMatch(
        /^node-a: perf record exited 255: .*No permission to enable cpu-clock/s,
      );
    } finally {
      await session.close();
    }
  });
});
