/**
 * `routebench k8s check`: everything a first run on a cluster needs, each checked with a
 * pass/fail line and a fix, before anything is changed. The rows are grouped by what they look
 * at (check-access, check-nodes, check-cilium, check-pods); this file runs them in order and
 * prints the table.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { api } from "./api.js";
import { rbacCheck } from "./check-access.js";
import { agentChecks, ciliumConfigCheck, ciliumInstalledCheck, strategyCheck } from "./check-cilium.js";
import { ipFamiliesCheck } from "./check-families.js";
import { aksCheck, nodeChecks } from "./check-nodes.js";
import { imageCheck, podSecurityCheck } from "./check-pods.js";
import { profilingCheck } from "./check-profiling.js";
import { type Check, type CheckStatus, fail, pass } from "./check-result.js";
import { CILIUM_DAEMONSET } from "./cilium-config.js";
import { kubeClients } from "./kubeconfig.js";
import { podPlans } from "./manifests.js";
import { nodeFacts } from "./nodes.js";
import { resourcesCheck } from "./resources.js";

/**
 * Runs every check against the cluster of `kc`. Never changes the cluster, except the image check's
 * throw-away namespace and pod (labelled managed-by routebench, deleted at once).
 */
export async function runChecks(
  sweep: Sweep,
  kc: KubeConfig,
  log: (message: string) => void,
): Promise<Check[]> {
  const k = sweep.kubernetes;
  const clients = kubeClients(kc);

  let version: { major: string; minor: string; gitVersion: string };
  try {
    version = await api("reading the Kubernetes version", () => clients.version.getCode());
  } catch (error) {
    return [
      fail(
        "api",
        "API server reachable",
        (error as Error).message,
        "check --kubeconfig/--context and that the cluster is up",
      ),
    ];
  }
  const checks: Check[] = [
    pass("api", "API server reachable", `${kc.getCurrentContext()}: Kubernetes ${version.gitVersion}`),
  ];
  checks.push(await rbacCheck(sweep, kc));

  const nodeList = await api("listing nodes", () => clients.core.listNode());
  const { testNodes, checks: nodeLines } = nodeChecks(nodeList.items, k.nodes, k.nodeSelector);
  checks.push(...nodeLines);
  checks.push(ipFamiliesCheck(sweep, nodeList.items, testNodes));
  const plans = podPlans(
    testNodes ? [testNodes[0].name, testNodes[1].name] : ["A", "B"],
    sweep.placements,
    sweep.modes.includes("host"),
  );
  checks.push(resourcesCheck(k.resources, plans, nodeList.items));

  const cilium = k.routing.ciliumNamespace;
  const ds = await clients.apps
    .readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: cilium })
    .catch(() => null);
  checks.push(ciliumInstalledCheck(sweep, ds));
  if (ds) checks.push(await ciliumConfigCheck(sweep, clients));
  checks.push(...(await agentChecks(clients, cilium, ds ? testNodes : null, sweep.modes.includes("ebpf"))));
  checks.push(
    await strategyCheck({
      sweep,
      clients,
      testNodes: testNodes ?? nodeList.items.slice(0, 2).map(nodeFacts),
    }),
  );
  checks.push(aksCheck(version, nodeList.items, k.routing));
  checks.push(await podSecurityCheck(sweep, clients, testNodes));
  checks.push(await profilingCheck(sweep, clients, testNodes, log));
  checks.push(await imageCheck(sweep, clients, testNodes, log));
  return checks;
}

/** The table `routebench k8s check` prints: one line per check, a fix under each that did not pass. Pure. */
export function formatChecks(checks: readonly Check[]): string {
  const mark: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" };
  const width = Math.max(...checks.map((c) => c.title.length));
  return checks
    .map(
      (c) =>
        `${mark[c.status]}  ${c.title.padEnd(width)}  ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ""}`,
    )
    .join("\n");
}
