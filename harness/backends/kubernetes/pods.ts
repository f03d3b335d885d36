/**
 * The run's test namespace and its netperf pods: created on the planned nodes, waited on until
 * Ready (or told why not), commands run in them through pods/exec, and removed at the end.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { EnvironmentError, tailLines } from "../../util/errors.js";
import type { ProcessResult } from "../../util/runner.js";
import { api } from "./api.js";
import { backoffDelayMs } from "./api-errors.js";
import { execInPod } from "./exec.js";
import type { KubeClients } from "./kubeconfig.js";
import {
  type PodPlan,
  type PodRole,
  podSecurityLevel,
  RUN_LABEL,
  renderNamespace,
  renderPod,
} from "./manifests.js";
import { podProblem } from "./pod-problem.js";
import { enforcedLevel, podSecurityViolations } from "./podsecurity.js";
import { byFamily, deleteServices, type FamilyAddresses } from "./services.js";

/** Where a run's pods live: the clients, the sweep's options, the run id and the namespace. */
export interface PodScope {
  readonly clients: KubeClients;
  readonly options: KubernetesOptions;
  readonly runId: string;
  readonly namespace: string;
  /** Made by this run (so deleted with everything in it at the end), not the sweep's own. */
  readonly createdNamespace: boolean;
}

/** Where the started pods are: each one's IP (status.podIP), and its IPs by family (status.podIPs). */
export interface PodAddresses {
  readonly podIps: ReadonlyMap<PodRole, string>;
  readonly podAddresses: ReadonlyMap<PodRole, FamilyAddresses>;
}

/** A scope with its pods running: the plan, each pod's IPs, and the netservers' Services where the sweep has them. */
export interface TestPods extends PodScope, PodAddresses {
  readonly plans: readonly PodPlan[];
  /** The ClusterIPs of each netserver's Service by family (`destinations: [service]`); they outlive pod restarts. */
  readonly services?: ReadonlyMap<PodRole, FamilyAddresses>;
}

/** The sweep's namespace, or a new one labelled with the Pod Security level the planned pods need. */
export async function openNamespace(
  clients: KubeClients,
  options: KubernetesOptions,
  runId: string,
  plans: readonly PodPlan[],
): Promise<PodScope> {
  if (options.namespace) {
    const namespace = options.namespace;
    const ns = await api(`reading namespace ${namespace}`, () =>
      clients.core.readNamespace({ name: namespace }),
    );
    // explain's profiling pod is refused before anything is created where the namespace's level forbids it
    const level = enforcedLevel(ns);
    const refused = level
      ? plans
          .filter((p) => p.profiler)
          .flatMap((p) => podSecurityViolations(renderPod(p, options, namespace, runId), level))
      : [];
    if (level && refused.length > 0)
      throw new EnvironmentError(
        `explain needs a privileged profiling pod with hostPID on each test node, and namespace ${namespace} enforces Pod Security "${level}", which refuses it (${[...new Set(refused)].join("; ")})`,
        `kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged --overwrite, or leave kubernetes.namespace unset (routebench then labels its own namespace privileged), or run without explain`,
      );
    return { clients, options, runId, namespace, createdNamespace: false };
  }
  const namespace = `rb-${runId}`;
  const body = renderNamespace(namespace, runId, podSecurityLevel(plans));
  await api(`creating namespace ${namespace}`, () => clients.core.createNamespace({ body }));
  return { clients, options, runId, namespace, createdNamespace: true };
}

/** Creates the planned pods and waits until each is Ready; returns their IPs by role. */
export async function startPods(scope: PodScope, plans: readonly PodPlan[]): Promise<PodAddresses> {
  const { clients, namespace } = scope;
  for (const plan of plans) {
    const body = renderPod(plan, scope.options, namespace, scope.runId);
    await api(`creating pod ${plan.name} in ${namespace}`, () =>
      clients.core.createNamespacedPod({ namespace, body }),
    );
  }
  const podIps = new Map<PodRole, string>();
  const podAddresses = new Map<PodRole, FamilyAddresses>();
  for (const plan of plans) {
    const status = await waitReady(scope, plan.name);
    podIps.set(plan.role, status.podIP);
    podAddresses.set(plan.role, byFamily([status.podIP, ...(status.podIPs ?? []).map((p) => p.ip)]));
  }
  return { podIps, podAddresses };
}

/** Deletes the pods and starts them again (new endpoints, e.g. after a host-routing switch); returns the new IPs. */
export async function restartPods(pods: TestPods): Promise<PodAddresses> {
  await deletePods(pods);
  return startPods(pods, pods.plans);
}

/**
 * Deletes the run's pods gracefully and waits until their objects are gone. Not with grace 0:
 * a forced deletion removes the object at once while the kubelet kills the container later, so
 * a host-network netserver started next would find port 12865 still taken and exit. With a
 * grace period the object stays until the kubelet has killed the containers (the manifests'
 * terminationGracePeriodSeconds: 1), so an empty list means the ports are free.
 */
async function deletePods(scope: PodScope): Promise<void> {
  const selector = { namespace: scope.namespace, labelSelector: `${RUN_LABEL}=${scope.runId}` };
  await api("deleting the test pods", () => scope.clients.core.deleteCollectionNamespacedPod(selector));
  const deadline = Date.now() + scope.options.readyTimeoutSec * 1000;
  let left: string[] = [];
  for (let look = 0; Date.now() < deadline; look++) {
    const list = await api("listing the test pods", () => scope.clients.core.listNamespacedPod(selector));
    left = list.items.map((p) => p.metadata?.name ?? "");
    if (left.length === 0) return;
    await sleep(backoffDelayMs(look));
  }
  throw new EnvironmentError(
    `the test pods ${left.join(", ")} were still terminating after ${scope.options.readyTimeoutSec} s`,
    "kubectl describe pod in the test namespace shows what holds them (a finalizer, a node that is gone)",
  );
}

