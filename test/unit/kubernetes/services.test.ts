/**
 * Issue 23 on the Kubernetes backend, against the test API server in simulated mode (no lab):
 * a ClusterIP Service per netserver created and removed with the run, `service` trials aimed at
 * it, the socket-LB evidence of `cilium-dbg status -o json`, and the IPv6 addresses of a
 * dual-stack cluster (refused on a single-stack one before any trial).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { runChecks } from "../../../harness/backends/kubernetes/check.js";
import { ipFamiliesCheck } from "../../../harness/backends/kubernetes/check-families.js";
import { parseCiliumStatus } from "../../../harness/backends/kubernetes/cilium-status.js";
import { loadKubeConfig } from "../../../harness/backends/kubernetes/kubeconfig.js";
import type { NodeFacts } from "../../../harness/backends/kubernetes/nodes.js";
import { serviceEvidence } from "../../../harness/backends/kubernetes/service-evidence.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import { FakeApiServer, type FakeOptions, kubeconfigFor } from "../../k8s/fake-apiserver.js";
import { agentStatusText } from "../../k8s/fake-wire.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-services-"));
const log = () => undefined;
const fakes: FakeApiServer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const DUAL = [
  { name: "node-a", dualStack: true },
  { name: "node-b", dualStack: true },
];

async function open(options: FakeOptions, sweepText: string, kubernetes = "") {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20, ...options });
  fakes.push(fake);
  const kubeconfig = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
  const sweep = parseSweep(
    `backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\n${sweepText}\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  routing: {strategy: cilium-configmap, rolloutTimeoutSec: 10}\n${kubernetes}`,
    "k8s.yaml",
  );
  const opening = kubernetesBackend().open(sweep, log);
  const session = await opening.catch(() => null);
  if (session) closers.push(() => session.close());
  return { fake, sweep, session, opening };
}

/** The -H of the last measuring netperf the client pod ran. */
function lastTarget(fake: FakeApiServer): string | undefined {
  const argv = fake.execLog
    .filter((e) => e.command.includes("netperf") && e.command.includes("-l"))
    .at(-1)?.command;
  return argv?.[argv.indexOf("-H") + 1];
}

/** The data port (`-P ,port`) of the last netperf trial run in a pod. */
function lastDataPort(fake: FakeApiServer): string | undefined {
  const argv = fake.execLog
    .filter((e) => e.command.includes("netperf") && e.command.includes("-l"))
    .at(-1)?.command;
  return argv?.[argv.lastIndexOf("-P") + 1];
}

