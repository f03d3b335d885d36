/**
 * A local HTTP server speaking the Kubernetes API calls routebench's Kubernetes backend makes,
 * so the backend runs unchanged (through @kubernetes/client-node) without a cluster. Pods map
 * onto the embedded lab's pod namespaces, and pods/exec (WebSocket, v4.channel.k8s.io) runs the
 * command inside them: netperf through this server produces real figures. Cilium is simulated
 * on top of the lab: `cilium-dbg status` reports the mode in the lab's BPF maps, and a restart of
 * ds/cilium after a cilium-config change really switches the lab. Faults are injectable.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { podSecurityViolations } from "../../harness/backends/kubernetes/podsecurity.js";
import { readNodeMode, setLabMode } from "../../harness/backends/lab/lab.js";
import { planLab } from "../../harness/backends/lab/plan.js";
import { processRunner } from "../../harness/util/runner.js";
import type { RoutingMode } from "../../harness/vocabulary/vocabulary.js";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes wire-format objects, as loose as JSON
type Json = Record<string, any>;

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
  /** SelfSubjectAccessReview denies these ("verb resource[/subresource]"). */
  denied: string[];
}

export interface FakeNode {
  name: string;
  zone?: string;
  ready?: boolean;
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
   * `netperf -V` or `cat /proc/stat`). For unit tests that must not touch the lab.
   */
  simulated?: boolean;
  /** Worker nodes (default node-a and node-b in one zone); a control-plane node is always added. */
  nodes?: FakeNode[];
  /** The exec subprotocol the server picks when the client offers it (real API servers ≥ 1.30 pick v5). */
  execProtocol?: "v4.channel.k8s.io" | "v5.channel.k8s.io";
}

