/**
 * A whole explain run on Kubernetes (run/run.ts with the Kubernetes backend) against the test API
 * server in simulated mode: netperf replays a capture, the nodes' /proc/stat is a clock with a
 * known busy share, and the profiling pods' perf replays a lab capture (test/k8s/fake-perf.ts).
 * What is real: the backend's pods, execs, mode switches and cleanup, the run loop, the twins,
 * the attribution and results.json.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { readResults } from "../../../harness/results/read.js";
import { runSweep } from "../../../harness/run/run.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { FakeApiServer, kubeconfigFor } from "../../k8s/fake-apiserver.js";
import { perfOf } from "../../k8s/fake-perf.js";
import { NETPERF_STDOUT, scriptedNoise } from "../support/fake-backend.js";
import { environmentAnswers, FakeRunner } from "../support/fake-runner.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-k8s-explain-run-"));
const fakes: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function start() {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20 });
  fakes.push(fake);
  const kubeconfig = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
  return { fake, kubeconfig };
}

describe("a whole explain run on Kubernetes", () => {
  it("writes results.json with each trial's nodes' profile, CPU per transaction from the test nodes and the attribution, in the lab's shape", async () => {
    const { fake, kubeconfig } = await start();
    // netperf replays a capture (17788 transactions/s over 1.00 s); each node CPU is 50% busy
    perfOf(fake).replay = { netperf: NETPERF_STDOUT.TCP_RR, busyShare: 0.5 };
    const s = parseSweep(
      `backend: kubernetes\nmodes: [legacy, ebpf]\nplacements: [cross-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 2\nexplain: true\ncpu: {client: 1, server: 0}\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  routing: {strategy: cilium-configmap, rolloutTimeoutSec: 10}\n`,
      "k8s.yaml",
    );
    const outcome = await runSweep({
      sweep: s,
      backend: kubernetesBackend(),
      outDir: dir,
      runId: "k8s-explain",
      command: ["routebench", "run"],
      control: { stopRequested: false, kill: new AbortController() },
      log: () => undefined,
      onProgress: () => undefined,
      runner: new FakeRunner(environmentAnswers),
      sampleNoise: scriptedNoise(),
    });
    expect(outcome.error).toBeUndefined();
    const results = await readResults(join(outcome.dir, "results.json"));
    const counted = results.trials.filter((t) => t.state === "completed");
    expect(counted).toHaveLength(4);
    for (const t of counted) {
      // the client's CPU on node A and the server's on node B, each 50% busy over the trial's ~1 s
      expect(t.noise?.benchCpus).toEqual([1, 0]);
      const busy = t.noise?.benchCpuSec?.busy ?? 0;
      expect(busy).toBeGreaterThanOrEqual(1);
      expect(t.metrics?.cpuUsPerTrans).toBeCloseTo((busy * 1e6) / (17788.322 * 1.0), 6);
      expect(t.profile?.error).toBeUndefined();
      expect(t.profile?.nodes?.map((n) => [n.node, n.cpus])).toEqual([
        ["node-a", [1]],
        ["node-b", [0]],
      ]);
      expect(t.profile?.foldedFile).toMatch(/^profiles\//);
    }
    const point = results.explain?.points[0];
    expect(point?.key).toBe("cross-node/TCP_RR/1,1");
    expect(point?.modes.map((m) => [m.mode, m.blocks])).toEqual([
      ["legacy", 2],
      ["ebpf", 2],
    ]);
    // the same replayed chains in both modes: the eBPF program's share, and every subsystem adding up to the measured cost
    const legacy = point?.modes.find((m) => m.mode === "legacy");
    expect(legacy?.bySubsystem.ebpf?.mean).toBeGreaterThan(0);
    const sum = Object.values(legacy?.bySubsystem ?? {}).reduce((a, i) => a + i.mean, 0);
    expect(sum).toBeCloseTo(legacy?.measured.mean ?? 0, 9);
    // the cluster's design puts one mode in each block (segmented): the difference is unpaired
    expect(counted.map((t) => [t.block, t.mode])).toEqual([
      [1, "legacy"],
      [2, "ebpf"],
      [3, "ebpf"],
      [4, "legacy"],
    ]);
    expect(point?.difference?.pairing).toBe("unpaired");
    expect(point?.sampling?.sampled.mean).toBeCloseTo(1, 9); // the same replayed rate in every trial
    expect(point?.difference?.attributedSum).toBeCloseTo(point?.difference?.measured.mean ?? Number.NaN, 9);
    expect(results.environment.nodeMachines?.["node-b"]).toBeDefined();
    expect(fake.testPods()).toEqual([]);
  });
});