describe("a ClusterIP Service per netserver", () => {
  it("is created with the run, selects its pod, carries netperf's ports, and goes with the namespace", async () => {
    const { fake, sweep, session } = await open(
      {},
      "placements: [same-node, cross-node]\ndestinations: [pod, service]",
    );
    if (!session) throw new Error("the run did not open");
    const services = [...fake.services.values()];
    expect(services.map((s) => s.metadata.name).sort()).toEqual(["rb-server-cross", "rb-server-same"]);
    const same = services.find((s) => s.metadata.name === "rb-server-same");
    expect(same?.spec.type).toBe("ClusterIP");
    expect(same?.spec.selector["routebench.io/role"]).toBe("server-same");
    // control, 12866 for pod trials, and the 16 data ports Service trials take in turn
    expect(
      same?.spec.ports.map((p: { port: number; protocol: string }) => `${p.port}/${p.protocol}`),
    ).toEqual([
      "12865/TCP",
      "12866/TCP",
      "12866/UDP",
      ...Array.from({ length: 16 }, (_, i) => [`${12870 + i}/TCP`, `${12870 + i}/UDP`]).flat(),
    ]);
    // single-stack unless the sweep lists ipv6
    expect(same?.spec.ipFamilyPolicy).toBe("SingleStack");

    const trials = planSweep(sweep).filter((t) => t.mode === "legacy" && t.point.placement === "same-node");
    const service = trials.find((t) => t.point.destination === "service");
    const pod = trials.find((t) => t.point.destination !== "service");
    if (!service || !pod) throw new Error("no service or pod trial planned");
    await session.runTrial(service, new AbortController().signal);
    expect(lastTarget(fake)).toBe(same?.spec.clusterIP);
    expect(lastDataPort(fake)).toBe(",12870");
    await session.runTrial(pod, new AbortController().signal);
    const podIp = fake.testPods().find((p) => p.metadata.name === "rb-server-same")?.internal.ip;
    expect(lastTarget(fake)).toBe(podIp);
    expect(lastDataPort(fake)).toBe(",12866");
    // back-to-back Service trials take the Service's data ports in turn, never the last one's
    const ports: string[] = [];
    for (let i = 0; i < 17; i++) {
      await session.runTrial(service, new AbortController().signal);
      ports.push(lastDataPort(fake) as string);
    }
    expect(ports).toEqual([...Array.from({ length: 15 }, (_, i) => `,${12871 + i}`), ",12870", ",12871"]);

    await session.close();
    expect(fake.requests).toContain(`DELETE /api/v1/namespaces/${same?.metadata.namespace}`);
  });

  it("is deleted by the run's label in a namespace the sweep names, and not made for pod-only sweeps", async () => {
    const named = await open(
      {},
      "placements: [same-node]\ndestinations: [service]",
      "  namespace: default\n",
    );
    expect(named.fake.services.size).toBe(1);
    await named.session?.close();
    expect(named.fake.services.size).toBe(0);
    const podOnly = await open({}, "placements: [same-node]");
    expect(podOnly.fake.services.size).toBe(0);
  });

  it("data ports for multi-stream trials are on the Service too", async () => {
    const { fake } = await open({}, "placements: [same-node]\ndestinations: [service]\nstreams: [1, 2]");
    const ports = [...fake.services.values()][0]?.spec.ports.map((p: { port: number }) => p.port);
    // instance i of a multi-stream trial takes 12870 + i: within the 16 Service data ports
    expect(ports).toEqual([
      12865,
      12866,
      12866,
      ...Array.from({ length: 16 }, (_, i) => [12870 + i, 12870 + i]).flat(),
    ]);
  });
});

