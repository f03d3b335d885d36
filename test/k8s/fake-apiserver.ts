/**
 * A local HTTP server speaking the Kubernetes API calls routebench's Kubernetes backend makes,
 * so the backend runs unchanged (through @kubernetes/client-node) without a cluster. Pods map
 * onto the embedded lab's pod namespaces, and pods/exec (WebSocket) runs the command inside
 * them: netperf through this server produces real figures. Cilium is simulated on top of the
 * lab: `cilium-dbg status` reports the mode in the lab's BPF maps, and a restart of ds/cilium
 * after a cilium-config change really switches the lab. Faults are injectable. The jobs are
 * split by file: core objects and deletion (fake-pods.ts), Cilium (fake-cilium.ts), an AKS
 * managed cluster's rolling switch (fake-aks.ts), pods/exec (fake-exec.ts), wire formats
 * (fake-wire.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { readNodeMode } from "../../harness/backends/lab/lab.js";
import { planLab } from "../../harness/backends/lab/plan.js";
import { processRunner } from "../../harness/util/runner.js";
import type { RoutingMode } from "../../harness/vocabulary/vocabulary.js";
import { type AksState, handleAks, initialAks, settleAks } from "./fake-aks.js";
import { addAgents, handleCilium, settleRollout } from "./fake-cilium.js";
import { handleExec } from "./fake-exec.js";
import { handleCore, settlePods } from "./fake-pods.js";
import { handleServices } from "./fake-services.js";
import { type Json, type NodeState, status } from "./fake-wire.js";

export { kubeconfigFor } from "./fake-wire.js";

export interface Faults {
  /** The next matching request answers this status once. */
  failNext: { method: string; path: RegExp; status: number; message: string }[];
  /** Pods whose image contains this never pull. */
  badImage: string;
  /** New pods stay Pending: the scheduler cannot place them. */
  unschedulable: boolean;
  /** New netserver pods crash-loop. */
  crashLoop: boolean;
  /** New pods never become ready (no reason given). */
  neverReady: boolean;
  /** The next netperf exec stream closes after this many ms without a status. */
  dropNextExecAfterMs: number | null;
  /** The Cilium agents stay on legacy host routing whatever the config says (a silent fallback). */
  ciliumFallback: boolean;
  /** `cilium-dbg status` output format: the older `Host Routing:` line or the newer `Routing: ... Host:`. */
  statusFormat: "old" | "new";
  /** `cilium-dbg status` prints its full report and exits 1 (the agent is not fully Ok). */
  statusExitsOne: boolean;
  /** The agents run without kube-proxy replacement (and so fall back to legacy host routing). */
  noKubeProxyReplacement: boolean;
  /** Each node also has a Terminating agent pod of the previous rollout, reporting the other mode. */
  terminatingAgents: boolean;
  /** The next requests matching the path answer 429 with this Retry-After (seconds). */
  throttle: { path: RegExp; retryAfterSec: number; count: number } | null;
  /** The agents' socket LB (kube-proxy replacement's socket-level Service translation). */
  socketLB: "on" | "off" | "hostns-only";
  /** SelfSubjectAccessReview denies these ("verb resource[/subresource]"); "get configmaps" also refuses the read. */
  denied: string[];
}

export interface FakeNode {
  name: string;
  zone?: string;
  ready?: boolean;
  /** The node pool (AKS agentpool label); default pool1. */
  pool?: string;
  labels?: Record<string, string>;
  /** Capacity and allocatable CPU (default 16 and 15890m) and allocatable memory (default 61Gi). */
  cpu?: string;
  allocatableCpu?: string;
  allocatableMemory?: string;
  /** Two pod CIDRs (IPv4 and IPv6). */
  dualStack?: boolean;
  cordoned?: boolean;
  /** Default Standard_D16s_v5 and 6.8.0-1021-azure. */
  instanceType?: string;
  kernel?: string;
}