const NODES = [
  { name: "node-a", lab: "node1", ip: "198.18.0.1" },
  { name: "node-b", lab: "node2", ip: "198.18.0.2" },
];

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
  };
  /** CiliumNodeConfig objects in kube-system. */
  readonly nodeConfigs: Json[] = [];
  /** simulated: the host routing the agents run. */
  simulatedMode: RoutingMode = "legacy";
  readonly namespaces = new Map<string, Json>();
  readonly pods = new Map<string, Json>();
  /** Every request, for assertions: `METHOD path`. */
  readonly requests: string[] = [];
  private readonly labPlan = planLab();
  readonly configMap: Json = {
    metadata: { name: "cilium-config", namespace: "kube-system" },
    data: {
      "enable-host-legacy-routing": "true",
      "kube-proxy-replacement": "true",
      "enable-bpf-masquerade": "true",
      "routing-mode": "native",
    },
  };
  private readonly daemonSet: Json = {
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
  private rolloutDoneAt = 0;
  private rolloutPending = false;
  private server: Server | null = null;
  private readonly wss: WebSocketServer;
  private readonly nodes: { name: string; lab: string; ip: string; zone: string; ready: boolean }[];

  constructor(private readonly options: FakeOptions = {}) {
    const protocol = options.execProtocol ?? "v5.channel.k8s.io";
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has(protocol) ? protocol : false),
    });
    this.nodes = (options.nodes ?? NODES).map((n, i) => ({
      name: n.name,
      lab: NODES[i]?.lab ?? `node${i + 1}`,
      ip: `198.18.0.${i + 1}`,
      zone: (n as FakeNode).zone ?? "zone-1",
      ready: (n as FakeNode).ready ?? true,
    }));
    for (const node of this.nodes) {
      const name = `cilium-${node.name}`;
      this.pods.set(`kube-system/${name}`, {
        metadata: {
          name,
          namespace: "kube-system",
          labels: { "k8s-app": "cilium" },
          creationTimestamp: new Date(0).toISOString(),
        },
        spec: { nodeName: node.name, containers: [{ name: "cilium-agent" }] },
        status: { phase: "Running", podIP: node.ip, hostIP: node.ip },
        internal: { netns: `rb-${node.lab}`, agent: true },
      });
      // the previous rollout's agent, still shutting down: newer name order, older config
      this.pods.set(`kube-system/${name}-old`, {
        metadata: {
          name: `${name}-old`,
          namespace: "kube-system",
          labels: { "k8s-app": "cilium" },
          creationTimestamp: new Date(1000).toISOString(),
          deletionTimestamp: new Date().toISOString(),
        },
        spec: { nodeName: node.name, containers: [{ name: "cilium-agent" }] },
        status: { phase: "Running", podIP: node.ip, hostIP: node.ip },
        internal: { netns: `rb-${node.lab}`, agent: true, stale: true },
      });
    }
    this.namespaces.set("kube-system", { metadata: { name: "kube-system" } });
    this.namespaces.set("default", { metadata: { name: "default" } });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => this.send(res, 500, status(500, error.message)));
    });
    this.server.on("upgrade", (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => void this.exec(req, ws));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private visible(pod: Json): boolean {
    return !pod.internal.stale || this.faults.terminatingAgents;
  }

  /** Test pods (not the Cilium agents) in a namespace. */
  testPods(namespace?: string): Json[] {
    return [...this.pods.values()].filter(
      (p) => !p.internal.agent && (!namespace || p.metadata.namespace === namespace),
    );
  }

  private send(res: ServerResponse, code: number, body: unknown, type = "application/json"): void {
    res.writeHead(code, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json) : {};
  }

  private podStatus(pod: Json): Json {
    const internal = pod.internal;
    if (internal.agent) return pod.status;
    const age = Date.now() - internal.createdAt;
    const container = pod.spec.containers[0];
    const base = {
      phase: "Pending",
      hostIP: internal.nodeIp,
      conditions: [{ type: "PodScheduled", status: "True" }],
    };
    if (internal.fault === "unschedulable") {
      return {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message:
              "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available.",
          },
        ],
      };
    }
    if (internal.fault === "image") {
      return {
        ...base,
        containerStatuses: [
          {
            name: container.name,
            image: container.image,
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ErrImagePull", message: "rpc error: not found" } },
          },
        ],
      };
    }
    if (internal.fault === "crash" && age > 50) {
      return {
        ...base,
        phase: "Running",
        containerStatuses: [
          {
            name: container.name,
            image: container.image,
            ready: false,
            restartCount: 3,
            state: {
              waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" },
            },
          },
        ],
      };
    }
    if (internal.fault === "never" || age < (this.options.readyDelayMs ?? 150)) return base;
    return {
      phase: "Running",
      hostIP: internal.nodeIp,
      podIP: internal.ip,
      podIPs: [{ ip: internal.ip }],
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: "True" },
        { type: "ContainersReady", status: "True" },
      ],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date(internal.createdAt).toISOString() } },
        },
      ],
    };
  }

  private view(pod: Json): Json {
    const { internal: _internal, ...rest } = pod;
    return { ...rest, status: this.podStatus(pod) };
  }

  /** Places a new pod on a lab pod namespace of its node (or the node namespace for hostNetwork). */
  private allocate(pod: Json): void {
    const nodeName = pod.spec.nodeSelector?.["kubernetes.io/hostname"];
    const node = this.nodes.find((n) => n.name === nodeName);
    const image: string = pod.spec.containers[0]?.image ?? "";
    let fault: string | null = null;
    if (!node || this.faults.unschedulable) fault = "unschedulable";
    else if (image.includes(this.faults.badImage)) fault = "image";
    else if (this.faults.crashLoop && pod.spec.containers[0]?.command?.[0] === "netserver") fault = "crash";
    else if (this.faults.neverReady) fault = "never";
    const internal: Json = { createdAt: Date.now(), fault, nodeIp: node?.ip };
    if (node && !fault) {
      pod.spec.nodeName = node.name;
      if (this.options.simulated) {
        internal.ip = pod.spec.hostNetwork
          ? node.ip
          : `198.19.${this.nodes.indexOf(node)}.${this.pods.size + 10}`;
        internal.local = true;
      } else if (pod.spec.hostNetwork) {
        internal.netns = `rb-${node.lab}`;
        internal.ip = node.ip;
      } else {
        const labNode = this.labPlan.nodes.find((n) => n.name === node.lab);
        const used = new Set(this.testPods().map((p) => p.internal.netns));
        const free = labNode?.pods.find((p) => !used.has(p.netns));
        if (!free) throw new Error(`no free lab pod on ${node.name}`);
        internal.netns = free.netns;
        internal.ip = free.ip;
      }
    }
    pod.internal = internal;
  }

  private matches(labels: Json | undefined, selector: string | null): boolean {
    if (!selector) return true;
    return selector.split(",").every((term) => {
      const [k, v] = term.split("=");
      return k !== undefined && labels?.[k] === v;
    });
  }

  private async labMode(labNode: string): Promise<RoutingMode | "unknown"> {
    const node = this.labPlan.nodes.find((n) => n.name === labNode);
    return node ? readNodeMode(processRunner, node) : "unknown";
  }

  /** Finishes a DaemonSet restart whose time has come: the agents apply the config to the lab. */
  private async settleRollout(): Promise<void> {
    if (!this.rolloutPending || Date.now() < this.rolloutDoneAt) return;
    this.rolloutPending = false;
    // Cilium's default is BPF host routing where it can: an absent key means false
    const legacy = this.configMap.data["enable-host-legacy-routing"] === "true";
    const fallback = this.faults.ciliumFallback || this.faults.noKubeProxyReplacement;
    const mode = legacy || fallback ? "legacy" : "ebpf";
    if (this.options.simulated) this.simulatedMode = mode;
    else await setLabMode(processRunner, mode, { force: true });
    const desired = this.daemonSet.status.desiredNumberScheduled;
    this.daemonSet.status = {
      observedGeneration: this.daemonSet.metadata.generation,
      desiredNumberScheduled: desired,
      updatedNumberScheduled: desired,
      numberAvailable: desired,
    };
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
    await this.settleRollout();
    const labels = url.searchParams.get("labelSelector");
    if (path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
      const review = await this.body(req);
      const a = review.spec.resourceAttributes;
      const name = `${a.verb} ${a.group ? `${a.group}/` : ""}${a.resource}${a.subresource ? `/${a.subresource}` : ""}`;
      return this.send(res, 201, { ...review, status: { allowed: !this.faults.denied.includes(name) } });
    }
    if (path === "/apis/cilium.io/v2/namespaces/kube-system/ciliumnodeconfigs")
      return this.send(res, 200, {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNodeConfigList",
        metadata: {},
        items: this.nodeConfigs,
      });
    let m: RegExpExecArray | null;

    if (path === "/version")
      return this.send(res, 200, { major: "1", minor: "33", gitVersion: "v1.33.2-fake" });
    if (path === "/api/v1/nodes") {
      const items = this.nodes.map((n) => node(n.name, n.ip, false, n.zone, n.ready));
      items.push(node("control-plane", "198.18.0.100", true));
      return this.send(res, 200, { kind: "NodeList", apiVersion: "v1", metadata: {}, items });
    }
    if (path === "/api/v1/namespaces" && method === "POST") {
      const ns = await this.body(req);
      if (this.namespaces.has(ns.metadata.name))
        return this.send(res, 409, status(409, `namespaces "${ns.metadata.name}" already exists`));
      this.namespaces.set(ns.metadata.name, ns);
      return this.send(res, 201, ns);
    }
    if (path === "/api/v1/namespaces" && method === "GET") {
      const items = [...this.namespaces.values()].filter((n) => this.matches(n.metadata.labels, labels));
      return this.send(res, 200, { kind: "NamespaceList", apiVersion: "v1", metadata: {}, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    if (m) {
      const ns = this.namespaces.get(m[1] as string);
      if (!ns) return this.send(res, 404, status(404, `namespaces "${m[1]}" not found`));
      if (method === "DELETE") {
        this.namespaces.delete(m[1] as string);
        for (const [key, pod] of this.pods) if (pod.metadata.namespace === m[1]) this.pods.delete(key);
        return this.send(res, 200, { ...ns, status: { phase: "Terminating" } });
      }
      return this.send(res, 200, ns);
    }
    if (path === "/api/v1/pods" && method === "GET") {
      const items = [...this.pods.values()]
        .filter((p) => this.matches(p.metadata.labels, labels))
        .map((p) => this.view(p));
      return this.send(res, 200, { kind: "PodList", apiVersion: "v1", metadata: {}, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (m) {
      const namespace = m[1] as string;
      if (!this.namespaces.has(namespace))
        return this.send(res, 404, status(404, `namespaces "${namespace}" not found`));
      if (method === "POST") {
        const pod = await this.body(req);
        pod.metadata.namespace = namespace;
        const key = `${namespace}/${pod.metadata.name}`;
        if (this.pods.has(key))
          return this.send(res, 409, status(409, `pods "${pod.metadata.name}" already exists`));
        const level =
          this.namespaces.get(namespace)?.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        const violations = level ? podSecurityViolations(pod, level) : [];
        if (violations.length > 0)
          // the admission plugin's wording (kubernetes/pod-security-admission, admission/admission.go)
          return this.send(
            res,
            403,
            status(
              403,
              `pods "${pod.metadata.name}" is forbidden: violates PodSecurity "${level}:latest": ${violations.join(", ")}`,
            ),
          );
        this.allocate(pod);
        this.pods.set(key, pod);
        return this.send(res, 201, this.view(pod));
      }
      const items = [...this.pods.values()].filter(
        (p) =>
          p.metadata.namespace === namespace && this.matches(p.metadata.labels, labels) && this.visible(p),
      );
      if (method === "DELETE") {
        for (const pod of items) this.pods.delete(`${namespace}/${pod.metadata.name}`);
        return this.send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success" });
      }
      return this.send(res, 200, {
        kind: "PodList",
        apiVersion: "v1",
        metadata: {},
        items: items.map((p) => this.view(p)),
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log)?$/.exec(path);
    if (m) {
      const key = `${m[1]}/${m[2]}`;
      const pod = this.pods.get(key);
      if (!pod) return this.send(res, 404, status(404, `pods "${m[2]}" not found`));
      if (m[3])
        return this.send(
          res,
          200,
          "netserver: starting\nnetserver: bind: Address already in use\n",
          "text/plain",
        );
      if (method === "DELETE") {
        this.pods.delete(key);
        return this.send(res, 200, this.view(pod));
      }
      return this.send(res, 200, this.view(pod));
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
    if (m) {
      const name = /involvedObject\.name=([^,]+)/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
      const pod = this.pods.get(`${m[1]}/${name}`);
      const items =
        pod?.internal.fault === "image"
          ? [
              {
                metadata: { name: `${name}.1` },
                reason: "Failed",
                type: "Warning",
                message: `Failed to pull image "${pod.spec.containers[0].image}": not found`,
              },
            ]
          : [];
      return this.send(res, 200, { kind: "EventList", apiVersion: "v1", metadata: {}, items });
    }
    if (path === "/api/v1/namespaces/kube-system/configmaps/cilium-config") {
      if (method === "PATCH") {
        // JSON merge patch (RFC 7386): null removes a key
        const patch = await this.body(req);
        const merge = (target: Json, source: Json = {}) => {
          for (const [k, v] of Object.entries(source)) {
            if (v === null) delete target[k];
            else target[k] = v;
          }
        };
        merge(this.configMap.data, patch.data);
        this.configMap.metadata.annotations ??= {};
        merge(this.configMap.metadata.annotations, patch.metadata?.annotations);
      }
      return this.send(res, 200, this.configMap);
    }
    if (path === "/apis/apps/v1/namespaces/kube-system/daemonsets/cilium") {
      if (method === "PATCH") {
        const patch = await this.body(req);
        Object.assign(
          this.daemonSet.spec.template.metadata.annotations,
          patch.spec?.template?.metadata?.annotations ?? {},
        );
        this.daemonSet.metadata.generation++;
        this.daemonSet.status = { ...this.daemonSet.status, updatedNumberScheduled: 0, numberAvailable: 1 };
        this.rolloutPending = true;
        this.rolloutDoneAt = Date.now() + (this.options.rolloutDelayMs ?? 300);
      }
      return this.send(res, 200, this.daemonSet);
    }
    return this.send(res, 404, status(404, `the fake API server does not serve ${method} ${path}`));
  }

  private async exec(req: IncomingMessage, ws: WebSocket): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const pod = m ? this.pods.get(`${m[1]}/${m[2]}`) : undefined;
    const command = url.searchParams.getAll("command");
    const finish = (code: number, stderr = "") => {
      if (stderr) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(stderr)]));
      // v5 (API servers ≥ 1.30) adds the CLOSE signal (255, stream) for the client to half-close
      // stdin; the server ends with the status as in v4. (@kubernetes/client-node 1.4's exec throws
      // "Unknown stream: 255" on a CLOSE frame from the server, so none is sent here.)
      const s =
        code === 0
          ? { metadata: {}, status: "Success" }
          : {
              metadata: {},
              status: "Failure",
              message: `command terminated with non-zero exit code: ${code}`,
              reason: "NonZeroExitCode",
              details: { causes: [{ reason: "ExitCode", message: String(code) }] },
            };
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(s))]));
      ws.close();
    };
    if (!pod?.internal.netns && !pod?.internal.local) return finish(1, `pod not found or not running\n`);
    if (pod.internal.agent && command[0] === "cilium-dbg" && command[1] === "status") {
      const current = this.options.simulated
        ? this.simulatedMode
        : (this.options.fixedMode ?? (await this.labMode(pod.internal.netns.replace(/^rb-/, ""))));
      // a Terminating agent of the previous rollout still answers, with the old mode
      const mode = pod.internal.stale ? (current === "ebpf" ? "legacy" : "ebpf") : current;
      const text = agentStatus(mode === "ebpf" ? "BPF" : "Legacy", this.faults, command.includes("json"));
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
      // the agent exits 1 after its full report when it is not fully Ok
      return finish(this.faults.statusExitsOne ? 1 : 0);
    }
    if (pod.internal.local) {
      // simulated: only read-only commands, on this machine, no namespaces
      if (!["netperf", "cat"].includes(command[0] ?? "") || (command[0] === "netperf" && command[1] !== "-V"))
        return finish(127, `the simulated fake runs only netperf -V and cat, not ${command.join(" ")}\n`);
      const child = spawn(command[0] as string, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (chunk: Buffer) => ws.send(Buffer.concat([Buffer.from([1]), chunk])));
      child.on("close", (code) => finish(code ?? 1));
      return;
    }
    if (this.options.fixedMode) await setLabMode(processRunner, this.options.fixedMode, { force: true });
    const child = spawn("nsenter", [`--net=/run/netns/${pod.internal.netns}`, ...command], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let dropped = false;
    // only a measuring netperf (not `netperf -V` or the trial's `cat /proc/stat`) is dropped
    if (this.faults.dropNextExecAfterMs !== null && command[0] === "netperf" && command.includes("-l")) {
      const after = this.faults.dropNextExecAfterMs;
      this.faults.dropNextExecAfterMs = null;
      setTimeout(() => {
        dropped = true;
        child.kill("SIGKILL");
        ws.terminate();
      }, after);
    }
    child.stdout.on(
      "data",
      (chunk: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([1]), chunk])),
    );
    child.stderr.on(
      "data",
      (chunk: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([2]), chunk])),
    );
    ws.on("close", () => child.kill("SIGKILL"));
    child.on("close", (code) => {
      if (!dropped && ws.readyState === ws.OPEN) finish(code ?? 1);
    });
  }
}

