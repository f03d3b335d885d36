/**
 * Whether explain (perf on the test nodes) can run here: it needs the benchmark's CPUs named,
 * a privileged profiling pod with hostPID on each test node, which Pod Security admits only
 * where the namespace enforces `privileged` (routebench labels its own namespace so), and perf
 * in that pod able to sample a CPU with kernel symbols. For a sweep with explain the check starts
 * the profiling pod on node A in a throw-away namespace (or the sweep's own) and records 0.2 s
 * there, the run's own probe (profiler.ts); without explain it only says what Pod Security would do.
 */
import type { Sweep } from "../../sweep/schema.js";
import { type Check, fail, pass, skip } from "./check-result.js";
import { makeKubeRunId } from "./connect.js";
import type { KubeClients } from "./kubeconfig.js";
import { profilerPlans, renderPod } from "./manifests.js";
import type { NodeFacts } from "./nodes.js";
import { closeNamespace, openNamespace, type PodScope, startPods } from "./pods.js";
import { enforcedLevel, podSecurityViolations } from "./podsecurity.js";
import { probeProfilers, profileRefusal } from "./profiler.js";

const TITLE = "Profiling pod for explain (privileged, hostPID, perf)";

/** What Pod Security would do with the profiling pod, and whether it admits it. */
async function admission(sweep: Sweep, clients: KubeClients): Promise<{ admitted: boolean; detail: string }> {
  const namespace = sweep.kubernetes.namespace;
  if (!namespace)
    return {
      admitted: true,
      detail:
        "routebench labels its own namespace enforce=privileged when the sweep has explain, which admits it",
    };
  const ns = await clients.core.readNamespace({ name: namespace }).catch(() => null);
  if (!ns) return { admitted: false, detail: `namespace ${namespace} does not exist` };
  const level = enforcedLevel(ns);
  if (!level)
    return {
      admitted: true,
      detail: `${namespace} has no enforce label: the cluster's default level decides (the run's first pod creation says)`,
    };
  const [plan] = profilerPlans(["A", "B"], ["same-node"]);
  const refused = plan
    ? podSecurityViolations(renderPod(plan, sweep.kubernetes, namespace, "check"), level)
    : [];
  return refused.length === 0
    ? { admitted: true, detail: `${namespace} enforces ${level}, which admits it` }
    : { admitted: false, detail: `${namespace} enforces ${level}, which refuses it (${refused.join("; ")})` };
}

export async function profilingCheck(
  sweep: Sweep,
  clients: KubeClients,
  testNodes: [NodeFacts, NodeFacts] | null,
  log: (message: string) => void,
): Promise<Check> {
  const podSecurity = await admission(sweep, clients);
  if (!sweep.explain)
    return pass("profiling", TITLE, `not asked for (explain: false); Pod Security: ${podSecurity.detail}`);
  const refusal = profileRefusal(sweep);
  if (refusal)
    return fail(
      "profiling",
      TITLE,
      refusal,
      "name the CPUs (cpu: {client: 2, server: 2}), or set explain: false",
    );
  const namespace = sweep.kubernetes.namespace;
  if (!podSecurity.admitted)
    return fail(
      "profiling",
      TITLE,
      `Pod Security: ${podSecurity.detail}`,
      namespace
        ? `kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged --overwrite, or leave kubernetes.namespace unset, or set explain: false`
        : "set explain: false",
    );
  if (!testNodes) return skip("profiling", TITLE, "no test nodes");
  const plans = profilerPlans([testNodes[0].name, testNodes[1].name], ["same-node"]);
  const cpus = [sweep.cpu.client, sweep.cpu.server].filter((c): c is number => c !== undefined);
  let scope: PodScope | null = null;
  try {
    scope = await openNamespace(clients, sweep.kubernetes, `check-${makeKubeRunId()}`, plans);
    const started = await startPods(scope, plans);
    await probeProfilers({ ...scope, plans, ...started }, cpus);
    return pass(
      "profiling",
      TITLE,
      `Pod Security: ${podSecurity.detail}; perf in ${sweep.kubernetes.profiler.image} sampled CPUs ${cpus.join(",")} of ${testNodes[0].name} with kernel symbols`,
    );
  } catch (error) {
    return fail(
      "profiling",
      TITLE,
      (error as Error).message,
      (error as { hint?: string }).hint ??
        "set kubernetes.profiler.image to an image with perf the nodes can pull, or set explain: false",
    );
  } finally {
    if (scope) await closeNamespace(scope, log);
  }
}
