/**
 * The first-run breakers of issue 18 (points 1–12), each against the test API server in
 * simulated mode (no lab): a preflight that refused valid runs, pods that did not fit small
 * nodes, netkit clusters, the host-network netserver restart race, Cilium ≤ 1.14 agents, RBAC,
 * a timed-out exec, cleanup, the AKS node label, and sweeps the backend cannot run.
 *
 * Over 300 lines on purpose: one test per first-run breaker of issue 18, each short, against one
 * shared simulated cluster setup.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { runChecks } from "../../../harness/backends/kubernetes/check.js";
import { agentStatus } from "../../../harness/backends/kubernetes/cilium-agents.js";
import { type Cluster, connect } from "../../../harness/backends/kubernetes/connect.js";
import { loadKubeConfig } from "../../../harness/backends/kubernetes/kubeconfig.js";
import { runOwner } from "../../../harness/backends/kubernetes/manifests.js";
import { labelEvidence, verifyMode } from "../../../harness/backends/kubernetes/mode-evidence.js";
import { closeNamespace, execStoppable, restartPods } from "../../../harness/backends/kubernetes/pods.js";
import { initialSwitchState, STRATEGIES } from "../../../harness/backends/kubernetes/strategies.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { FakeApiServer, type FakeOptions, kubeconfigFor } from "../../k8s/fake-apiserver.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-first-run-"));
const log = () => undefined;
const fakes: FakeApiServer[] = [];
const clusters: Cluster[] = [];
afterEach(async () => {
  for (const cluster of clusters.splice(0)) await closeNamespace(cluster, log);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

/** A simulated fake cluster and a sweep on it: `body` is YAML after the kubernetes section's kubeconfig. */
async function setup(options: FakeOptions, sweepText: string, kubernetes = "") {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20, ...options });
  fakes.push(fake);
  const kubeconfig = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
  const sweep = parseSweep(
    `backend: kubernetes\ntests: [{test: TCP_RR}]\n${sweepText}\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n${kubernetes}`,
    "k8s.yaml",
  );
  return { fake, sweep, kubeconfig };
}

const checksOf = async (sweep: ReturnType<typeof parseSweep>) =>
  runChecks(sweep, loadKubeConfig(sweep.kubernetes), log);
const byId = (checks: Awaited<ReturnType<typeof checksOf>>, id: string) => checks.find((c) => c.id === id);

const AZ = (mode: string) =>
  `[az, aks, update, --resource-group, rg, --name, c1, --enable-acns, --acns-datapath-acceleration-mode, ${mode}]`;