/** Waits until the pod is Running and Ready (its status then); says why in the user's terms when it will not be. */
async function waitReady(
  scope: PodScope,
  name: string,
): Promise<{ podIP: string; podIPs?: { ip: string }[] }> {
  const deadline = Date.now() + scope.options.readyTimeoutSec * 1000;
  let pod: V1Pod | undefined;
  for (let look = 0; Date.now() < deadline; look++) {
    pod = await api(`reading pod ${name}`, () =>
      scope.clients.core.readNamespacedPod({ name, namespace: scope.namespace }),
    );
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (pod.status?.phase === "Running" && ready && pod.status.podIP)
      return { podIP: pod.status.podIP, podIPs: pod.status.podIPs };
    const problem = podProblem(pod, await events(scope, pod), await logTail(scope, pod));
    if (problem)
      throw new EnvironmentError(
        problem,
        "`kubectl describe pod` in the test namespace shows more; fix the image, tolerations or resources in the sweep",
      );
    await sleep(backoffDelayMs(look));
  }
  throw new EnvironmentError(
    `pod ${name} was not ready within ${scope.options.readyTimeoutSec} s (phase ${pod?.status?.phase ?? "unknown"})`,
    "raise kubernetes.readyTimeoutSec, or check the nodes",
  );
}

/** The pod's events, read only when a container waits on its image (the one case podProblem quotes them). */
async function events(scope: PodScope, pod: V1Pod) {
  const pulling = pod.status?.containerStatuses?.some((s) =>
    /Image|Pull/.test(s.state?.waiting?.reason ?? ""),
  );
  if (!pulling) return [];
  try {
    return (
      await scope.clients.core.listNamespacedEvent({
        namespace: scope.namespace,
        fieldSelector: `involvedObject.name=${pod.metadata?.name}`,
      })
    ).items;
  } catch {
    return [];
  }
}

async function logTail(scope: PodScope, pod: V1Pod): Promise<string> {
  const crashed = pod.status?.containerStatuses?.some(
    (s) => s.state?.waiting?.reason === "CrashLoopBackOff" || s.state?.terminated,
  );
  if (!crashed) return "";
  try {
    const log = await scope.clients.core.readNamespacedPodLog({
      name: pod.metadata?.name ?? "",
      namespace: scope.namespace,
      tailLines: 10,
    });
    return tailLines(String(log), 10);
  } catch {
    return "";
  }
}

/** Runs a command in one of the run's pods (by role), as a ProcessResult; the signal ends it. */
export function execIn(
  pods: Pick<TestPods, "clients" | "namespace" | "plans">,
  role: PodRole,
  argv: string[],
  options: { timeoutMs: number; signal?: AbortSignal } = { timeoutMs: 30_000 },
): Promise<ProcessResult> {
  const plan = pods.plans.find((p) => p.role === role);
  if (!plan) throw new EnvironmentError(`no ${role} pod in this run`);
  return execInPod(
    pods.clients.exec,
    {
      namespace: pods.namespace,
      pod: plan.name,
      container: plan.profiler ? "perf" : plan.netserver ? "netserver" : "netperf",
    },
    argv,
    options,
  );
}

/** The shell wrapper a trial's command runs in: it prints its pid, then becomes the command (same pid). */
const PID_WRAPPER = 'echo "routebench-pid $$" >&2; exec "$@"';
const PID_LINE = /^routebench-pid (\d+)\n/m;

/**
 * Runs a trial's command in a pod so that it can be stopped: closing a pods/exec stream does not
 * end the process in the container, so where the exec ends without an exit status (timed out,
 * aborted, the stream dropped) the process is killed by its pid inside the pod before this
 * returns, and never runs into the next trial. The image needs `sh` (cilium-cli's network-perf,
 * Alpine, has it). The result's argv is the command's own, not the wrapper's.
 */
export async function execStoppable(
  pods: Pick<TestPods, "clients" | "namespace" | "plans">,
  role: PodRole,
  argv: string[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ProcessResult> {
  const result = await execIn(pods, role, ["sh", "-c", PID_WRAPPER, "sh", ...argv], options);
  const pid = PID_LINE.exec(result.stderr)?.[1];
  const out = {
    ...result,
    argv: [...result.argv.slice(0, 2), ...argv],
    stderr: result.stderr.replace(PID_LINE, ""),
  };
  if (result.exitCode !== null || !pid) return out;
  const kill = await execIn(pods, role, ["sh", "-c", 'kill -KILL "$1"', "sh", pid], { timeoutMs: 15_000 });
  out.stderr +=
    kill.exitCode === 0
      ? `routebench: the exec ended without an exit status; killed process ${pid} in the pod\n`
      : `routebench: the exec ended without an exit status and process ${pid} could not be killed (it may have ended): ${kill.stderr.trim()}\n`;
  return out;
}

/** Removes what the run made: its namespace, or only its pods (and Services) in the sweep's own namespace. Logs, never throws. */
export async function closeNamespace(scope: PodScope, log: (message: string) => void): Promise<void> {
  if (scope.createdNamespace) {
    await api(`deleting namespace ${scope.namespace}`, () =>
      scope.clients.core.deleteNamespace({ name: scope.namespace }),
    ).catch((e) => log(`cleanup: ${e.message}`));
  } else {
    await deletePods(scope).catch((e) => log(`cleanup: ${e.message}`));
    if ("services" in scope && scope.services)
      await deleteServices(scope).catch((e) => log(`cleanup: ${e.message}`));
  }
}
