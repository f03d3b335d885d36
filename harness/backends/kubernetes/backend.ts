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
  Exec,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  VersionApi,
} from "@kubernetes/client-node";
import type { ModeEvidence } from "../../results/schema.js";
import { type CpuPlacement, cpuPlacementWithoutPinning } from "../../run/cpu-placement.js";
import type { Trial } from "../../sweep/plan.js";
import type { KubernetesOptions, Mode, Sweep } from "../../sweep/schema.js";
import { EnvironmentError, tailLines, UsageError } from "../../util/errors.js";
import { processRunner, runChecked } from "../../util/runner.js";
import { type Backend, type BackendSession, TRIAL_TIMEOUT_MARGIN_SEC, trialNetperfArgv } from "../backend.js";
import { execInPod } from "./exec.js";
import {
  NETSERVER_PORT,
  type PodPlan,
  type PodRole,
  podPlans,
  RUN_LABEL,
  renderNamespace,
  renderPod,
} from "./manifests.js";
import {
  chooseNodes,
  hostRoutingFor,
  type NodeFacts,
  parseCiliumHostRouting,
  podProblem,
  translateApiError,
} from "./pure.js";

const CILIUM_CONFIG = "cilium-config";
const CILIUM_DAEMONSET = "cilium";
const LEGACY_KEY = "enable-host-legacy-routing";
const CILIUM_KEYS = [
  LEGACY_KEY,
  "kube-proxy-replacement",
  "enable-bpf-masquerade",
  "routing-mode",
  "tunnel-protocol",
  "bpf-lb-sock",
];