export interface FakeOptions {
  /** A "cluster" fixed in one mode (the contexts strategy): the lab is put in it before each exec. */
  fixedMode?: RoutingMode;
  /** Delay before a pod is ready, and a DaemonSet restart finishes. */
  readyDelayMs?: number;
  rolloutDelayMs?: number;
  /**
   * No lab: Cilium's mode is kept in memory, test pods get made-up addresses, and pods/exec runs
   * the command on this machine without namespaces (only for read-only commands such as
   * `netperf -V` or `cat /proc/stat`, and `sleep`). For unit tests that must not touch the lab.
   */
  simulated?: boolean;
  /** Worker nodes (default node-a and node-b in one zone); a control-plane node is always added. */
  nodes?: FakeNode[];
  /** The exec subprotocol the server picks when the client offers it (real API servers ≥ 1.30 pick v5). */
  execProtocol?: "v4.channel.k8s.io" | "v5.channel.k8s.io";
  /** An AKS cluster: azure providerID and kubernetes.azure.com labels on the nodes. */
  aks?: boolean;
  /** One step (cordon, drain, replace) of a node of the AKS rolling switch; default 100 ms. */
  aksStepMs?: number;
  /** cilium-config datapath-mode (netkit clusters cannot run legacy host routing). */
  datapathMode?: string;
  /** The agent's CLI: cilium-dbg (Cilium ≥ 1.15) or cilium only (≤ 1.14). */
  agentCommand?: "cilium-dbg" | "cilium";
  /** Graceful deletion: how long the kubelet takes to kill the containers; default 40 ms. */
  terminationDelayMs?: number;
  /** Forced deletion (grace 0): how long after the object is gone the kubelet kills the container; default 300 ms. */
  forcedKillDelayMs?: number;
}

const NODES: FakeNode[] = [{ name: "node-a" }, { name: "node-b" }];

export class FakeApiServer {
  readonly faults: Faults = {
    failNext: [],
    badImage: "does-not-exist",
    unschedulable: false,
    crashLoop: false,
    neverReady: false,
    dropNextExecAfterMs: null,
    ciliumFallback: false,
    statusFormat: "old",
    statusExitsOne: false,
    noKubeProxyReplacement: false,
    terminatingAgents: false,
    throttle: null,
    denied: [],
    socketLB: "on",
  };
  /** CiliumNodeConfig objects in kube-system. */
  readonly nodeConfigs: Json[] = [];
  /** simulated: the host routing the agents run (where a node has no mode of its own). */
  simulatedMode: RoutingMode = "legacy";
  readonly namespaces = new Map<string, Json>();
  readonly pods = new Map<string, Json>();
  readonly services = new Map<string, Json>();
  /** Every request, for assertions: `METHOD path`. */
  readonly requests: string[] = [];
  /** Every SelfSubjectAccessReview's resourceAttributes. */
  readonly reviews: Json[] = [];
  /** Every exec into a test pod: the node it ran on and whether that node was cordoned then. */
  readonly execLog: { pod: string; node: string; cordoned: boolean; command: string[] }[] = [];
  /** Processes started by execs that have not ended (a closed exec stream does not end them). */
  readonly children = new Set<number>();
  /** Nodes whose port 12865 a force-deleted host-network netserver still holds, until when. */
  readonly portHeldUntil = new Map<string, number>();
  readonly nodes: NodeState[];
  readonly controlPlane: NodeState;
  readonly aks: AksState = initialAks();
  readonly labPlan = planLab();
  readonly rollout = { pending: false, doneAt: 0 };
  podCounter = 0;
  readonly configMap: Json = {
    metadata: { name: "cilium-config", namespace: "kube-system" },
    data: {
      "enable-host-legacy-routing": "true",
      "kube-proxy-replacement": "true",
      "enable-bpf-masquerade": "true",
      "routing-mode": "native",
    },
  };
  readonly daemonSet: Json = {
    metadata: { name: "cilium", namespace: "kube-system", generation: 1 },
    spec: {
      template: {
        metadata: { annotations: {} },
        spec: { containers: [{ name: "cilium-agent", image: "quay.io/cilium/cilium:v1.18.2" }] },
      },
    },
    status: {
      observedGeneration: 1,
      desiredNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
    },
  };
  private server: Server | null = null;
  private readonly wss: WebSocketServer;

