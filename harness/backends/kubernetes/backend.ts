/**
 * The Kubernetes backend: the same sweep on a real cluster through @kubernetes/client-node.
 * netserver and client pods same-node and cross-node, the routing mode switched by a
 * strategy and verified in the Cilium agents, netperf through pods/exec, everything it made
 * removed at the end (success, failure or Ctrl-C).
 */

import { setTimeout as sleep } from "node:timers/promises";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  VersionApi,
} from "@kubernetes/client-node";
import { type CpuPlacement, cpuPlacementWithoutPinning } from "../../machine/cpu-placement.js";
import { noiseSample, parseProcStat, worstNoise } from "../../machine/noise.js";
import { parseNetperfVersion } from "../../netperf/parse.js";
import type { ModeEvidence, NoiseSample, SystemUnderTest } from "../../results/schema.js";
import type { Trial } from "../../sweep/plan.js";
import type { KubernetesOptions, Sweep } from "../../sweep/schema.js";
import { EnvironmentError, tailLines, UsageError } from "../../util/errors.js";
import { processRunner, runChecked } from "../../util/runner.js";
import { type Mode, NETSERVER_DATA_PORT, NETSERVER_PORT } from "../../vocabulary/vocabulary.js";
import { type Backend, type BackendSession, TRIAL_TIMEOUT_MARGIN_SEC, trialNetperfArgv } from "../backend.js";
import { api } from "./api.js";
import {
  CILIUM_CONFIG,
  CILIUM_DAEMONSET,
  LEGACY_KEY,
  nodeConfigOverrides,
  type RestoreMarker,
  readRestoreMarker,
  restorePatch,
  switchPatch,
} from "./cilium.js";
import { execInPod } from "./exec.js";
import {
  type PodPlan,
  type PodRole,
  podPlans,
  podSecurityLevel,
  RUN_LABEL,
  renderNamespace,
  renderPod,
} from "./manifests.js";
import {
  backoffDelayMs,
  type CiliumAgentStatus,
  chooseAgentPod,
  chooseNodes,
  type HostRouting,
  hostRoutingFallbacks,
  hostRoutingFor,
  type NodeFacts,
  parseCiliumStatus,
  podProblem,
} from "./pure.js";

