/**
 * The Kubernetes backend and `routebench k8s check` against the test API server in simulated
 * mode: no lab, no namespaces, no netserver; pods/exec runs only `netperf -V` and `cat` here.
 *
 * Over 300 lines on purpose: one case per preflight check, against one simulated cluster; the
 * checks are listed in the order `k8s check` prints them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../../harness/backends/kubernetes/api.js";
import {
  backoffDelayMs,
  RETRY_AFTER_CAP_MS,
  translateApiError,
} from "../../../harness/backends/kubernetes/api-errors.js";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { formatChecks, runChecks } from "../../../harness/backends/kubernetes/check.js";
import {
  RESTORE_ANNOTATION,
  restorePatch,
  switchPatch,
} from "../../../harness/backends/kubernetes/cilium-config.js";
import {
  hostRoutingFallbacks,
  parseCiliumStatus,
} from "../../../harness/backends/kubernetes/cilium-status.js";
import type { Cluster } from "../../../harness/backends/kubernetes/connect.js";
import { kubeClients, loadKubeConfig } from "../../../harness/backends/kubernetes/kubeconfig.js";
import { readNodeCpu } from "../../../harness/backends/kubernetes/node-readings.js";
import { chooseNodes } from "../../../harness/backends/kubernetes/nodes.js";
import { qosClass } from "../../../harness/backends/kubernetes/resources.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import {
  type FakeApiServer as Fake,
  FakeApiServer,
  type FakeOptions,
  kubeconfigFor,
} from "../../k8s/fake-apiserver.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-preflight-"));
const fakes: Fake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function start(options: FakeOptions = {}) {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20, ...options });
  fakes.push(fake);
  const file = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(file, kubeconfigFor({ fake: await fake.start() }));
  return { fake, kubeconfig: file };
}

function sweep(kubeconfig: string, extra = "") {
  return parseSweep(
    `backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  routing: {strategy: cilium-configmap, rolloutTimeoutSec: 10}\n${extra}`,
    "k8s.yaml",
  );
}

const check = async (kubeconfig: string, extra = "") => {
  const s = sweep(kubeconfig, extra);
  return runChecks(s, loadKubeConfig(s.kubernetes), () => undefined);
};
const byId = (checks: Awaited<ReturnType<typeof check>>, id: string) => checks.find((c) => c.id === id);

describe("routebench k8s check against the test API server", () => {
  it("passes on a ready cluster: ≥ 12 checks, the image runs netperf -V (v5 exec)", async () => {
    const { fake, kubeconfig } = await start();
    const checks = await check(kubeconfig);
    expect(checks.length).toBeGreaterThanOrEqual(12);
    expect(
      checks.filter((c) => c.status === "fail"),
      formatChecks(checks),
    ).toEqual([]);
    expect(byId(checks, "image")?.detail).toMatch(/netperf 2\.7\.0/); // /usr/bin/netperf -V, run locally
    expect(byId(checks, "agents")?.detail).toMatch(/node-a: Legacy; node-b: Legacy/);
    expect([...fake.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]); // its throw-away namespace is gone
  });

  it("missing RBAC: names each missing permission and the fix", async () => {
    const { fake, kubeconfig } = await start();
    fake.faults.denied = ["get pods/exec", "patch configmaps"];
    const rbac = byId(await check(kubeconfig), "rbac");
    expect(rbac?.status).toBe("fail");
    expect(rbac?.detail).toMatch(/get pods\/exec/);
    expect(rbac?.detail).toMatch(/patch configmaps in kube-system/);
    expect(rbac?.fix).toMatch(/rbac\.yaml/);
  });

  it("restricted namespace: the host baseline's pods are refused, with the label to set", async () => {
    const { fake, kubeconfig } = await start();
    fake.namespaces.set("perf", {
      metadata: { name: "perf", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    const s = parseSweep(
      `backend: kubernetes\nmodes: [legacy, host]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  namespace: perf\n`,
      "k8s.yaml",
    );
    const checks = await runChecks(s, loadKubeConfig(s.kubernetes), () => undefined);
    const ps = byId(checks, "podsecurity");
    expect(ps?.status).toBe("fail");
    expect(ps?.detail).toMatch(/rb-host-client: host namespaces/);
    expect(ps?.detail).not.toMatch(/rb-client:/); // the pod-network pods meet restricted
    expect(ps?.fix).toMatch(/enforce=privileged/);
  });

  it("one node: fails the nodes check and skips what needs two", async () => {
    const { kubeconfig } = await start({ nodes: [{ name: "node-a" }] });
    const checks = await check(kubeconfig);
    expect(byId(checks, "nodes")?.status).toBe("fail");
    expect(byId(checks, "nodes")?.detail).toMatch(/found 1/);
    expect(byId(checks, "image")?.status).toBe("skip");
  });

  it("zones: warns when the test nodes are in different zones", async () => {
    const { kubeconfig } = await start({
      nodes: [
        { name: "node-a", zone: "z1" },
        { name: "node-b", zone: "z2" },
      ],
    });
    expect(byId(await check(kubeconfig), "zone")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/different zones/),
    });
  });

  it("Cilium without kube-proxy replacement, agents exiting 1 with a full report", async () => {
    const { fake, kubeconfig } = await start();
    fake.faults.noKubeProxyReplacement = true;
    fake.faults.statusExitsOne = true;
    const checks = await check(kubeconfig);
    expect(byId(checks, "agents")?.status).toBe("pass"); // exit 1, but the report is read
    expect(byId(checks, "kpr")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/kubeProxyReplacement=true/),
    });
  });

  it("unreachable image: the pull failure and the fix", async () => {
    const { kubeconfig } = await start();
    const image = byId(await check(kubeconfig, "  image: example.com/does-not-exist:1\n"), "image");
    expect(image?.status).toBe("fail");
    expect(image?.detail).toMatch(/cannot be pulled \(ErrImagePull\)/);
    expect(image?.fix).toMatch(/kubernetes.image/);
  });

  it("a CiliumNodeConfig that overrides the key fails the strategy check", async () => {
    const { fake, kubeconfig } = await start();
    fake.nodeConfigs.push({
      metadata: { name: "legacy-pool" },
      spec: {
        nodeSelector: { matchLabels: { "kubernetes.io/hostname": "node-b" } },
        defaults: { "enable-host-legacy-routing": "true" },
      },
    });
    expect(byId(await check(kubeconfig), "strategy")?.detail).toMatch(
      /legacy-pool sets enable-host-legacy-routing=true on node-b/,
    );
  });

  it("the CLI prints the table and exits non-zero when a check fails", async () => {
    const { kubeconfig } = await start({ nodes: [{ name: "node-a" }] });
    const { Command } = await import("@commander-js/extra-typings");
    const { registerK8s } = await import("../../../harness/cli/k8s.js");
    const file = join(dir, "cli.yaml");
    writeFileSync(
      file,
      `backend: kubernetes\nmodes: [legacy]\ntests: [{test: TCP_RR}]\nkubernetes: {kubeconfig: ${kubeconfig}}\n`,
    );
    const program = new Command().exitOverride();
    registerK8s(program);
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(["node", "routebench", "k8s", "check", file]);
    } finally {
      write.mockRestore();
    }
    expect(process.exitCode).toBe(3);
    process.exitCode = undefined;
    const stdout = printed.join("");
    expect(stdout).toMatch(/^FAIL {2}Two Ready Linux test nodes/m);
    expect(stdout).toMatch(/fix: /);
  });
});

describe("the backend against the test API server", () => {
  it("switches through cilium-config, skips the Terminating agent, and restores an absent key by removing it", async () => {
    const { fake, kubeconfig } = await start();
    delete fake.configMap.data["enable-host-legacy-routing"]; // Helm writes the key only when set
    fake.simulatedMode = "ebpf";
    fake.faults.terminatingAgents = true;
    fake.faults.statusExitsOne = true;
    const session = await kubernetesBackend().open(sweep(kubeconfig), () => undefined);
    try {
      const legacy = await session.useMode("legacy");
      expect(legacy).toMatchObject({ ok: true, verified: true, nodes: { "node-a": "Host Routing: Legacy" } });
      const marker = JSON.parse(fake.configMap.metadata.annotations[RESTORE_ANNOTATION]);
      expect(marker.value).toBeNull();
      expect((await session.useMode("ebpf")).nodes["node-b"]).toBe("Host Routing: BPF");
      const sut = await session.systemUnderTest?.();
      expect(sut).toMatchObject({
        kernel: "6.8.0-1021-azure",
        os: "Ubuntu 24.04.1 LTS",
        cpuCount: 16,
        netperfVersion: "2.7.0",
      });
    } finally {
      await session.close();
    }
    expect("enable-host-legacy-routing" in fake.configMap.data).toBe(false);
    expect(fake.configMap.metadata.annotations[RESTORE_ANNOTATION]).toBeUndefined();
  });

  it("refuses a mid-run change of the key by someone else (GitOps)", async () => {
    const { fake, kubeconfig } = await start();
    const session = await kubernetesBackend().open(sweep(kubeconfig), () => undefined);
    try {
      await session.useMode("ebpf");
      fake.configMap.data["enable-host-legacy-routing"] = "true";
      await expect(session.useMode("legacy")).rejects.toThrow(/changed it mid-run/);
    } finally {
      await session.close();
    }
  });

  it("refuses eBPF where Cilium falls back, naming the cause", async () => {
    const { fake, kubeconfig } = await start();
    fake.faults.noKubeProxyReplacement = true;
    const session = await kubernetesBackend().open(sweep(kubeconfig), () => undefined);
    try {
      await expect(session.useMode("ebpf")).rejects.toThrow(/kube-proxy replacement is False/);
    } finally {
      await session.close();
    }
  });

  it("admission 403 gets a Pod Security hint, not an RBAC one", async () => {
    const { fake, kubeconfig } = await start();
    fake.namespaces.set("base", {
      metadata: { name: "base", labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
    });
    const s = parseSweep(
      `backend: kubernetes\nmodes: [host]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  namespace: base\n`,
      "k8s.yaml",
    );
    const error = await kubernetesBackend()
      .open(s, () => undefined)
      .catch((e) => e);
    expect(error.message).toMatch(
      /forbidden \(403\): pods "rb-host-client" is forbidden: violates PodSecurity "baseline:latest"/,
    );
    expect(error.hint).toMatch(/Pod Security admission refused the pod, not RBAC/);
  });

  it("honours 429 Retry-After, and gives up after a bounded number", async () => {
    const { fake, kubeconfig } = await start();
    fake.faults.throttle = { path: /^\/api\/v1\/nodes$/, retryAfterSec: 1, count: 2 };
    const s = sweep(kubeconfig);
    const { core } = kubeClients(loadKubeConfig(s.kubernetes));
    const waits: number[] = [];
    const wait = async (ms: number) => void waits.push(ms);
    expect((await api("listing nodes", () => core.listNode(), wait)).items.length).toBe(3);
    expect(waits).toEqual([1000, 1000]);
    fake.faults.throttle = { path: /^\/api\/v1\/nodes$/, retryAfterSec: 600, count: 100 };
    waits.length = 0;
    await expect(api("listing nodes", () => core.listNode(), wait)).rejects.toThrow(
      /throttling requests \(429\)/,
    );
    expect(waits).toEqual(Array(5).fill(RETRY_AFTER_CAP_MS));
  });

  it("reads the test nodes' CPU through exec for the trial's noise", async () => {
    const { kubeconfig } = await start();
    const session = await kubernetesBackend().open(sweep(kubeconfig), () => undefined);
    try {
      const cluster = (session as unknown as { clusters: Map<string, Cluster> }).clusters.get(
        "any",
      ) as Cluster;
      const reading = await readNodeCpu(cluster, "client");
      // the test server's exec runs `cat` on this machine: its /proc/stat, then its /proc/loadavg
      // ("0.52 0.58 0.59 2/345 12345": three averages, running/total tasks, last pid), which
      // /proc/uptime ("12345.67 23456.78") or any other file would not match
      expect(reading?.stat).toMatch(/^cpu {2}\d+( \d+){6,}$/m);
      expect(reading?.stat.split("\n")[0]).toMatch(/^cpu /);
      expect(reading?.stat).not.toContain("/");
      expect(reading?.loadavg).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+$/);
    } finally {
      await session.close();
    }
  });
});

describe("the Kubernetes trial's netperf argv, whole", () => {
  it("passes the sweep's CPUs (-T) and socket buffers (-s/-S, with netperf's default send ring -W) to the netperf it execs in the client pod", async () => {
    const { kubeconfig } = await start();
    const s = sweep(kubeconfig, "cpu: {client: 1, server: 0}\nsocketBuffers: 65536\n");
    const session = await kubernetesBackend().open(
      { ...s, tests: [{ test: "TCP_STREAM", messageSizes: [16384] }] },
      () => undefined,
    );
    try {
      const point = {
        key: "cross-node/TCP_STREAM/16384",
        placement: "cross-node" as const,
        test: "TCP_STREAM" as const,
        size: "16384",
        messageSize: 16384,
      };
      const trial = { id: "1:legacy:x", block: 1, mode: "legacy" as const, point, durationSec: 3 };
      // the simulated test server runs no measuring netperf (exit 127), but the trial's argv is what it was asked to run
      const outcome = await session.runTrial(trial, new AbortController().signal);
      const cluster = (session as unknown as { clusters: Map<string, Cluster> }).clusters.get(
        "any",
      ) as Cluster;
      const serverIp = cluster.podIps.get("server-cross");
      expect(serverIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // pods/exec in the test namespace's client pod; netperf's global options (no banner, the
      // sweep's CPUs client,server, both ends' CPU, interim results every 0.25 s), then the test's: message size, socket
      // buffers both ends, the data port, the output selectors
      expect(outcome.argv).toEqual([
        "pods/exec",
        expect.stringMatching(/^rb-[\da-f-]+\/rb-client$/),
        "netperf",
        "-H",
        serverIp,
        "-p",
        "12865",
        "-t",
        "TCP_STREAM",
        "-l",
        "3",
        "-P",
        "0",
        "-T",
        "1,0",
        "-c",
        "-C",
        "-D",
        "0.25",
        "--",
        "-m",
        "16384",
        "-s",
        "65536",
        "-S",
        "65536",
        "-W",
        "2",
        "-P",
        ",12866",
        "-o",
        "THROUGHPUT,THROUGHPUT_UNITS,TRANSACTION_RATE,MEAN_LATENCY,P50_LATENCY,P90_LATENCY,P99_LATENCY,MIN_LATENCY,MAX_LATENCY,STDDEV_LATENCY,LOCAL_CPU_UTIL,REMOTE_CPU_UTIL,LOCAL_TRANSPORT_RETRANS,REMOTE_TRANSPORT_RETRANS,ELAPSED_TIME,LOCAL_SEND_THROUGHPUT,LOCAL_SEND_CALLS,REMOTE_RECV_CALLS,LOCAL_SD,REMOTE_SD,SD_UNITS",
      ]);
    } finally {
      await session.close();
    }
  });
});

describe("pure pieces", () => {
  it("reads the agent's JSON status and the text report of a real 1.18.4 agent", () => {
    const text = readFileSync(new URL("../../fixtures/cilium/status-1.18.4.txt", import.meta.url), "utf8");
    expect(parseCiliumStatus(text)).toEqual({
      hostRouting: "BPF",
      kubeProxyReplacement: "True",
      // the text report names no socket LB state (only --verbose's KubeProxyReplacement Details)
      socketLB: null,
      masquerading: "BPF",
      version: "1.18.4 (v1.18.4-afda2aa9)",
      state: "Ok",
    });
    const json = JSON.stringify({
      cilium: { state: "Warning", msg: "1.18.2" },
      "kube-proxy-replacement": { mode: "False" },
      masquerading: { enabled: true, mode: "iptables" },
      routing: { "intra-host-routing-mode": "Legacy" },
    });
    const status = parseCiliumStatus(json);
    expect(status.hostRouting).toBe("Legacy");
    expect(hostRoutingFallbacks(status)).toHaveLength(2);
  });

  it("rejects [a, a], in the sweep and in node choice", () => {
    expect(() =>
      parseSweep("backend: kubernetes\ntests: [{test: TCP_RR}]\nkubernetes: {nodes: [a, a]}\n", "x.yaml"),
    ).toThrow(/two different nodes/);
    expect(() => chooseNodes([], ["a", "a"])).toThrow(/names a twice/);
  });

  it("defaults to small requests without a CPU limit (Burstable) and a digest-pinned image", () => {
    const s = parseSweep("backend: kubernetes\ntests: [{test: TCP_RR}]\n", "x.yaml");
    expect(qosClass(s.kubernetes.resources)).toBe("Burstable");
    expect(s.kubernetes.resources.limits?.cpu).toBeUndefined();
    expect(s.kubernetes.image).toMatch(/^quay\.io\/cilium\/network-perf:.+@sha256:[0-9a-f]{64}$/);
    expect(qosClass({ requests: { cpu: "1" } })).toBe("Burstable");
    expect(qosClass({})).toBe("BestEffort");
  });

  it("restore patches: the marker keeps the first original; null removes an absent key", () => {
    const first = switchPatch({ data: {} }, "false", "r1", "t") as {
      metadata: { annotations: Record<string, string> };
    };
    const marker = JSON.parse(first.metadata.annotations[RESTORE_ANNOTATION] as string);
    expect(marker).toEqual({ value: null, runId: "r1", at: "t" });
    const again = switchPatch(
      {
        metadata: { annotations: first.metadata.annotations },
        data: { "enable-host-legacy-routing": "false" },
      },
      "true",
      "r2",
      "t2",
    ) as typeof first;
    expect(JSON.parse(again.metadata.annotations[RESTORE_ANNOTATION] as string).runId).toBe("r1");
    expect(restorePatch(marker)).toEqual({
      metadata: { annotations: { [RESTORE_ANNOTATION]: null } },
      data: { "enable-host-legacy-routing": null },
    });
  });

  it("backs off polls and names Pod Security in admission denials", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(
      (
        translateApiError(
          { code: 403, body: { message: 'violates PodSecurity "restricted:latest"' } },
          "a",
        ) as { hint?: string }
      ).hint,
    ).toMatch(/Pod Security/);
  });
});