export function makeKubeRunId(date = new Date()): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(2, 14)}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, "0")}`;
}

async function api<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateApiError(error, action);
  }
}

/** One cluster (one kube context) with the test pods of this run. */
class Cluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly exec: Exec;
  namespace = "";
  createdNamespace = false;
  nodes: [NodeFacts, NodeFacts] | null = null;
  readonly podIps = new Map<PodRole, string>();
  plans: PodPlan[] = [];
  facts: Record<string, unknown> = {};
  originalLegacyRouting: string | undefined | null = null;

  constructor(
    readonly context: string,
    readonly kc: KubeConfig,
    private readonly options: KubernetesOptions,
    private readonly runId: string,
    private readonly log: (message: string) => void,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.exec = new Exec(kc);
  }

  async connect(sweep: Sweep): Promise<void> {
    const version = await api("reading the Kubernetes version", () =>
      this.kc.makeApiClient(VersionApi).getCode(),
    );
    const nodeList = await api("listing nodes", () => this.core.listNode());
    this.nodes = chooseNodes(nodeList.items, this.options.nodes);
    const withHost = sweep.modes.includes("host");
    this.plans = podPlans([this.nodes[0].name, this.nodes[1].name], sweep.placements, withHost);
    if (this.options.namespace) {
      this.namespace = this.options.namespace;
      await api(`reading namespace ${this.namespace}`, () =>
        this.core.readNamespace({ name: this.namespace }),
      );
    } else {
      this.namespace = `rb-${this.runId}`;
      await api(`creating namespace ${this.namespace}`, () =>
        this.core.createNamespace({ body: renderNamespace(this.namespace, this.runId) }),
      );
      this.createdNamespace = true;
    }
    this.facts = {
      context: this.context,
      kubernetesVersion: version.gitVersion,
      namespace: this.namespace,
      nodes: this.nodes.map((n) => ({
        name: n.name,
        kernel: n.kernel,
        osImage: n.osImage,
        instanceType: n.instanceType,
      })),
      cilium: await this.ciliumFacts(),
    };
    await this.createPods();
  }

  private async ciliumFacts(): Promise<Record<string, unknown> | null> {
    const ns = this.options.routing.ciliumNamespace;
    try {
      const ds = await this.apps.readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: ns });
      const image = ds.spec?.template.spec?.containers[0]?.image ?? "";
      const config = await this.core
        .readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ns })
        .catch(() => null);
      this.originalLegacyRouting = config?.data?.[LEGACY_KEY];
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
    await api("deleting the test pods", () =>
      this.core.deleteCollectionNamespacedPod({
        namespace: this.namespace,
        labelSelector: `${RUN_LABEL}=${this.runId}`,
        gracePeriodSeconds: 0,
      }),
    );
    const deadline = Date.now() + this.options.readyTimeoutSec * 1000;
    while (Date.now() < deadline) {
      const left = await this.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: `${RUN_LABEL}=${this.runId}`,
      });
      if (left.items.length === 0) return;
      await sleep(200);
    }
  }

  /** Waits until the pod is Running and Ready; says why in the user's terms when it will not be. */
  private async waitReady(name: string): Promise<string> {
    const deadline = Date.now() + this.options.readyTimeoutSec * 1000;
    let pod: V1Pod | undefined;
    while (Date.now() < deadline) {
      pod = await api(`reading pod ${name}`, () =>
        this.core.readNamespacedPod({ name, namespace: this.namespace }),
      );
      const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (pod.status?.phase === "Running" && ready && pod.status.podIP) return pod.status.podIP;
      const problem = podProblem(pod, await this.events(name), await this.logTail(pod));
      if (problem)
        throw new EnvironmentError(
          problem,
          "`kubectl describe pod` in the test namespace shows more; fix the image, tolerations or resources in the sweep",
        );
      await sleep(100);
    }
    throw new EnvironmentError(
      `pod ${name} was not ready within ${this.options.readyTimeoutSec} s (phase ${pod?.status?.phase ?? "unknown"})`,
      "raise kubernetes.readyTimeoutSec, or check the nodes",
    );
  }

  private async events(name: string) {
    try {
      return (
        await this.core.listNamespacedEvent({
          namespace: this.namespace,
          fieldSelector: `involvedObject.name=${name}`,
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

  /** `cilium-dbg status` in the agent of each test node: their host routing lines. */
  async ciliumHostRouting(): Promise<Record<string, string> | null> {
    const ns = this.options.routing.ciliumNamespace;
    const agents = await this.core
      .listNamespacedPod({ namespace: ns, labelSelector: "k8s-app=cilium" })
      .catch(() => null);
    if (!agents || agents.items.length === 0) return null;
    const result: Record<string, string> = {};
    for (const node of this.nodes ?? []) {
      const agent = agents.items.find((p) => p.spec?.nodeName === node.name);
      if (!agent?.metadata?.name) {
        result[node.name] = "no Cilium agent on this node";
        continue;
      }
      let out = await execInPod(
        this.exec,
        { namespace: ns, pod: agent.metadata.name, container: "cilium-agent" },
        ["cilium-dbg", "status"],
        { timeoutMs: 30_000 },
      );
      if (out.exitCode !== 0) {
        out = await execInPod(
          this.exec,
          { namespace: ns, pod: agent.metadata.name, container: "cilium-agent" },
          ["cilium", "status"],
          { timeoutMs: 30_000 },
        );
      }
      const routing = parseCiliumHostRouting(out.stdout);
      result[node.name] = routing
        ? `Host Routing: ${routing}`
        : `unreadable: ${tailLines(out.stdout + out.stderr, 2)}`;
    }
    return result;
  }

  async setCiliumLegacyRouting(value: string): Promise<boolean> {
    const ns = this.options.routing.ciliumNamespace;
    const config = await api(`reading ${ns}/${CILIUM_CONFIG}`, () =>
      this.core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ns }),
    );
    if (config.data?.[LEGACY_KEY] === value) return false;
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    await api(`patching ${ns}/${CILIUM_CONFIG}`, () =>
      this.core.patchNamespacedConfigMap(
        { name: CILIUM_CONFIG, namespace: ns, body: { data: { [LEGACY_KEY]: value } } },
        merge,
      ),
    );
    // kubectl rollout restart: a new pod-template annotation
    await api(`restarting ${ns}/ds/${CILIUM_DAEMONSET}`, () =>
      this.apps.patchNamespacedDaemonSet(
        {
          name: CILIUM_DAEMONSET,
          namespace: ns,
          body: {
            spec: {
              template: {
                metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } },
              },
            },
          },
        },
        merge,
      ),
    );
    await this.waitRollout();
    return true;
  }

  private async waitRollout(): Promise<void> {
    const ns = this.options.routing.ciliumNamespace;
    const deadline = Date.now() + this.options.routing.rolloutTimeoutSec * 1000;
    while (Date.now() < deadline) {
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
      await sleep(250);
    }
    throw new EnvironmentError(
      `the Cilium agents did not finish restarting within ${this.options.routing.rolloutTimeoutSec} s`,
    );
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

class KubernetesSession implements BackendSession {
  readonly name = "kubernetes";
  private closed = false;
  private switched = false;
  /** Pinned only when the sweep names CPUs: the pods' CPUs belong to the cluster's nodes. */
  readonly cpuPlacement: CpuPlacement;

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

  async useMode(mode: Mode): Promise<ModeEvidence> {
    const at = new Date().toISOString();
    if (mode === "host") {
      return { mode, at, nodes: {}, ok: true, detail: "node-to-node baseline: host-network netperf pods" };
    }
    const cluster = this.clusterFor(mode);
    const { strategy, commands } = this.sweep.kubernetes.routing;
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
      this.log(`running ${argv.join(" ")}`);
      await runChecked(processRunner, argv, {
        timeoutMs: this.sweep.kubernetes.routing.rolloutTimeoutSec * 1000,
      });
      await cluster.recreatePods();
    }
    const lines = await cluster.ciliumHostRouting();
    if (!lines) {
      if (strategy === "cilium-configmap")
        throw new EnvironmentError("no Cilium agents found to verify the switch");
      return {
        mode,
        at,
        nodes: {},
        ok: true,
        detail: `no Cilium agent found: mode ${mode} is as ${strategy === "none" ? "assumed" : "set"}, not verified`,
      };
    }
    const expected = `Host Routing: ${hostRoutingFor(mode)}`;
    const ok = Object.values(lines).every((line) => line === expected);
    if (!ok) {
      const seen = Object.entries(lines)
        .map(([node, line]) => `${node}: ${line}`)
        .join("; ");
      throw new EnvironmentError(
        strategy === "none"
          ? `the cluster is not in ${mode} mode (${seen}); with routing.strategy none routebench measures the mode the cluster is in: list only that mode`
          : `refusing to measure ${mode}: the Cilium agents report ${seen}. Cilium falls back to legacy host routing silently when BPF host routing cannot work (kernel < 5.10, no kube-proxy replacement, no BPF masquerading)`,
      );
    }
    return { mode, at, nodes: lines, ok, detail: `every test node's Cilium agent reports ${expected}` };
  }

  async runTrial(trial: Trial, signal: AbortSignal) {
    const cluster = this.clusterFor(trial.mode);
    const host = trial.mode === "host";
    const serverRole: PodRole =
      `${host ? "host-" : ""}server-${trial.point.placement === "same-node" ? "same" : "cross"}` as PodRole;
    const serverIp = cluster.podIps.get(serverRole);
    const clientPlan = cluster.plans.find((p) => p.role === (host ? "host-client" : "client"));
    if (!serverIp || !clientPlan) throw new EnvironmentError(`no ${serverRole} pod for ${trial.id}`);
    const argv = trialNetperfArgv(trial, serverIp, NETSERVER_PORT, this.cpuPlacement);
    const result = await execInPod(
      cluster.exec,
      { namespace: cluster.namespace, pod: clientPlan.name, container: "netperf" },
      argv,
      {
        timeoutMs: (trial.durationSec + TRIAL_TIMEOUT_MARGIN_SEC) * 1000,
        signal,
      },
    );
    return { argv: result.argv, result };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cluster of new Set(this.clusters.values())) {
      await cluster.cleanup();
      if (this.switched && cluster.originalLegacyRouting !== null) {
        const original = cluster.originalLegacyRouting ?? "false";
        this.log(`restoring ${LEGACY_KEY}=${original}`);
        await cluster
          .setCiliumLegacyRouting(original)
          .catch((e) => this.log(`could not restore ${LEGACY_KEY}: ${e.message}`));
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
