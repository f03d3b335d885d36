/**
 * Cilium on the test API server: the agent pods (one per node, and a Terminating one of the
 * previous rollout), cilium-config, ds/cilium with a rollout that takes rolloutDelayMs,
 * CiliumNodeConfig objects, and SelfSubjectAccessReview answers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setLabMode } from "../../harness/backends/lab/lab.js";
import { processRunner } from "../../harness/util/runner.js";
import type { FakeApiServer } from "./fake-apiserver.js";
import type { NodeState } from "./fake-wire.js";

/** The Cilium agent of a node (and the previous rollout's, shutting down: newer name order, older config). */
export function addAgents(s: FakeApiServer, node: NodeState): void {
  const name = `cilium-${node.name}`;
  const agent = (suffix: string, created: number, stale: boolean) => ({
    metadata: {
      name: `${name}${suffix}`,
      namespace: "kube-system",
      labels: { "k8s-app": "cilium" },
      creationTimestamp: new Date(created).toISOString(),
      ...(stale ? { deletionTimestamp: new Date().toISOString() } : {}),
    },
    spec: { nodeName: node.name, containers: [{ name: "cilium-agent" }] },
    status: { phase: "Running", podIP: node.ip, hostIP: node.ip },
    internal: { netns: `rb-${node.lab}`, agent: true, stale, node: node.name },
  });
  s.pods.set(`kube-system/${name}`, agent("", 0, false));
  s.pods.set(`kube-system/${name}-old`, agent("-old", 1000, true));
}

/** Removes a node's agents (the node is gone). */
export function removeAgents(s: FakeApiServer, node: NodeState): void {
  s.pods.delete(`kube-system/cilium-${node.name}`);
  s.pods.delete(`kube-system/cilium-${node.name}-old`);
}

/** Finishes a DaemonSet restart whose time has come: the agents apply the config to the lab. */
export async function settleRollout(s: FakeApiServer): Promise<void> {
  if (!s.rollout.pending || Date.now() < s.rollout.doneAt) return;
  s.rollout.pending = false;
  // Cilium's default is BPF host routing where it can: an absent key means false
  const legacy = s.configMap.data["enable-host-legacy-routing"] === "true";
  const fallback = s.faults.ciliumFallback || s.faults.noKubeProxyReplacement;
  const mode = legacy || fallback ? "legacy" : "ebpf";
  if (s.options.simulated) s.simulatedMode = mode;
  else await setLabMode(processRunner, mode, { force: true });
  const desired = s.daemonSet.status.desiredNumberScheduled;
  s.daemonSet.status = {
    observedGeneration: s.daemonSet.metadata.generation,
    desiredNumberScheduled: desired,
    updatedNumberScheduled: desired,
    numberAvailable: desired,
  };
}

/** SelfSubjectAccessReview, Cilium's objects; false when the path is none of them. */
export async function handleCilium(
  s: FakeApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const method = req.method ?? "GET";
  const send = (code: number, body: unknown) => {
    s.send(res, code, body);
    return true;
  };
  if (path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
    const review = await s.body(req);
    const a = review.spec.resourceAttributes;
    const name = `${a.verb} ${a.group ? `${a.group}/` : ""}${a.resource}${a.subresource ? `/${a.subresource}` : ""}`;
    s.reviews.push({ ...a });
    return send(201, { ...review, status: { allowed: !s.faults.denied.includes(name) } });
  }
  if (path === "/apis/cilium.io/v2/namespaces/kube-system/ciliumnodeconfigs")
    return send(200, {
      apiVersion: "cilium.io/v2",
      kind: "CiliumNodeConfigList",
      metadata: {},
      items: s.nodeConfigs,
    });
  if (path === "/api/v1/namespaces/kube-system/configmaps/cilium-config") {
    if (s.faults.denied.includes(`${method === "PATCH" ? "patch" : "get"} configmaps`))
      return send(403, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "Forbidden",
        code: 403,
        message: `configmaps "cilium-config" is forbidden: User "tester" cannot ${method === "PATCH" ? "patch" : "get"} resource "configmaps" in API group "" in the namespace "kube-system"`,
      });
    if (method === "PATCH") {
      // JSON merge patch (RFC 7386): null removes a key
      const patch = await s.body(req);
      const merge = (target: Record<string, unknown>, source: Record<string, unknown> = {}) => {
        for (const [k, v] of Object.entries(source)) {
          if (v === null) delete target[k];
          else target[k] = v;
        }
      };
      merge(s.configMap.data, patch.data);
      s.configMap.metadata.annotations ??= {};
      merge(s.configMap.metadata.annotations, patch.metadata?.annotations);
    }
    return send(200, s.configMap);
  }
  if (path === "/apis/apps/v1/namespaces/kube-system/daemonsets/cilium") {
    if (method === "PATCH") {
      const patch = await s.body(req);
      Object.assign(
        s.daemonSet.spec.template.metadata.annotations,
        patch.spec?.template?.metadata?.annotations ?? {},
      );
      s.daemonSet.metadata.generation++;
      s.daemonSet.status = { ...s.daemonSet.status, updatedNumberScheduled: 0, numberAvailable: 1 };
      s.rollout.pending = true;
      s.rollout.doneAt = Date.now() + (s.options.rolloutDelayMs ?? 300);
    }
    return send(200, s.daemonSet);
  }
  return false;
}
