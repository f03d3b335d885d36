/**
 * The test API server's core/v1 objects: namespaces, nodes and pods with their status
 * transitions, graceful deletion (the object stays, marked, until the kubelet has killed the
 * containers) and forced deletion (grace 0: the object goes at once, the kubelet kills later,
 * so a host-network netserver's port stays taken a while), events and logs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { podSecurityViolations } from "../../harness/backends/kubernetes/podsecurity.js";
import { cpuMillis } from "../../harness/backends/kubernetes/resources.js";
import type { FakeApiServer } from "./fake-apiserver.js";
import { podIPs } from "./fake-services.js";
import { type Json, nodeObject, status } from "./fake-wire.js";

export function podStatus(s: FakeApiServer, pod: Json): Json {
  const internal = pod.internal;
  if (internal.agent) return pod.status;
  const age = Date.now() - internal.createdAt;
  const container = pod.spec.containers[0];
  const base = {
    phase: "Pending",
    hostIP: internal.nodeIp,
    conditions: [{ type: "PodScheduled", status: "True" }],
  };
  const containerStatus = (state: Json, ready = false, restartCount = 0) => ({
    name: container.name,
    image: container.image,
    ready,
    restartCount,
    state,
  });
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
  if (internal.fault === "image")
    return {
      ...base,
      containerStatuses: [
        containerStatus({ waiting: { reason: "ErrImagePull", message: "rpc error: not found" } }),
      ],
    };
  if (internal.fault === "crash" && age > 50)
    return {
      ...base,
      phase: "Running",
      containerStatuses: [
        containerStatus(
          { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
          false,
          3,
        ),
      ],
    };
  // a host-network netserver started while the old one's port was still taken: netserver exits 1
  if (internal.fault === "bind" && age > 20)
    return {
      ...base,
      phase: "Failed",
      containerStatuses: [containerStatus({ terminated: { exitCode: 1, reason: "Error" } })],
    };
  if (internal.fault === "never" || age < (s.options.readyDelayMs ?? 150)) return base;
  return {
    phase: "Running",
    hostIP: internal.nodeIp,
    podIP: internal.ip,
    podIPs: podIPs(s, internal),
    conditions: [
      { type: "PodScheduled", status: "True" },
      { type: "Ready", status: "True" },
      { type: "ContainersReady", status: "True" },
    ],
    containerStatuses: [
      containerStatus({ running: { startedAt: new Date(internal.createdAt).toISOString() } }, true),
    ],
  };
}

export function view(s: FakeApiServer, pod: Json): Json {
  const { internal: _internal, ...rest } = pod;
  return { ...rest, status: podStatus(s, pod) };
}

/** True for a host-network netserver: the pod that holds port 12865 on its node. */
const holdsNodePort = (pod: Json) =>
  Boolean(pod.spec?.hostNetwork) && pod.spec?.containers?.[0]?.command?.[0] === "netserver";

const cpuRequest = (pod: Json) =>
  (pod.spec?.containers ?? []).reduce(
    (sum: number, c: Json) => sum + (cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu) ?? 0),
    0,
  );

/** The scheduler's fit: the CPU requests of the node's pods and this one within its allocatable. */
function fitsCpu(s: FakeApiServer, pod: Json, node: string, allocatable: string): boolean {
  const used = s
    .testPods()
    .filter((p) => p.spec?.nodeName === node)
    .reduce((sum, p) => sum + cpuRequest(p), 0);
  return used + cpuRequest(pod) <= (cpuMillis(allocatable) ?? Number.POSITIVE_INFINITY);
}

/** Places a new pod on a lab pod namespace of its node (or the node namespace for hostNetwork). */
export function allocate(s: FakeApiServer, pod: Json): void {
  const nodeName = pod.spec.nodeSelector?.["kubernetes.io/hostname"];
  const node = s.nodes.find((n) => n.name === nodeName);
  const image: string = pod.spec.containers[0]?.image ?? "";
  let fault: string | null = null;
  if (
    !node ||
    node.unschedulable ||
    s.faults.unschedulable ||
    !fitsCpu(s, pod, node.name, node.allocatableCpu)
  )
    fault = "unschedulable";
  else if (image.includes(s.faults.badImage)) fault = "image";
  else if (s.faults.crashLoop && pod.spec.containers[0]?.command?.[0] === "netserver") fault = "crash";
  else if (s.faults.neverReady) fault = "never";
  else if (holdsNodePort(pod) && (s.portHeldUntil.get(node.name) ?? 0) > Date.now()) fault = "bind";
  const internal: Json = { createdAt: Date.now(), fault, nodeIp: node?.ip };
  if (node && fault !== "unschedulable") {
    pod.spec.nodeName = node.name;
    if (s.options.simulated) {
      internal.ip = pod.spec.hostNetwork ? node.ip : `198.19.${s.nodes.indexOf(node)}.${s.podCounter++ + 10}`;
      internal.local = true;
    } else if (pod.spec.hostNetwork || pod.spec.hostPID) {
      // host-network pods, and explain's hostPID profiler (perf samples CPUs, not a network): the node's namespace
      internal.netns = `rb-${node.lab}`;
      internal.ip = node.ip;
    } else {
      const labNode = s.labPlan.nodes.find((n) => n.name === node.lab);
      const used = new Set(s.testPods().map((p) => p.internal.netns));
      const free = labNode?.pods.find((p) => !used.has(p.netns));
      if (!free) throw new Error(`no free lab pod on ${node.name}`);
      internal.netns = free.netns;
      internal.ip = free.ip;
    }
  }
  pod.internal = internal;
}

