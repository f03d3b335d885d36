/**
 * The routing strategies table, row by row, against the test API server in simulated mode (no
 * lab, no namespaces; the command strategy's commands only append a word to a file): what each
 * row changes on the cluster to reach a mode, what it verifies in the agents, what it undoes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RESTORE_ANNOTATION } from "../../../harness/backends/kubernetes/cilium-config.js";
import { type Cluster, connect } from "../../../harness/backends/kubernetes/connect.js";
import { loadKubeConfig } from "../../../harness/backends/kubernetes/kubeconfig.js";
import { verifyMode } from "../../../harness/backends/kubernetes/mode-evidence.js";
import { closeNamespace } from "../../../harness/backends/kubernetes/pods.js";
import {
  initialSwitchState,
  STRATEGIES,
  type SwitchContext,
} from "../../../harness/backends/kubernetes/strategies.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { FakeApiServer, kubeconfigFor } from "../../k8s/fake-apiserver.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-strategies-"));
const log = () => undefined;
const opened: { fake: FakeApiServer; cluster: Cluster }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const { fake, cluster } of opened.splice(0)) {
    await closeNamespace(cluster, log);
    await fake.stop();
  }
});

/** A fake cluster in simulated mode and a connected Cluster with the sweep's routing options. */
async function open(routing: string) {
  const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 20 });
  const kubeconfig = join(dir, `kubeconfig-${opened.length}-${Date.now()}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
  const sweep = parseSweep(
    `backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  routing: ${routing}\n`,
    "k8s.yaml",
  );
  const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
  opened.push({ fake, cluster });
  const context: SwitchContext = {
    cluster,
    routing: sweep.kubernetes.routing,
    state: initialSwitchState(),
    log,
  };
  return { fake, cluster, context, sweep };
}

/** The requests since `from` that change something (access reviews only ask). */
const writesSince = (fake: FakeApiServer, from: number) =>
  fake.requests
    .slice(from)
    .filter((r) => /^(PATCH|POST|PUT|DELETE) /.test(r) && !r.includes("selfsubjectaccessreviews"));

describe("the cilium-configmap row", () => {
  it("patches enable-host-legacy-routing with its restore marker, restarts ds/cilium and the pods; verifies BPF; undoes from the marker", async () => {
    const { fake, cluster, context } = await open("{strategy: cilium-configmap, rolloutTimeoutSec: 10}");
    const row = STRATEGIES["cilium-configmap"];
    expect(row.kubeContexts(context.routing, ["legacy", "ebpf"])).toEqual([]);
    const before = fake.requests.length;
    const switched = await row.apply(context, "ebpf");
    const made = fake.requests.slice(before);
    expect(made).toContain("PATCH /api/v1/namespaces/kube-system/configmaps/cilium-config");
    expect(made).toContain("PATCH /apis/apps/v1/namespaces/kube-system/daemonsets/cilium");
    expect(made.some((r) => r.startsWith(`DELETE /api/v1/namespaces/${cluster.namespace}/pods`))).toBe(true);
    expect(fake.configMap.data["enable-host-legacy-routing"]).toBe("false");
    expect(JSON.parse(fake.configMap.metadata.annotations[RESTORE_ANNOTATION]).value).toBe("true");
    expect(context.state).toMatchObject({ switched: true, written: "false" });
    expect(switched).not.toBe(cluster); // new pods: a new value, the old one untouched
    expect(cluster.podIps.size).toBe(switched.podIps.size);
    const evidence = await verifyMode(switched, "ebpf", row, "t");
    expect(evidence).toMatchObject({ ok: true, verified: true, nodes: { "node-a": "Host Routing: BPF" } });

    const again = fake.requests.length;
    expect(await row.apply({ ...context, cluster: switched }, "ebpf")).toBe(switched); // already so
    expect(writesSince(fake, again)).toEqual([]);

    await row.undo({ ...context, cluster: switched });
    expect(fake.configMap.data["enable-host-legacy-routing"]).toBe("true");
    expect(fake.configMap.metadata.annotations[RESTORE_ANNOTATION]).toBeUndefined();
  });
});

describe("the cilium-configmap row when the agents do not restart in time", () => {
  it("counts as switched from the write on, so the run's close restores the key", async () => {
    vi.useFakeTimers({ toFake: ["Date"] }); // the 1 s rollout deadline passes on the clock the waits move
    const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20, rolloutDelayMs: 5000 });
    const kubeconfig = join(dir, `kubeconfig-slow-${Date.now()}`);
    writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
    const sweep = parseSweep(
      `backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  routing: {strategy: cilium-configmap, rolloutTimeoutSec: 1}\n`,
      "k8s.yaml",
    );
    const cluster = await connect(loadKubeConfig(sweep.kubernetes), sweep, "r1", log);
    opened.push({ fake, cluster });
    const context: SwitchContext = {
      cluster,
      routing: sweep.kubernetes.routing,
      state: initialSwitchState(),
      log,
    };
    const row = STRATEGIES["cilium-configmap"];
    await expect(row.apply(context, "ebpf")).rejects.toThrow(/did not finish restarting within 1 s/);
    expect(context.state).toMatchObject({ switched: true, written: "false" });
    expect(fake.configMap.data["enable-host-legacy-routing"]).toBe("false");
  }, 15_000);
});

describe("the command row", () => {
  it("runs the mode's command, waits for the agents, restarts the pods; at the end runs the original mode's command", async () => {
    vi.useFakeTimers({ toFake: ["Date"] }); // the agents' 1 s restart deadline passes on the clock the waits move
    const file = join(dir, `commands-${Date.now()}`);
    writeFileSync(file, "");
    const { fake, cluster, context } = await open(
      `{strategy: command, rolloutTimeoutSec: 1, commands: {legacy: [sh, -c, "echo legacy >> ${file}"], ebpf: [sh, -c, "echo ebpf >> ${file}"]}}`,
    );
    const row = STRATEGIES.command;
    expect(row.kubeContexts(context.routing, ["legacy", "ebpf"])).toEqual([]);
    const switched = await row.apply(context, "ebpf");
    expect(readFileSync(file, "utf8")).toBe("ebpf\n");
    expect(context.state).toMatchObject({ switched: true, originalMode: "legacy" }); // read before the command
    expect(switched).not.toBe(cluster);
    // the agents still report Legacy: the row refuses to measure eBPF
    await expect(verifyMode(switched, "ebpf", row, "t")).rejects.toThrow(
      /refusing to measure ebpf: the Cilium agents report node-a: Host Routing: Legacy/,
    );
    fake.simulatedMode = "ebpf"; // the command took effect
    expect(await verifyMode(switched, "ebpf", row, "t")).toMatchObject({ ok: true, verified: true });
    expect(fake.configMap.data["enable-host-legacy-routing"]).toBe("true"); // cilium-config is not its business

    context.state.lastMode = "ebpf";
    await row.undo({ ...context, cluster: switched });
    expect(readFileSync(file, "utf8")).toBe("ebpf\nlegacy\n");
  });

  it("refuses a mode without a command, naming the sweep key", async () => {
    const { context } = await open('{strategy: command, commands: {legacy: ["true"]}}');
    await expect(STRATEGIES.command.apply(context, "ebpf")).rejects.toThrow(
      /kubernetes\.routing\.commands\.ebpf is not set/,
    );
  });
});

describe("the contexts and none rows", () => {
  it("contexts: one kube context per switched mode, a missing one refused; nothing is changed", async () => {
    const row = STRATEGIES.contexts;
    const routing = { contexts: { legacy: "l", ebpf: "e" } } as SwitchContext["routing"];
    expect(row.kubeContexts(routing, ["legacy", "host", "ebpf"])).toEqual([
      { mode: "legacy", context: "l" },
      { mode: "ebpf", context: "e" },
    ]);
    expect(() =>
      row.kubeContexts({ contexts: { legacy: "l" } } as SwitchContext["routing"], ["legacy", "ebpf"]),
    ).toThrow(/kubernetes\.routing\.contexts\.ebpf is not set/);
    const { fake, cluster, context } = await open("{strategy: contexts, contexts: {legacy: fake}}");
    const before = fake.requests.length;
    expect(await row.apply(context, "legacy")).toBe(cluster);
    await row.undo(context);
    expect(writesSince(fake, before)).toEqual([]);
    expect(context.state.switched).toBe(false);
  });

  it("none: nothing is changed; a cluster in the other mode is refused as not in that mode", async () => {
    const row = STRATEGIES.none;
    const { fake, cluster, context } = await open("{strategy: none}");
    expect(row.kubeContexts(context.routing, ["legacy", "ebpf"])).toEqual([]);
    const before = fake.requests.length;
    expect(await row.apply(context, "ebpf")).toBe(cluster);
    expect(writesSince(fake, before)).toEqual([]);
    await expect(verifyMode(cluster, "ebpf", row, "t")).rejects.toThrow(
      /the cluster is not in ebpf mode \(node-a: Host Routing: Legacy; node-b: Host Routing: Legacy\); with routing\.strategy none/,
    );
    expect(await verifyMode(cluster, "legacy", row, "t")).toMatchObject({ ok: true, verified: true });
  });
});

describe("every row without a Cilium agent to read", () => {
  it("cilium-configmap refuses; command and contexts record the mode as set, none as assumed, NOT verified", async () => {
    const { cluster } = await open("{strategy: none, ciliumNamespace: no-cilium-here}");
    await expect(verifyMode(cluster, "ebpf", STRATEGIES["cilium-configmap"], "t")).rejects.toThrow(
      /no Cilium agents found to verify the switch/,
    );
    for (const [name, word] of [
      ["command", "set"],
      ["contexts", "set"],
      ["none", "assumed"],
    ] as const)
      expect(await verifyMode(cluster, "ebpf", STRATEGIES[name], "t")).toEqual({
        mode: "ebpf",
        at: "t",
        nodes: {},
        ok: true,
        verified: false,
        detail: `no Cilium agent found: mode ebpf is as ${word}, not verified`,
      });
  });
});