describe("the socket-LB evidence", () => {
  const report = (socketLB: "on" | "off" | "hostns-only", kpr = true) =>
    parseCiliumStatus(
      agentStatusText("BPF", { kubeProxyReplacement: kpr, socketLB, exitsOne: false, format: "new" }, true),
    );

  it("reads kube-proxy-replacement.features.socketLB and bpfSocketLBHostnsOnly from the JSON", () => {
    expect(report("on").socketLB).toBe("enabled");
    expect(report("hostns-only").socketLB).toBe("host-namespace-only");
    expect(report("off").socketLB).toBe("disabled");
    expect(report("on", false)).toMatchObject({ kubeProxyReplacement: "False", socketLB: "disabled" });
    // the text form does not say
    expect(parseCiliumStatus("KubeProxyReplacement:    True\nHost Routing: BPF\n").socketLB).toBeNull();
  });

  it("eBPF needs socket LB on every test node; legacy says when Cilium, not kube-proxy, translates", () => {
    const reading = (s: ReturnType<typeof report>) => ({ pod: "cilium-x", status: s, tail: "" });
    const ok = { "node-a": reading(report("on")), "node-b": reading(report("on")) };
    expect(serviceEvidence(ok, "ebpf", 0).refusal).toBeNull();
    const hostOnly = { ...ok, "node-b": reading(report("hostns-only")) };
    expect(serviceEvidence(hostOnly, "ebpf", 0).refusal).toMatch(
      /node-b: KubeProxyReplacement: True, socket LB: host-namespace-only/,
    );
    expect(serviceEvidence(ok, "legacy", 0).detail).toMatch(/do not take kube-proxy's iptables path/);
    const kubeProxy = { "node-a": reading(report("off", false)) };
    expect(serviceEvidence(kubeProxy, "legacy", 2).detail).toMatch(/Services: kube-proxy \(2 kube-proxy pod/);
  });

  it("refuses eBPF for a service sweep where the agents run without socket LB, and records it where they do", async () => {
    const { fake, session } = await open({}, "placements: [same-node]\ndestinations: [pod, service]");
    if (!session) throw new Error("the run did not open");
    const ebpf = await session.useMode("ebpf");
    expect(ebpf.detail).toMatch(/socket LB on every test node/);
    expect(Object.values(ebpf.nodes)[0]).toMatch(/socket LB: enabled/);
    fake.faults.socketLB = "off";
    await session.useMode("legacy");
    await expect(session.useMode("ebpf")).rejects.toThrow(
      /needs Cilium's kube-proxy replacement with socket LB/,
    );
  });
});

describe("IPv6", () => {
  it("on a dual-stack cluster ipv6 trials use the pods' IPv6 addresses and the Service's IPv6 ClusterIP", async () => {
    const { fake, sweep, session } = await open(
      { nodes: DUAL },
      "placements: [cross-node]\ndestinations: [pod, service]\nipFamilies: [ipv4, ipv6]",
    );
    if (!session) throw new Error("the run did not open");
    const svc = [...fake.services.values()][0];
    expect(svc?.spec.ipFamilyPolicy).toBe("PreferDualStack");
    const v6 = planSweep(sweep).filter((t) => t.mode === "legacy" && t.point.ipFamily === "ipv6");
    const toPod = v6.find((t) => t.point.destination !== "service");
    const toService = v6.find((t) => t.point.destination === "service");
    if (!toPod || !toService) throw new Error("no ipv6 trials planned");
    await session.runTrial(toPod, new AbortController().signal);
    expect(lastTarget(fake)).toMatch(/^fd00:10:244:2::/);
    await session.runTrial(toService, new AbortController().signal);
    expect(lastTarget(fake)).toBe(svc?.spec.clusterIPs[1]);
    expect(lastTarget(fake)).toMatch(/^fd00:10:96::/);
  });

  it("is refused on a single-stack cluster before any trial, and the run's objects are removed", async () => {
    const { fake, opening } = await open({}, "placements: [same-node]\nipFamilies: [ipv4, ipv6]");
    await expect(opening).rejects.toThrow(/not dual-stack: client has no ipv6 address \(198\.19\./);
    expect(fake.execLog.filter((e) => e.command.includes("netperf"))).toEqual([]);
    expect(fake.namespaces.size).toBe(2);
  });
});

describe("routebench k8s check", () => {
  const rows = async (options: FakeOptions, families: string) => {
    const { sweep } = await open(options, `placements: [same-node]\nipFamilies: [${families}]`);
    const checks = await runChecks(sweep, loadKubeConfig(sweep.kubernetes), log);
    return checks.find((c) => c.id === "ipfamilies");
  };
  it("has a dual-stack row for ipv6 sweeps: pass on dual-stack nodes, fail on single-stack ones, skip for IPv4", async () => {
    expect((await rows({ nodes: DUAL }, "ipv4, ipv6"))?.status).toBe("pass");
    const single = await rows({ nodes: DUAL.map((n) => ({ name: n.name })) }, "ipv6");
    // the fake's single-stack nodes have no podCIDRs: it cannot tell, and says the run checks the pods
    expect(single?.status).toBe("warn");
    expect((await rows({}, "ipv4"))?.status).toBe("skip");
    const v4only = { metadata: { name: "a" }, spec: { podCIDRs: ["10.244.1.0/24"] } };
    const failed = ipFamiliesCheck({ ipFamilies: ["ipv6"] }, [v4only], [{ name: "a" } as NodeFacts]);
    expect(failed.status).toBe("fail");
    expect(failed.detail).toBe("single-stack: a has pod CIDRs 10.244.1.0/24 only");
  });
});
