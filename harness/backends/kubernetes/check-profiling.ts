/**
 * Whether explain (perf on the test nodes) could run here: it needs a privileged profiling pod
 * with hostPID on each test node, which Pod Security admits only where the namespace enforces
 * `privileged`. routebench does not deploy such a pod yet, so a run refuses explain on
 * Kubernetes (cli/run.ts); this row says what the cluster would allow and why explain fails.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { type Check, fail, pass } from "./check-result.js";
import type { KubeClients } from "./kubeconfig.js";
import { enforcedLevel, podSecurityViolations } from "./podsecurity.js";

/** The pod explain would need: hostPID and privileged, to run perf against the node's CPUs. */
export function profilingPod(namespace: string): V1Pod {
  return {
    metadata: { name: "rb-profiler", namespace },
    spec: {
      hostPID: true,
      containers: [{ name: "perf", image: "debian", securityContext: { privileged: true } }],
    },
  };
}

export async function profilingCheck(sweep: Sweep, clients: KubeClients): Promise<Check> {
  const title = "Profiling pod for explain (hostPID, perf)";
  const namespace = sweep.kubernetes.namespace;
  let admitted: string;
  if (!namespace)
    admitted = "routebench's own namespace could be labelled enforce=privileged, which admits it";
  else {
    const ns = await clients.core.readNamespace({ name: namespace }).catch(() => null);
    const level = ns ? enforcedLevel(ns) : null;
    const refused = level ? podSecurityViolations(profilingPod(namespace), level) : [];
    admitted = !ns
      ? `namespace ${namespace} does not exist`
      : !level
        ? `${namespace} has no enforce label: the cluster's default level decides`
        : refused.length === 0
          ? `${namespace} enforces ${level}, which admits it`
          : `${namespace} enforces ${level}, which refuses it (${refused.join("; ")})`;
  }
  const detail = `Pod Security: ${admitted}; routebench does not deploy a profiling pod yet, so runs refuse explain on Kubernetes`;
  return sweep.explain
    ? fail(
        "profiling",
        title,
        detail,
        "run explain on the lab (`routebench run sweeps/explain.yaml`), or set explain: false",
      )
    : pass("profiling", title, detail);
}