const CILIUM_KEYS = [
  LEGACY_KEY,
  "kube-proxy-replacement",
  "enable-bpf-masquerade",
  "enable-ipv4-masquerade",
  "routing-mode",
  "tunnel-protocol",
  "bpf-lb-sock",
];
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export function makeKubeRunId(date = new Date()): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(2, 14)}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, "0")}`;
}

/** One agent's status as read through pods/exec, with the tail of its output for error messages. */
export interface AgentReading {
  pod: string | null;
  status: CiliumAgentStatus;
  tail: string;
}

/** One cluster (one kube context) with the test pods of this run. */
export class Cluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly exec: Exec;
  namespace = "";
  createdNamespace = false;
  nodes: [NodeFacts, NodeFacts] | null = null;
  readonly podIps = new Map<PodRole, string>();
  plans: PodPlan[] = [];
  facts: Record<string, unknown> = {};
  /** The value this run last wrote to cilium-config, to notice anyone (GitOps) changing it back mid-run. */
  private written: string | null = null;

  constructor(
    readonly context: string,
    readonly kc: KubeConfig,
    private readonly options: KubernetesOptions,
    private readonly runId: string,
    private readonly log: (message: string) => void,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.exec = new Exec(kc);
  }

  private get ciliumNamespace(): string {
    return this.options.routing.ciliumNamespace;
  }

  async connect(sweep: Sweep): Promise<void> {
    const version = await api("reading the Kubernetes version", () =>
      this.kc.makeApiClient(VersionApi).getCode(),
    );
    const nodeList = await api("listing nodes", () => this.core.listNode());
    this.nodes = chooseNodes(nodeList.items, this.options.nodes);
    const withHost = sweep.modes.includes("host");
    this.plans = podPlans([this.nodes[0].name, this.nodes[1].name], sweep.placements, withHost);
    await this.openNamespace();
    this.facts = {
      context: this.context,
      kubernetesVersion: version.gitVersion,
      namespace: this.namespace,
      nodes: this.nodes.map((n) => ({
        name: n.name,
        kernel: n.kernel,
        osImage: n.osImage,
        instanceType: n.instanceType,
        zone: n.zone,
        cpuCount: n.cpuCount,
      })),
      cilium: await this.ciliumFacts(),
    };
    await this.createPods();
  }

  /** The sweep's namespace, or a new one labelled with the Pod Security level this run's pods need. */
  async openNamespace(): Promise<void> {
    if (this.options.namespace) {
      this.namespace = this.options.namespace;
      await api(`reading namespace ${this.namespace}`, () =>
        this.core.readNamespace({ name: this.namespace }),
      );
    } else {
      this.namespace = `rb-${this.runId}`;
      const body = renderNamespace(this.namespace, this.runId, podSecurityLevel(this.plans));
      await api(`creating namespace ${this.namespace}`, () => this.core.createNamespace({ body }));
      this.createdNamespace = true;
    }
  }

  private async ciliumFacts(): Promise<Record<string, unknown> | null> {
    const ns = this.ciliumNamespace;
    try {
      const ds = await this.apps.readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: ns });
      const image = ds.spec?.template.spec?.containers[0]?.image ?? "";
      const config = await this.core
        .readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ns })
        .catch(() => null);
      return {
        version: /:(v?[\w.-]+)/.exec(image.split("@")[0] ?? "")?.[1] ?? image,
        config: Object.fromEntries(CILIUM_KEYS.map((k) => [k, config?.data?.[k] ?? null])),
      };
    } catch {
      return null; // no Cilium: nothing to record or verify
    }
  }

  async createPods(): Promise<void> {
    for (const plan of this.plans) {
      const body = renderPod(plan, this.options, this.namespace, this.runId);
      await api(`creating pod ${plan.name} in ${this.namespace}`, () =>
        this.core.createNamespacedPod({ namespace: this.namespace, body }),
      );
    }
    for (const plan of this.plans) this.podIps.set(plan.role, await this.waitReady(plan.name));
  }

  async recreatePods(): Promise<void> {
    await this.deletePods();
    this.podIps.clear();
    await this.createPods();
  }

  private async deletePods(): Promise<void> {
    const selector = { namespace: this.namespace, labelSelector: `${RUN_LABEL}=${this.runId}` };
    await api("deleting the test pods", () =>
      this.core.deleteCollectionNamespacedPod({ ...selector, gracePeriodSeconds: 0 }),
    );
    const deadline = Date.now() + this.options.readyTimeoutSec * 1000;
    for (let look = 0; Date.now() < deadline; look++) {
      const left = await api("listing the test pods", () => this.core.listNamespacedPod(selector));
      if (left.items.length === 0) return;
      await sleep(backoffDelayMs(look));
    }
  }

  /** Waits until the pod is Running and Ready; says why in the user's terms when it will not be. */
  private async waitReady(name: string): Promise<string> {
    const deadline = Date.now() + this.options.readyTimeoutSec * 1000;
    let pod: V1Pod | undefined;
    for (let look = 0; Date.now() < deadline; look++) {
      pod = await api(`reading pod ${name}`, () =>
        this.core.readNamespacedPod({ name, namespace: this.namespace }),
      );
      const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (pod.status?.phase === "Running" && ready && pod.status.podIP) return pod.status.podIP;
      const problem = podProblem(pod, await this.events(pod), await this.logTail(pod));
      if (problem)
        throw new EnvironmentError(
          problem,
          "`kubectl describe pod` in the test namespace shows more; fix the image, tolerations or resources in the sweep",
        );
      await sleep(backoffDelayMs(look));
    }
    throw new EnvironmentError(
      `pod ${name} was not ready within ${this.options.readyTimeoutSec} s (phase ${pod?.status?.phase ?? "unknown"})`,
      "raise kubernetes.readyTimeoutSec, or check the nodes",
    );
  }

  /** The pod's events, read only when a container waits on its image (the one case podProblem quotes them). */
  private async events(pod: V1Pod) {
    const pulling = pod.status?.containerStatuses?.some((s) =>
      /Image|Pull/.test(s.state?.waiting?.reason ?? ""),
    );
    if (!pulling) return [];
    try {
      return (
        await this.core.listNamespacedEvent({
          namespace: this.namespace,
          fieldSelector: `involvedObject.name=${pod.metadata?.name}`,
        })
      ).items;
    } catch {
      return [];
    }
  }

  private async logTail(pod: V1Pod): Promise<string> {
    const crashed = pod.status?.containerStatuses?.some(
      (s) => s.state?.waiting?.reason === "CrashLoopBackOff" || s.state?.terminated,
    );
    if (!crashed) return "";
    try {
      const log = await this.core.readNamespacedPodLog({
        name: pod.metadata?.name ?? "",
        namespace: this.namespace,
        tailLines: 10,
      });
      return tailLines(String(log), 10);
    } catch {
      return "";
    }
  }

  /** Runs a command in one of this run's pods (by role), as a ProcessResult. */
  execIn(role: PodRole, argv: string[], timeoutMs = 30_000) {
    const plan = this.plans.find((p) => p.role === role);
    if (!plan) throw new EnvironmentError(`no ${role} pod in this run`);
    return execInPod(
      this.exec,
      { namespace: this.namespace, pod: plan.name, container: plan.netserver ? "netserver" : "netperf" },
      argv,
      { timeoutMs },
    );
  }

  /**
   * `cilium-dbg status -o json` in the agent of each test node (never a Terminating one). The
   * output is read whatever the exit code: the agent exits 1 with a full report when not fully Ok.
   */
  async agentStatus(): Promise<Record<string, AgentReading> | null> {
    const ns = this.ciliumNamespace;
    const agents = await api(`listing the Cilium agents in ${ns}`, () =>
      this.core.listNamespacedPod({ namespace: ns, labelSelector: "k8s-app=cilium" }),
    ).catch(() => null);
    if (!agents || agents.items.length === 0) return null;
    const result: Record<string, AgentReading> = {};
    for (const node of this.nodes ?? []) {
      const agent = chooseAgentPod(agents.items, node.name);
      const name = agent?.metadata?.name;
      if (!name) {
        result[node.name] = {
          pod: null,
          status: parseCiliumStatus(""),
          tail: "no running Cilium agent on this node",
        };
        continue;
      }
      const target = { namespace: ns, pod: name, container: "cilium-agent" };
      let out = await execInPod(this.exec, target, ["cilium-dbg", "status", "-o", "json"], {
        timeoutMs: 30_000,
      });
      let status = parseCiliumStatus(out.stdout);
      if (!status.hostRouting) {
        // an agent whose cilium-dbg predates -o json: its text report has the same line
        out = await execInPod(this.exec, target, ["cilium-dbg", "status"], { timeoutMs: 30_000 });
        status = parseCiliumStatus(out.stdout);
      }
      result[node.name] = { pod: name, status, tail: tailLines(out.stdout + out.stderr, 3) };
    }
    return result;
  }

  /** Waits until every test node's agent reports `wanted` (a rollout, or an AKS update, takes a while). */
  async waitForHostRouting(
    wanted: HostRouting,
    timeoutSec: number,
  ): Promise<Record<string, AgentReading> | null> {
    const deadline = Date.now() + timeoutSec * 1000;
    let readings = await this.agentStatus();
    for (let look = 0; readings && Date.now() < deadline; look++) {
      if (Object.values(readings).every((r) => r.status.hostRouting === wanted)) return readings;
      await sleep(Math.min(backoffDelayMs(look) * 4, 30_000));
      readings = await this.agentStatus();
    }
    return readings;
  }

  /** CiliumNodeConfig objects that override enable-host-legacy-routing on a test node (they win over the ConfigMap). */
  async nodeConfigOverrides() {
    try {
      const list = (await this.custom.listNamespacedCustomObject({
        group: "cilium.io",
        version: "v2",
        namespace: this.ciliumNamespace,
        plural: "ciliumnodeconfigs",
      })) as { items?: object[] };
      return nodeConfigOverrides(list.items ?? [], this.nodes ?? []);
    } catch {
      return []; // no such CRD (older Cilium) or not allowed to list: nothing overrides
    }
  }

  private async readConfig() {
    const ns = this.ciliumNamespace;
    return api(`reading ${ns}/${CILIUM_CONFIG}`, () =>
      this.core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ns }),
    );
  }

  /**
   * Sets enable-host-legacy-routing and restarts the agents. The first change also writes the
   * restore marker (same patch). Refuses when a CiliumNodeConfig overrides the key on a test
   * node, and when the value was changed by someone else since this run wrote it.
   */
  async setCiliumLegacyRouting(value: string): Promise<boolean> {
    const ns = this.ciliumNamespace;
    const config = await this.readConfig();
    const current = config.data?.[LEGACY_KEY];
    if (this.written !== null && current !== this.written)
      throw new EnvironmentError(
        `${ns}/${CILIUM_CONFIG} ${LEGACY_KEY} is ${current ?? "absent"}, but this run set it to ${this.written}: something else (GitOps, Helm, an operator) changed it mid-run`,
        "pause the reconciler (e.g. suspend the Flux/Argo application) for the run's duration",
      );
    const overrides = await this.nodeConfigOverrides();
    if (overrides.length > 0)
      throw new EnvironmentError(
        `CiliumNodeConfig ${overrides.map((o) => `${o.config} sets ${LEGACY_KEY}=${o.value} on ${o.node}`).join("; ")}: it overrides ${CILIUM_CONFIG}, so the switch would not reach that node`,
        "remove the key from the CiliumNodeConfig for the run, or use routing.strategy none and measure the mode the nodes are in",
      );
    if (current === value) return false;
    const body = switchPatch(config, value, this.runId, new Date().toISOString());
    await api(`patching ${ns}/${CILIUM_CONFIG}`, () =>
      this.core.patchNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ns, body }, MERGE),
    );
    this.written = value;
    await restartAgents(this.apps, ns);
    await this.waitRollout();
    return true;
  }

  /** Puts back what the restore marker says, if this cluster carries one. Returns it, or null. */
  async restoreCiliumConfig(): Promise<RestoreMarker | null> {
    const restored = await restoreFromMarker(this.core, this.apps, this.ciliumNamespace);
    if (restored) {
      this.written = null;
      await this.waitRollout();
    }
    return restored;
  }

  private async waitRollout(): Promise<void> {
    const ns = this.ciliumNamespace;
    const deadline = Date.now() + this.options.routing.rolloutTimeoutSec * 1000;
    for (let look = 0; Date.now() < deadline; look++) {
      const ds = await api(`reading ${ns}/ds/${CILIUM_DAEMONSET}`, () =>
        this.apps.readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: ns }),
      );
      const s = ds.status;
      const desired = s?.desiredNumberScheduled ?? 0;
      if (
        (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
        s?.updatedNumberScheduled === desired &&
        s?.numberAvailable === desired
      ) {
        return;
      }
      await sleep(backoffDelayMs(look));
    }
    throw new EnvironmentError(
      `the Cilium agents did not finish restarting within ${this.options.routing.rolloutTimeoutSec} s`,
      await this.stallHint(),
    );
  }

  /** Why agents may stay un-Ready: AKS's iptables monitor holds them while foreign host iptables rules exist. */
  async stallHint(): Promise<string> {
    const nodes = await api("listing nodes", () => this.core.listNode()).catch(() => null);
    const held = (nodes?.items ?? [])
      .filter((n) => n.spec?.taints?.some((t) => t.key === "node.cilium.io/agent-not-ready"))
      .map((n) => n.metadata?.name);
    return held.length > 0
      ? `nodes ${held.join(", ")} carry the node.cilium.io/agent-not-ready taint: their agents are not Ready. On AKS with eBPF host routing, iptables rules in the host network namespace that AKS did not install keep them so; remove those rules (kubectl logs the agent for the rule) or switch back`
      : "kubectl -n kube-system get pods -l k8s-app=cilium shows which agents are not Ready, and their logs why";
  }

  /** Kernel, OS, CPU and netperf of the test nodes, read from the node objects and inside the client pod. */
  async systemUnderTest(): Promise<SystemUnderTest> {
    const [a, b] = this.nodes ?? [];
    const both = (f: (n: NodeFacts) => string | number | null) =>
      a && b && f(a) !== f(b) ? `${a.name}: ${f(a)}, ${b.name}: ${f(b)}` : String(a ? f(a) : "unknown");
    const netperf = await this.execIn("client", ["netperf", "-V"]);
    const cpuinfo = await this.execIn("client", ["cat", "/proc/cpuinfo"]);
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo.stdout)?.[1]?.trim() ?? "unknown CPU";
    return {
      kernel: both((n) => n.kernel),
      os: both((n) => n.osImage),
      cpuModel: `${model}${a?.instanceType ? ` (${both((n) => n.instanceType)})` : ""}`,
      cpuCount: Math.min(a?.cpuCount ?? 0, b?.cpuCount ?? a?.cpuCount ?? 0),
      memoryGiB: Math.min(a?.memoryGiB ?? 0, b?.memoryGiB ?? a?.memoryGiB ?? 0),
      netperfVersion: parseNetperfVersion(netperf.stdout),
    };
  }

  /** /proc/stat and /proc/loadavg of the node a pod runs on (neither is namespaced), or null. */
  async readNodeCpu(role: PodRole): Promise<{ stat: string; loadavg: string } | null> {
    const out = await this.execIn(role, ["cat", "/proc/stat", "/proc/loadavg"], 10_000);
    if (out.exitCode !== 0) return null;
    const lines = out.stdout.trimEnd().split("\n");
    return { stat: lines.slice(0, -1).join("\n"), loadavg: lines.at(-1) ?? "" };
  }

  cpuCountOf(role: PodRole): number {
    const node = this.plans.find((p) => p.role === role)?.node;
    return this.nodes?.find((n) => n.name === node)?.cpuCount ?? 1;
  }

  async cleanup(): Promise<void> {
    if (!this.namespace) return;
    if (this.createdNamespace) {
      await api(`deleting namespace ${this.namespace}`, () =>
        this.core.deleteNamespace({ name: this.namespace }),
      ).catch((e) => this.log(`cleanup: ${e.message}`));
    } else {
      await this.deletePods().catch((e) => this.log(`cleanup: ${e.message}`));
    }
  }
}

/** kubectl rollout restart: a new pod-template annotation. */
async function restartAgents(apps: AppsV1Api, namespace: string): Promise<void> {
  await api(`restarting ${namespace}/ds/${CILIUM_DAEMONSET}`, () =>
    apps.patchNamespacedDaemonSet(
      {
        name: CILIUM_DAEMONSET,
        namespace,
        body: {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } },
            },
          },
        },
      },
      MERGE,
    ),
  );
}

/**
 * Undoes a run's cilium-config change from the marker it left (also after a kill): the original
 * value back, or the key removed where there was none; the marker removed; the agents restarted.
 */
export async function restoreFromMarker(
  core: CoreV1Api,
  apps: AppsV1Api,
  namespace: string,
): Promise<RestoreMarker | null> {
  const config = await api(`reading ${namespace}/${CILIUM_CONFIG}`, () =>
    core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace }),
  );
  const marker = readRestoreMarker(config);
  if (!marker) return null;
  await api(`restoring ${namespace}/${CILIUM_CONFIG}`, () =>
    core.patchNamespacedConfigMap({ name: CILIUM_CONFIG, namespace, body: restorePatch(marker) }, MERGE),
  );
  if ((config.data?.[LEGACY_KEY] ?? null) !== marker.value) await restartAgents(apps, namespace);
  return marker;
}

function describeReadings(readings: Record<string, AgentReading>): string {
  return Object.entries(readings)
    .map(
      ([node, r]) =>
        `${node}: ${r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable (${r.tail})`}`,
    )
    .join("; ");
}