describe("point 1: the preflight refuses no valid run", () => {
  it("AKS checks only for the AKS strategy; dual-stack AKS clusters pass", async () => {
    const nodes = [
      { name: "aks-a", dualStack: true },
      { name: "aks-b", dualStack: true },
    ];
    const configmap = await setup(
      { aks: true, nodes },
      "modes: [legacy, ebpf]",
      "  routing: {strategy: cilium-configmap}\n",
    );
    expect(byId(await checksOf(configmap.sweep), "aks")?.status).toBe("skip");
    const az = await setup(
      { aks: true, nodes },
      "modes: [legacy, ebpf]",
      `  routing: {strategy: command, commands: {ebpf: ${AZ("BpfVeth")}, legacy: ${AZ("None")}}}\n`,
    );
    const aks = byId(await checksOf(az.sweep), "aks");
    expect(aks?.status, aks?.detail).toBe("pass");
  });

  it("kube-proxy replacement and masquerading are not required of a sweep that never measures ebpf", async () => {
    const { fake, sweep } = await setup({}, "modes: [legacy, host]");
    fake.faults.noKubeProxyReplacement = true;
    const checks = await checksOf(sweep);
    expect(byId(checks, "kpr")?.status).toBe("skip");
    expect(byId(checks, "masquerade")?.status).toBe("skip");
    expect(checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual([]);
  });
});

describe("point 2: pod resources against allocatable", () => {
  const small = [
    { name: "node-a", cpu: "2", allocatableCpu: "1900m", allocatableMemory: "5Gi" },
    { name: "node-b", cpu: "2", allocatableCpu: "1900m", allocatableMemory: "5Gi" },
  ];

  it("the default pods (host baseline: 4 on node A) fit 2-vCPU nodes, with no CPU limit", async () => {
    const { sweep } = await setup({ nodes: small }, "modes: [legacy, host]");
    const resources = byId(await checksOf(sweep), "resources");
    expect(resources?.status, resources?.detail).toBe("pass");
    expect(resources?.detail).toMatch(/node-a: 4 pods request 400m CPU/);
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    expect(cluster.podIps.size).toBe(6);
  });

  it("requests beyond allocatable fail before anything is created, naming the node; a CPU limit warns", async () => {
    const { sweep } = await setup(
      { nodes: small },
      "modes: [legacy, host]",
      '  resources: {requests: {cpu: "1", memory: 256Mi}, limits: {cpu: "1", memory: 256Mi}}\n',
    );
    const resources = byId(await checksOf(sweep), "resources");
    expect(resources?.status).toBe("fail");
    expect(resources?.detail).toMatch(/node-a: 4 pods request 4000m CPU and 1024 Mi of 1900m/);
    const limited = await setup(
      {},
      "modes: [legacy]",
      '  resources: {requests: {cpu: 100m}, limits: {cpu: "1"}}\n',
    );
    const warned = byId(await checksOf(limited.sweep), "resources");
    expect(warned?.status).toBe("warn");
    expect(warned?.detail).toMatch(/CFS quota/);
  });
});

describe("point 3: netkit clusters", () => {
  it("refuses legacy on a netkit cluster in the preflight and in the switch, naming datapath-mode", async () => {
    const { fake, sweep } = await setup(
      { datapathMode: "netkit" },
      "modes: [legacy, ebpf]",
      "  routing: {strategy: cilium-configmap, rolloutTimeoutSec: 10}\n",
    );
    const check = byId(await checksOf(sweep), "cilium-config");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toMatch(/datapath-mode is netkit/);
    fake.configMap.data["enable-host-legacy-routing"] = "false";
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    const context = { cluster, routing: sweep.kubernetes.routing, state: initialSwitchState(), log };
    await expect(STRATEGIES["cilium-configmap"].apply(context, "legacy")).rejects.toThrow(/netkit/);
    expect(fake.requests.some((r) => r.startsWith("PATCH"))).toBe(false);
  });
});

describe("point 4: the host-network netserver restart race", () => {
  it("a pod restart waits for the kubelet to free port 12865 before the new host-network netserver starts", async () => {
    const { fake, sweep } = await setup(
      { forcedKillDelayMs: 400, terminationDelayMs: 60 },
      "modes: [legacy, host]",
    );
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    const { podIps: ips } = await restartPods(cluster);
    expect(ips.get("host-server-cross")).toBe("198.18.0.2");
    expect(fake.testPods().every((p) => p.internal.fault === null)).toBe(true);
  });
});

describe("point 5: Cilium ≤ 1.14 agents", () => {
  it("reads `cilium status` where the agent image has no cilium-dbg", async () => {
    const { fake, sweep } = await setup({ agentCommand: "cilium" }, "modes: [legacy]");
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    const readings = await agentStatus(cluster.clients, "kube-system", cluster.nodes);
    expect(readings?.["node-a"]?.status.hostRouting).toBe("Legacy");
    expect(fake.requests.length).toBeGreaterThan(0);
  });
});

describe("points 10 and 11: sweeps the backend cannot run are refused before anything is created", () => {
  it("legacy and ebpf with strategy none (README's first example), and witness:", async () => {
    const { fake, sweep } = await setup({}, "modes: [legacy, ebpf]\norder: interleaved");
    await expect(kubernetesBackend().open(sweep, log)).rejects.toThrow(/strategy is none/);
    const witnessed = await setup(
      {},
      "modes: [legacy, ebpf]\nwitness: sockperf",
      "  routing: {strategy: cilium-configmap}\n",
    );
    await expect(kubernetesBackend().open(witnessed.sweep, log)).rejects.toThrow(
      /witness: sockperf runs on the lab only/,
    );
    const named = await setup(
      {},
      "modes: [legacy, ebpf]",
      `  nodes: [node-a, node-b]\n  routing: {strategy: command, commands: {ebpf: ${AZ("BpfVeth")}, legacy: ${AZ("None")}}}\n`,
    );
    await expect(kubernetesBackend().open(named.sweep, log)).rejects.toThrow(
      /replaces every node under a new name/,
    );
    for (const f of [fake, witnessed.fake, named.fake]) {
      expect(f.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
      expect([...f.namespaces.keys()].filter((n) => n.startsWith("rb-"))).toEqual([]);
    }
  });
});

/** Runs `routebench k8s …` in this process; returns what it printed. */
async function k8sCli(args: string[]): Promise<string> {
  const { Command } = await import("@commander-js/extra-typings");
  const { registerK8s } = await import("../../../harness/cli/k8s.js");
  const program = new Command().exitOverride();
  registerK8s(program);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(["node", "routebench", "k8s", ...args]);
  } finally {
    write.mockRestore();
  }
  return printed.join("");
}

describe("point 7: a timed-out exec, and cleanup of only one's own runs", () => {
  it("a trial's exec that times out has its process killed inside the pod before it returns", async () => {
    const { fake, sweep } = await setup({}, "modes: [legacy]");
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    const result = await execStoppable(cluster, "client", ["sleep", "30"], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.argv).toEqual(["pods/exec", `${cluster.namespace}/rb-client`, "sleep", "30"]);
    expect(result.stderr).toMatch(/killed process \d+ in the pod/);
    expect(fake.execLog.some((e) => e.command.join(" ").includes("kill -KILL"))).toBe(true);
    await vi.waitFor(() => expect(fake.children.size).toBe(0));
  });

  it("k8s cleanup deletes only this user's namespaces (or one run's), and says when the cluster is unreachable", async () => {
    const { fake, kubeconfig } = await setup({}, "modes: [legacy]");
    const ns = (name: string, owner: string, run: string) =>
      fake.namespaces.set(name, {
        metadata: {
          name,
          labels: {
            "app.kubernetes.io/managed-by": "routebench",
            "routebench.io/owner": owner,
            "routebench.io/run": run,
          },
        },
      });
    ns("rb-mine-1", runOwner(), "mine-1");
    ns("rb-mine-2", runOwner(), "mine-2");
    ns("rb-theirs", "someone.else", "theirs");
    const one = JSON.parse(
      await k8sCli(["cleanup", "--kubeconfig", kubeconfig, "--run", "mine-1", "--json"]),
    );
    expect(one.namespaces).toEqual(["rb-mine-1"]);
    const rest = JSON.parse(await k8sCli(["cleanup", "--kubeconfig", kubeconfig, "--json"]));
    expect(rest.namespaces).toEqual(["rb-mine-2"]);
    expect(fake.namespaces.has("rb-theirs")).toBe(true); // another user's run, maybe live

    await fake.stop();
    await expect(k8sCli(["cleanup", "--kubeconfig", kubeconfig])).rejects.toThrow(
      /cleaning up http:\/\/127\.0\.0\.1:\d+: the API server cannot be reached \(ECONNREFUSED/,
    );
  });
});

describe("point 9: AKS's per-node label is mode evidence", () => {
  it("a test node labelled kubernetes.azure.com/ebpf-host-routing=true refuses legacy, whatever the agents say", async () => {
    const labels = { "kubernetes.azure.com/ebpf-host-routing": "true" };
    const { sweep } = await setup(
      { aks: true, nodes: [{ name: "aks-a", labels }, { name: "aks-b" }] },
      "modes: [legacy]",
    );
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    clusters.push(cluster);
    await expect(verifyMode(cluster, "legacy", STRATEGIES.none, "t")).rejects.toThrow(
      /AKS labels aks-a: kubernetes\.azure\.com\/ebpf-host-routing=true/,
    );
    // under the AKS strategy an unlabelled AKS node contradicts ebpf
    expect(
      labelEvidence(
        [{ metadata: { name: "n", labels: { "kubernetes.azure.com/cluster": "x" } } }],
        ["n"],
        "ebpf",
        true,
      ),
    ).toEqual({
      n: { line: "no kubernetes.azure.com/ebpf-host-routing=true label", contradicts: true },
    });
  });
});

describe("points 6 and 12: least privilege, proved by k8s check", () => {
  it("asks pods/exec only in the run's and Cilium's namespaces; a cilium-config it may not read is reported, not recorded as null", async () => {
    const { fake, sweep } = await setup({}, "modes: [legacy]", "  namespace: perf\n");
    fake.namespaces.set("perf", { metadata: { name: "perf" } });
    fake.faults.denied = ["get configmaps"];
    const checks = await checksOf(sweep);
    const exec = fake.reviews.filter((r) => r.subresource === "exec");
    expect(new Set(exec.map((r) => r.namespace))).toEqual(new Set(["perf", "kube-system"]));
    expect(
      fake.reviews.filter((r) => r.namespace === undefined).map((r) => `${r.verb} ${r.resource}`),
    ).toEqual(["list nodes", "create selfsubjectaccessreviews"]);
    expect(byId(checks, "rbac")?.detail).toMatch(/get configmaps in kube-system/);
    const config = byId(checks, "cilium-config");
    expect(config?.status).toBe("fail");
    expect(config?.detail).toMatch(/forbidden \(403\)/);
    const logged: string[] = [];
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", (m) => logged.push(m));
    clusters.push(cluster);
    expect(cluster.facts.cilium).toMatchObject({
      config: null,
      configError: expect.stringMatching(/forbidden/),
    });
    expect(logged.join("\n")).toMatch(/cilium-config could not be read/);
  });
});

describe("one cluster per mode (contexts)", () => {
  it("the preflight compares the two clusters and names each difference", async () => {
    const a = new FakeApiServer({ simulated: true, readyDelayMs: 20 });
    const b = new FakeApiServer({
      simulated: true,
      readyDelayMs: 20,
      nodes: [
        { name: "b-1", instanceType: "Standard_D4s_v5", kernel: "6.8.0-1030-azure", zone: "zone-2" },
        { name: "b-2", instanceType: "Standard_D4s_v5", kernel: "6.8.0-1030-azure", zone: "zone-2" },
      ],
    });
    fakes.push(a, b);
    b.simulatedMode = "ebpf";
    const kubeconfig = join(dir, "kubeconfig-two");
    writeFileSync(kubeconfig, kubeconfigFor({ "legacy-ctx": await a.start(), "ebpf-ctx": await b.start() }));
    const sweep = parseSweep(
      `backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  routing: {strategy: contexts, contexts: {legacy: legacy-ctx, ebpf: ebpf-ctx}}\n`,
      "k8s.yaml",
    );
    const { preflight } = await import("../../../harness/cli/k8s.js");
    const clustersCheck = (await preflight(sweep, log)).find((c) => c.id === "clusters");
    expect(clustersCheck?.status).toBe("warn");
    expect(clustersCheck?.detail).toMatch(/instance type: legacy Standard_D16s_v5, ebpf Standard_D4s_v5/);
    expect(clustersCheck?.detail).toMatch(/kernel: legacy 6\.8\.0-1021-azure, ebpf 6\.8\.0-1030-azure/);
    expect(clustersCheck?.detail).toMatch(/zone: legacy zone-1, ebpf zone-2/);
    expect(clustersCheck?.detail).not.toMatch(/Kubernetes version/);
  });
});
