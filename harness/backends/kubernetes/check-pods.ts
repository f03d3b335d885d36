/**
 * The checks of the test pods themselves: Pod Security admits them in the namespace the run
 * will use, and the image pulls and runs netperf (in a throw-away namespace, removed at once).
 */
import { parseNetperfVersion } from "../../netperf/parse.js";
import type { Sweep } from "../../sweep/schema.js";
import { type Check, fail, pass, skip } from "./check-result.js";
import { makeKubeRunId } from "./connect.js";
import type { KubeClients } from "./kubeconfig.js";
import { podPlans, podSecurityLevel, profilerPlans, renderPod } from "./manifests.js";
import type { NodeFacts } from "./nodes.js";
import { closeNamespace, execIn, openNamespace, type PodScope, startPods } from "./pods.js";
import { enforcedLevel, podSecurityViolations } from "./podsecurity.js";

/** Whether the namespace's Pod Security level admits every pod the sweep plans. */
export async function podSecurityCheck(
  sweep: Sweep,
  clients: KubeClients,
  testNodes: [NodeFacts, NodeFacts] | null,
): Promise<Check> {
  const title = "Pod Security admits the test pods";
  const k = sweep.kubernetes;
  const nodes: [string, string] = testNodes ? [testNodes[0].name, testNodes[1].name] : ["A", "B"];
  const plans = [
    ...podPlans(nodes, sweep.placements, sweep.modes.includes("host")),
    ...(sweep.explain ? profilerPlans(nodes, sweep.placements) : []),
  ];
  if (!k.namespace)
    return pass(
      "podsecurity",
      title,
      `routebench creates its namespace labelled enforce=${podSecurityLevel(plans)}`,
    );
  const namespace = k.namespace;
  const ns = await clients.core.readNamespace({ name: namespace }).catch(() => null);
  if (!ns)
    return fail(
      "podsecurity",
      title,
      `namespace ${namespace} does not exist`,
      "create it, or leave kubernetes.namespace unset",
    );
  const level = enforcedLevel(ns);
  if (!level)
    return pass(
      "podsecurity",
      title,
      `${namespace} has no enforce label: the cluster's default level applies`,
    );
  const violations = plans.flatMap((plan) =>
    podSecurityViolations(renderPod(plan, k, namespace, "check"), level).map((v) => `${plan.name}: ${v}`),
  );
  return violations.length === 0
    ? pass("podsecurity", title, `${namespace} enforces ${level}`)
    : fail(
        "podsecurity",
        title,
        `${namespace} enforces ${level}; refused: ${violations.join("; ")}`,
        `kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=${podSecurityLevel(plans)} --overwrite, or leave kubernetes.namespace unset`,
      );
}

/** Starts the client pod on node A in a throw-away namespace and runs `netperf -V` in it. */
export async function imageCheck(
  sweep: Sweep,
  clients: KubeClients,
  testNodes: [NodeFacts, NodeFacts] | null,
  log: (message: string) => void,
): Promise<Check> {
  const title = "Image pulls and runs netperf";
  if (!testNodes) return skip("image", title, "no test nodes");
  const plans = podPlans([testNodes[0].name, testNodes[1].name], ["same-node"], false).filter(
    (p) => p.role === "client",
  );
  let scope: PodScope | null = null;
  try {
    scope = await openNamespace(clients, sweep.kubernetes, `check-${makeKubeRunId()}`, plans);
    await startPods(scope, plans);
    const out = await execIn({ ...scope, plans }, "client", ["netperf", "-V"]);
    const version = parseNetperfVersion(out.stdout);
    return version !== "unknown"
      ? pass("image", title, `${sweep.kubernetes.image.split("@")[0]}: netperf ${version}`)
      : fail(
          "image",
          title,
          `netperf -V exited ${out.exitCode}: ${(out.stdout + out.stderr).trim().slice(0, 200)}`,
          "use an image with netperf and netserver on PATH (default: cilium-cli's network-perf)",
        );
  } catch (error) {
    return fail(
      "image",
      title,
      (error as Error).message,
      "set kubernetes.image to an image the nodes can pull (a registry mirror in air-gapped clusters)",
    );
  } finally {
    if (scope) await closeNamespace(scope, log);
  }
}