class KubernetesSession implements BackendSession {
  readonly name = "kubernetes";
  private closed = false;
  private switched = false;
  /** Pinned only when the sweep names CPUs: the pods' CPUs belong to the cluster's nodes. */
  readonly cpuPlacement: CpuPlacement;
  /** command strategy: the mode the cluster was in before the first switch, to switch back at the end. */
  private originalMode: "legacy" | "ebpf" | null = null;
  private lastMode: Mode | null = null;

  constructor(
    private readonly sweep: Sweep,
    private readonly clusters: Map<Mode | "any", Cluster>,
    private readonly log: (message: string) => void,
  ) {
    this.cpuPlacement = cpuPlacementWithoutPinning(sweep.cpu);
  }

  private clusterFor(mode: Mode): Cluster {
    const cluster = this.clusters.get(mode) ?? this.clusters.get("any") ?? [...this.clusters.values()][0];
    if (!cluster) throw new Error("no cluster");
    return cluster;
  }

  topology(): Record<string, unknown> {
    return {
      kind: "kubernetes",
      strategy: this.sweep.kubernetes.routing.strategy,
      clusters: Object.fromEntries([...this.clusters].map(([mode, c]) => [mode, c.facts])),
    };
  }

  systemUnderTest(): Promise<SystemUnderTest> {
    const cluster = this.clusters.get("any") ?? [...this.clusters.values()][0];
    if (!cluster) throw new Error("no cluster");
    return cluster.systemUnderTest();
  }