/**
 * Deletes a pod as the API server and kubelet do: with a grace period the object stays, with a
 * deletionTimestamp, until the kubelet has killed the containers (terminationDelayMs); with
 * grace 0 the object goes at once and the kubelet kills later (forcedKillDelayMs), the port of
 * a host-network netserver still taken until then.
 */
export function deletePod(s: FakeApiServer, key: string, graceSeconds: number | null): void {
  const pod = s.pods.get(key);
  if (!pod) return;
  const grace = graceSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  if (grace === 0) {
    s.pods.delete(key);
    if (holdsNodePort(pod) && pod.spec.nodeName)
      s.portHeldUntil.set(pod.spec.nodeName, Date.now() + (s.options.forcedKillDelayMs ?? 300));
    return;
  }
  if (pod.metadata.deletionTimestamp) return;
  pod.metadata.deletionTimestamp = new Date().toISOString();
  pod.internal.goneAt = Date.now() + (s.options.terminationDelayMs ?? 40);
}

/** Removes the pods whose kubelet has finished killing them. */
export function settlePods(s: FakeApiServer): void {
  for (const [key, pod] of s.pods)
    if (pod.internal.goneAt && pod.internal.goneAt <= Date.now()) s.pods.delete(key);
}

function graceOf(url: URL): number | null {
  const grace = url.searchParams.get("gracePeriodSeconds");
  return grace === null ? null : Number(grace);
}

/** namespaces, nodes, pods, events and logs; false when the path is none of them. */
export async function handleCore(
  s: FakeApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<boolean> {
  const method = req.method ?? "GET";
  const labels = url.searchParams.get("labelSelector");
  const send = (code: number, body: unknown, type?: string) => {
    s.send(res, code, body, type);
    return true;
  };
  if (path === "/api/v1/nodes") {
    const items = s.nodes.map((n) => nodeObject(n));
    items.push(nodeObject({ ...s.controlPlane }, true));
    return send(200, { kind: "NodeList", apiVersion: "v1", metadata: {}, items });
  }
  if (path === "/api/v1/namespaces" && method === "POST") {
    const ns = await s.body(req);
    if (s.namespaces.has(ns.metadata.name))
      return send(409, status(409, `namespaces "${ns.metadata.name}" already exists`));
    s.namespaces.set(ns.metadata.name, ns);
    return send(201, ns);
  }
  if (path === "/api/v1/namespaces" && method === "GET") {
    const items = [...s.namespaces.values()].filter((n) => s.matches(n.metadata.labels, labels));
    return send(200, { kind: "NamespaceList", apiVersion: "v1", metadata: {}, items });
  }
  let m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
  if (m) {
    const ns = s.namespaces.get(m[1] as string);
    if (!ns) return send(404, status(404, `namespaces "${m[1]}" not found`));
    if (method === "DELETE") {
      s.namespaces.delete(m[1] as string);
      for (const [key, pod] of s.pods) if (pod.metadata.namespace === m[1]) s.pods.delete(key);
      return send(200, { ...ns, status: { phase: "Terminating" } });
    }
    return send(200, ns);
  }
  if (path === "/api/v1/pods" && method === "GET") {
    const items = [...s.pods.values()]
      .filter((p) => s.matches(p.metadata.labels, labels))
      .map((p) => view(s, p));
    return send(200, { kind: "PodList", apiVersion: "v1", metadata: {}, items });
  }
  m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
  if (m) {
    const namespace = m[1] as string;
    if (!s.namespaces.has(namespace)) return send(404, status(404, `namespaces "${namespace}" not found`));
    if (method === "POST") {
      const pod = await s.body(req);
      pod.metadata.namespace = namespace;
      const key = `${namespace}/${pod.metadata.name}`;
      if (s.pods.has(key)) return send(409, status(409, `pods "${pod.metadata.name}" already exists`));
      const level = s.namespaces.get(namespace)?.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
      const violations = level ? podSecurityViolations(pod, level) : [];
      if (violations.length > 0)
        // the admission plugin's wording (kubernetes/pod-security-admission, admission/admission.go)
        return send(
          403,
          status(
            403,
            `pods "${pod.metadata.name}" is forbidden: violates PodSecurity "${level}:latest": ${violations.join(", ")}`,
          ),
        );
      allocate(s, pod);
      s.pods.set(key, pod);
      return send(201, view(s, pod));
    }
    const items = [...s.pods.values()].filter(
      (p) => p.metadata.namespace === namespace && s.matches(p.metadata.labels, labels) && s.visible(p),
    );
    if (method === "DELETE") {
      for (const pod of items) deletePod(s, `${namespace}/${pod.metadata.name}`, graceOf(url));
      return send(200, { kind: "Status", apiVersion: "v1", status: "Success" });
    }
    return send(200, {
      kind: "PodList",
      apiVersion: "v1",
      metadata: {},
      items: items.map((p) => view(s, p)),
    });
  }
  m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log)?$/.exec(path);
  if (m) {
    const key = `${m[1]}/${m[2]}`;
    const pod = s.pods.get(key);
    if (!pod) return send(404, status(404, `pods "${m[2]}" not found`));
    if (m[3])
      return send(200, "netserver: starting\nnetserver: bind: Address already in use\n", "text/plain");
    if (method === "DELETE") {
      deletePod(s, key, graceOf(url));
      return send(200, view(s, pod));
    }
    return send(200, view(s, pod));
  }
  m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
  if (m) {
    const name = /involvedObject\.name=([^,]+)/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
    const pod = s.pods.get(`${m[1]}/${name}`);
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
    return send(200, { kind: "EventList", apiVersion: "v1", metadata: {}, items });
  }
  return false;
}