/**
 * `cilium-dbg status` of an agent. The text form follows a real 1.18.4 report
 * (test/fixtures/cilium/status-1.18.4.txt); the JSON form carries the fields of api/v1's
 * StatusResponse that routebench reads (no public capture of the JSON was found).
 */
function agentStatus(routing: "BPF" | "Legacy", faults: Faults, json: boolean): string {
  const kpr = faults.noKubeProxyReplacement ? "False" : "True";
  const state = faults.statusExitsOne ? "Warning" : "Ok";
  if (json)
    return `${JSON.stringify(
      {
        cilium: { state, msg: "1.18.2 (v1.18.2-5f21a4a8)" },
        "kube-proxy-replacement": { mode: kpr },
        masquerading: { enabled: true, mode: "BPF" },
        routing: {
          "inter-host-routing-mode": "Native",
          "intra-host-routing-mode": routing,
          "tunnel-protocol": "",
        },
      },
      null,
      2,
    )}\n`;
  const line =
    faults.statusFormat === "old"
      ? `Host Routing:            ${routing}`
      : `Routing:                 Network: Native   Host: ${routing}`;
  return `KVStore:                 Disabled\nKubernetes:              Ok   1.33\nKubeProxyReplacement:    ${kpr}\nCilium:                  ${state}   1.18.2 (v1.18.2-5f21a4a8)\n${line}\nMasquerading:            BPF\nCluster health:          2/2 reachable\n`;
}