  async useMode(mode: Mode): Promise<ModeEvidence> {
    const at = new Date().toISOString();
    if (mode === "host") {
      return { mode, at, nodes: {}, ok: true, detail: "node-to-node baseline: host-network netperf pods" };
    }
    const cluster = this.clusterFor(mode);
    const { strategy, commands, rolloutTimeoutSec } = this.sweep.kubernetes.routing;
    const wanted = hostRoutingFor(mode);
    if (strategy === "cilium-configmap") {
      this.log(`setting ${LEGACY_KEY}=${mode === "legacy"} and restarting the Cilium agents`);
      if (await cluster.setCiliumLegacyRouting(String(mode === "legacy"))) {
        this.switched = true;
        await cluster.recreatePods(); // host routing applies to endpoints created after the restart
      }
    } else if (strategy === "command") {
      const argv = commands[mode];
      if (!argv)
        throw new UsageError(
          `kubernetes.routing.commands.${mode} is not set: the command strategy needs a command per mode`,
        );
      if (this.originalMode === null) {
        const before = await cluster.agentStatus();
        const modes = new Set(Object.values(before ?? {}).map((r) => r.status.hostRouting));
        if (modes.size === 1 && modes.has("BPF")) this.originalMode = "ebpf";
        if (modes.size === 1 && modes.has("Legacy")) this.originalMode = "legacy";
      }
      this.log(`running ${argv.join(" ")}`);
      await runChecked(processRunner, argv, { timeoutMs: rolloutTimeoutSec * 1000 });
      this.switched = true;
      // the command returns before every agent has restarted: wait for them to report the mode
      await cluster.waitForHostRouting(wanted, rolloutTimeoutSec);
      await cluster.recreatePods();
    }
    this.lastMode = mode;
    const readings = await cluster.agentStatus();
    if (!readings) {
      if (strategy === "cilium-configmap")
        throw new EnvironmentError("no Cilium agents found to verify the switch");
      return {
        mode,
        at,
        nodes: {},
        ok: true,
        verified: false,
        detail: `no Cilium agent found: mode ${mode} is as ${strategy === "none" ? "assumed" : "set"}, not verified`,
      };
    }
    const lines = Object.fromEntries(
      Object.entries(readings).map(([node, r]) => [
        node,
        r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable: ${r.tail}`,
      ]),
    );
    const ok = Object.values(readings).every((r) => r.status.hostRouting === wanted);
    if (!ok) {
      const seen = describeReadings(readings);
      const causes = [...new Set(Object.values(readings).flatMap((r) => hostRoutingFallbacks(r.status)))];
      throw new EnvironmentError(
        strategy === "none"
          ? `the cluster is not in ${mode} mode (${seen}); with routing.strategy none routebench measures the mode the cluster is in: list only that mode`
          : `refusing to measure ${mode}: the Cilium agents report ${seen}.${
              wanted === "BPF"
                ? ` Cilium falls back to legacy host routing when BPF host routing cannot work${causes.length ? `; here: ${causes.join("; ")}` : " (no kube-proxy replacement, iptables masquerading, NodePort off)"}`
                : ""
            }`,
        wanted === "BPF" && causes.length === 0
          ? await cluster.stallHint()
          : "`routebench k8s check` shows each precondition",
      );
    }
    return {
      mode,
      at,
      nodes: lines,
      ok,
      verified: true,
      detail: `every test node's Cilium agent reports Host Routing: ${wanted}`,
    };
  }

  async runTrial(trial: Trial, signal: AbortSignal) {
    const cluster = this.clusterFor(trial.mode);
    const host = trial.mode === "host";
    const side = trial.point.placement === "same-node" ? "same" : "cross";
    const serverRole = `${host ? "host-" : ""}server-${side}` as PodRole;
    const clientRole: PodRole = host ? "host-client" : "client";
    const serverIp = cluster.podIps.get(serverRole);
    const clientPlan = cluster.plans.find((p) => p.role === clientRole);
    if (!serverIp || !clientPlan) throw new EnvironmentError(`no ${serverRole} pod for ${trial.id}`);
    const argv = trialNetperfArgv(trial, serverIp, NETSERVER_PORT, this.cpuPlacement, NETSERVER_DATA_PORT);
    // the nodes' CPU before and after: the steal and load of the machines under test, not of this one
    const ends: PodRole[] = side === "cross" ? [clientRole, serverRole] : [clientRole];
    const before = await Promise.all(ends.map((role) => cluster.readNodeCpu(role)));
    const result = await execInPod(
      cluster.exec,
      { namespace: cluster.namespace, pod: clientPlan.name, container: "netperf" },
      argv,
      { timeoutMs: (trial.durationSec + TRIAL_TIMEOUT_MARGIN_SEC) * 1000, signal },
    );
    const after = await Promise.all(ends.map((role) => cluster.readNodeCpu(role)));
    const samples: NoiseSample[] = [];
    ends.forEach((role, i) => {
      const [b, a] = [before[i], after[i]];
      if (b && a)
        samples.push(
          noiseSample(
            parseProcStat(b.stat).all,
            parseProcStat(a.stat).all,
            a.loadavg,
            cluster.cpuCountOf(role),
          ),
        );
    });
    return { argv: result.argv, result, noise: worstNoise(samples) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { strategy, commands } = this.sweep.kubernetes.routing;
    for (const cluster of new Set(this.clusters.values())) {
      await cluster.cleanup();
      if (!this.switched) continue;
      if (strategy === "cilium-configmap") {
        this.log(`restoring ${LEGACY_KEY} as it was before the run`);
        await cluster
          .restoreCiliumConfig()
          .catch((e) =>
            this.log(`could not restore ${LEGACY_KEY}: ${e.message}; \`routebench k8s cleanup\` retries`),
          );
      } else if (strategy === "command" && this.originalMode && this.originalMode !== this.lastMode) {
        const argv = commands[this.originalMode];
        if (!argv) continue;
        this.log(`switching back to ${this.originalMode}: ${argv.join(" ")}`);
        await runChecked(processRunner, argv, {
          timeoutMs: this.sweep.kubernetes.routing.rolloutTimeoutSec * 1000,
        }).catch((e) => this.log(`could not switch back to ${this.originalMode}: ${e.message}`));
      }
    }
  }
}

/** Loads the kubeconfig the way kubectl does: the given file, else $KUBECONFIG, else ~/.kube/config. */
export function loadKubeConfig(options: KubernetesOptions, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new UsageError(
      `cannot load the kubeconfig ${options.kubeconfig ?? "(default)"}: ${(error as Error).message}`,
    );
  }
  const wanted = context ?? options.context;
  if (wanted) {
    if (!kc.getContexts().some((c) => c.name === wanted)) {
      throw new UsageError(
        `kube context ${wanted} is not in the kubeconfig; contexts: ${kc
          .getContexts()
          .map((c) => c.name)
          .join(", ")}`,
      );
    }
    kc.setCurrentContext(wanted);
  }
  if (!kc.getCurrentCluster())
    throw new UsageError("the kubeconfig has no current cluster", "pass --kubeconfig and --context");
  return kc;
}

export function kubernetesBackend(): Backend {
  return {
    async open(sweep, log) {
      const options = sweep.kubernetes;
      const runId = makeKubeRunId();
      const clusters = new Map<Mode | "any", Cluster>();
      const contexts = options.routing.strategy === "contexts" ? sweep.modes.filter((m) => m !== "host") : [];
      for (const mode of contexts) {
        const context = options.routing.contexts[mode as "legacy" | "ebpf"];
        if (!context)
          throw new UsageError(
            `kubernetes.routing.contexts.${mode} is not set: the contexts strategy needs a kube context per mode`,
          );
      }
      const opened: Cluster[] = [];
      try {
        if (contexts.length > 0) {
          for (const mode of contexts) {
            const context = options.routing.contexts[mode as "legacy" | "ebpf"] as string;
            const cluster = new Cluster(context, loadKubeConfig(options, context), options, runId, log);
            opened.push(cluster);
            log(`connecting to ${context} (the ${mode} cluster)`);
            await cluster.connect(sweep);
            clusters.set(mode, cluster);
            if (!clusters.has("any")) clusters.set("any", cluster);
          }
        } else {
          const kc = loadKubeConfig(options);
          const cluster = new Cluster(kc.getCurrentContext(), kc, options, runId, log);
          opened.push(cluster);
          log(`connecting to ${kc.getCurrentContext()}`);
          await cluster.connect(sweep);
          clusters.set("any", cluster);
        }
      } catch (error) {
        for (const cluster of opened) await cluster.cleanup();
        throw error;
      }
      return new KubernetesSession(sweep, clusters, log);
    },
  };
}