  constructor(readonly options: FakeOptions = {}) {
    const protocol = options.execProtocol ?? "v5.channel.k8s.io";
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has(protocol) ? protocol : false),
    });
    const state = (n: FakeNode, i: number): NodeState => ({
      name: n.name,
      lab: `node${i + 1}`,
      ip: `198.18.0.${i + 1}`,
      zone: n.zone ?? "zone-1",
      ready: n.ready ?? true,
      pool: n.pool ?? "pool1",
      labels: n.labels ?? {},
      unschedulable: n.cordoned ?? false,
      capacityCpu: n.cpu ?? "16",
      allocatableCpu: n.allocatableCpu ?? "15890m",
      allocatableMemory: n.allocatableMemory ?? "61Gi",
      dualStack: n.dualStack ?? false,
      aks: options.aks ?? false,
      mode: null,
      instanceType: n.instanceType ?? "Standard_D16s_v5",
      kernel: n.kernel ?? "6.8.0-1021-azure",
    });
    this.nodes = (options.nodes ?? NODES).map(state);
    this.controlPlane = { ...state({ name: "control-plane" }, 99), ip: "198.18.0.100", aks: false };
    for (const node of this.nodes) addAgents(this, node);
    if (options.datapathMode) this.configMap.data["datapath-mode"] = options.datapathMode;
    this.namespaces.set("kube-system", { metadata: { name: "kube-system" } });
    this.namespaces.set("default", { metadata: { name: "default" } });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => this.send(res, 500, status(500, error.message)));
    });
    this.server.on("upgrade", (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => void handleExec(this, req, ws));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    for (const pid of this.children) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  visible(pod: Json): boolean {
    return !pod.internal.stale || this.faults.terminatingAgents;
  }

  /** Test pods (not the Cilium agents) in a namespace. */
  testPods(namespace?: string): Json[] {
    return [...this.pods.values()].filter(
      (p) => !p.internal.agent && (!namespace || p.metadata.namespace === namespace),
    );
  }

  send(res: ServerResponse, code: number, body: unknown, type = "application/json"): void {
    res.writeHead(code, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  async body(req: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json) : {};
  }

  matches(labels: Json | undefined, selector: string | null): boolean {
    if (!selector) return true;
    return selector.split(",").every((term) => {
      const [k, v] = term.split("=");
      return k !== undefined && labels?.[k] === v;
    });
  }

  async labMode(labNode: string): Promise<RoutingMode | "unknown"> {
    const node = this.labPlan.nodes.find((n) => n.name === labNode);
    return node ? readNodeMode(processRunner, node) : "unknown";
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/\/$/, "");
    const method = req.method ?? "GET";
    this.requests.push(`${method} ${path}`);
    const fault = this.faults.failNext.findIndex((f) => f.method === method && f.path.test(path));
    if (fault >= 0) {
      const [f] = this.faults.failNext.splice(fault, 1);
      return this.send(res, f?.status ?? 500, status(f?.status ?? 500, f?.message ?? "injected"));
    }
    const throttle = this.faults.throttle;
    if (throttle && throttle.count > 0 && throttle.path.test(path)) {
      throttle.count--;
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": String(throttle.retryAfterSec),
      });
      res.end(JSON.stringify(status(429, "Too many requests, please try again later.")));
      return;
    }
    // what happened meanwhile: rollouts finished, pods gone, AKS steps taken
    await settleRollout(this);
    await settleAks(this);
    settlePods(this);
    if (path === "/version")
      return this.send(res, 200, { major: "1", minor: "33", gitVersion: "v1.33.2-fake" });
    if (await handleAks(this, req, res, url, path)) return;
    if (await handleCilium(this, req, res, path)) return;
    if (await handleServices(this, req, res, url, path)) return;
    if (await handleCore(this, req, res, url, path)) return;
    return this.send(res, 404, status(404, `the fake API server does not serve ${method} ${path}`));
  }
}