function status(code: number, message: string): Json {
  const reasons: Record<number, string> = {
    429: "TooManyRequests",
    403: "Forbidden",
    404: "NotFound",
    409: "AlreadyExists",
    500: "InternalError",
  };
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: reasons[code] ?? "Unknown",
    code,
  };
}

function node(name: string, ip: string, controlPlane: boolean, zone = "zone-1", ready = true): Json {
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "topology.kubernetes.io/zone": zone,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "Standard_D16s_v5",
        ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
      },
    },
    spec: controlPlane
      ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }
      : {},
    status: {
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      addresses: [{ type: "InternalIP", address: ip }],
      capacity: { cpu: "16", memory: "65851948Ki" },
      nodeInfo: {
        kernelVersion: "6.8.0-1021-azure",
        osImage: "Ubuntu 24.04.1 LTS",
        operatingSystem: "linux",
        architecture: "amd64",
        containerRuntimeVersion: "containerd://1.7",
        kubeletVersion: "v1.33.2",
        kubeProxyVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}

/** A kubeconfig with one context per server. */
export function kubeconfigFor(servers: Record<string, string>): string {
  const names = Object.keys(servers);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    // plain HTTP on loopback: client-node allows it only with TLS verification off
    clusters: names.map((name) => ({
      name,
      cluster: { server: servers[name], "insecure-skip-tls-verify": true },
    })),
    users: [{ name: "tester", user: { token: "fake-token" } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: "tester" } })),
    "current-context": names[0],
  });
}
