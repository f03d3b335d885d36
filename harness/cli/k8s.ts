/** `routebench manifests` and `routebench k8s cleanup`. */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { translateApiError } from "../backends/kubernetes/api-errors.js";
import { formatChecks } from "../backends/kubernetes/check.js";
import type { Check } from "../backends/kubernetes/check-result.js";
import {
  MANAGED_BY,
  manifestsYaml,
  OWNER_LABEL,
  podPlans,
  podSecurityLevel,
  profilerPlans,
  RUN_LABEL,
  renderNamespace,
  renderPod,
  runOwner,
} from "../backends/kubernetes/manifests.js";
import { loadSweep } from "../sweep/load.js";
import type { Sweep } from "../sweep/schema.js";
import { DEFAULT_K8S_SWEEP, DEFAULT_SWEEP, PACKAGE_ROOT } from "../vocabulary/vocabulary.js";
import { printJson, printLine } from "./output.js";

/** The checks of `routebench k8s check`, also run by `run --backend kubernetes` before anything changes. */
export async function preflight(sweep: Sweep, log: (message: string) => void): Promise<Check[]> {
  const { loadKubeConfig } = await import("../backends/kubernetes/kubeconfig.js");
  const { runChecks } = await import("../backends/kubernetes/check.js");
  (await import("../backends/kubernetes/sweep-fit.js")).assertRunnableOnKubernetes(sweep);
  const contexts =
    sweep.kubernetes.routing.strategy === "contexts"
      ? [...new Set(Object.values(sweep.kubernetes.routing.contexts))]
      : [undefined];
  const checks: Check[] = [];
  for (const context of contexts)
    checks.push(...(await runChecks(sweep, loadKubeConfig(sweep.kubernetes, context), log)));
  if (sweep.kubernetes.routing.strategy === "contexts") {
    const { clustersCheck } = await import("../backends/kubernetes/check-clusters.js");
    const byMode = Object.fromEntries(
      Object.entries(sweep.kubernetes.routing.contexts).map(([mode, context]) => [
        mode,
        loadKubeConfig(sweep.kubernetes, context),
      ]),
    );
    checks.push(await clustersCheck(sweep, byMode));
  }
  return checks;
}

/** The RBAC manifests: cluster-wide, the run's namespace, Cilium's namespace. */
export const RBAC_FILES = ["rbac.yaml", "rbac-run.yaml", "rbac-cilium.yaml"];

const MANAGED_SELECTOR = Object.entries(MANAGED_BY)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");

export function registerK8s(program: Command): void {
  program
    .command("manifests")
    .description("write the Kubernetes YAML a run would apply, for review")
    .argument("[sweep]", "sweep file (YAML)", DEFAULT_K8S_SWEEP)
    .option("--out <dir>", "output folder", "manifests-out")
    .action(async (file: string, opts) => {
      // the same default as `k8s check`: the cluster sweep a first run on a cluster uses
      const sweep = await loadSweep(file, { backend: "kubernetes" });
      const k = sweep.kubernetes;
      const runId = "RUN_ID";
      const nodes = (k.nodes ?? ["NODE_A", "NODE_B"]) as [string, string];
      const namespace = k.namespace ?? `rb-${runId}`;
      const objects: object[] = [];
      const plans = [
        ...podPlans(nodes, sweep.placements, sweep.modes.includes("host")),
        // explain: the privileged hostPID profiling pods, one per test node
        ...(sweep.explain ? profilerPlans(nodes, sweep.placements) : []),
      ];
      if (!k.namespace) objects.push(renderNamespace(namespace, runId, podSecurityLevel(plans)));
      for (const plan of plans) objects.push(renderPod(plan, k, namespace, runId));
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, "run.yaml"), manifestsYaml(objects));
      for (const rbac of RBAC_FILES)
        await copyFile(join(PACKAGE_ROOT, "manifests", rbac), join(opts.out, rbac));
      printLine(
        `wrote ${join(opts.out, "run.yaml")} (${objects.length} objects; nodes ${nodes.join(", ")}, run id ${runId} is filled in at run time) and ${RBAC_FILES.join(", ")}`,
      );
    });

  const k8s = program.command("k8s").description("the Kubernetes backend's preflight and housekeeping");
  k8s
    .command("check")
    .description("check a cluster before the first run: permissions, nodes, Cilium, Pod Security, the image")
    .argument("[sweep]", "sweep file (YAML)", DEFAULT_K8S_SWEEP)
    .option("--kubeconfig <file>", "the kubeconfig")
    .option("--context <name>", "the kube context")
    .option("--namespace <name>", "an existing namespace the run will use")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts) => {
      const sweep = await loadSweep(file, {
        backend: "kubernetes",
        kubeconfig: opts.kubeconfig,
        context: opts.context,
        namespace: opts.namespace,
      });
      const checks = await preflight(sweep, () => undefined);
      if (opts.json) printJson({ ok: !checks.some((c) => c.status === "fail"), checks });
      else printLine(formatChecks(checks));
      if (checks.some((c) => c.status === "fail")) process.exitCode = 3;
    });

  k8s
    .command("cleanup")
    .description(
      "delete what your earlier runs left (namespaces, or with --namespace pods, labelled managed-by=routebench and owner=<you>) and restore a cilium-config a killed run of yours left switched",
    )
    .option("--kubeconfig <file>", "the kubeconfig")
    .option("--context <name>", "the kube context")
    .option("--cilium-namespace <name>", "where Cilium runs", "kube-system")
    .option(
      "--namespace <name>",
      "delete your runs' pods and Services in this namespace (runs given kubernetes.namespace)",
    )
    .option("--run <id>", "only what this run left (its id: rb-<id> namespaces, routebench.io/run=<id>)")
    .option("--owner <owner>", "whose leftovers (default: you on this machine, user.host)")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const sweep = await loadSweep(DEFAULT_SWEEP, {
        backend: "kubernetes",
        kubeconfig: opts.kubeconfig,
        context: opts.context,
      });
      const { kubeClients, loadKubeConfig } = await import("../backends/kubernetes/kubeconfig.js");
      const { restoreFromMarker } = await import("../backends/kubernetes/cilium.js");
      const kc = loadKubeConfig(sweep.kubernetes);
      const clients = kubeClients(kc);
      const core = clients.core;
      const owner = opts.owner ?? runOwner();
      const selector = [
        MANAGED_SELECTOR,
        `${OWNER_LABEL}=${owner}`,
        ...(opts.run ? [`${RUN_LABEL}=${opts.run}`] : []),
      ].join(",");
      const done = {
        owner,
        namespaces: [] as string[],
        pods: [] as string[],
        restored: null as string | null,
      };
      const server = kc.getCurrentCluster()?.server ?? "the cluster";
      try {
        // reachable at all? (else the first call below would name its own action, not the cluster)
        await clients.version.getCode();
        const marker = await restoreFromMarker(
          clients,
          opts.ciliumNamespace,
          // another user's run may still be live: its switch is theirs to undo
          (m) => (opts.run ? m.runId === opts.run : !m.owner || m.owner === owner),
        ).catch((error: { message: string }) => {
          // no Cilium, or no right to read its config: nothing of ours can be there to restore
          if (/not found|forbidden/.test(error.message)) return null;
          throw error;
        });
        if (marker)
          done.restored = `enable-host-legacy-routing ${marker.value === null ? "removed (it was absent)" : `set back to ${marker.value}`}, as before run ${marker.runId}; the Cilium agents restart`;
        if (opts.namespace) {
          const namespace = opts.namespace;
          for (const pod of (await core.listNamespacedPod({ namespace, labelSelector: selector })).items) {
            // graceful: the kubelet frees a host-network netserver's port before the object goes
            await core.deleteNamespacedPod({ name: pod.metadata?.name ?? "", namespace });
            done.pods.push(`${namespace}/${pod.metadata?.name}`);
          }
          // the Services of `destinations: [service]` runs; a Role for pod-only runs has no right to them, nor need
          await core
            .deleteCollectionNamespacedService({ namespace, labelSelector: selector })
            .catch((error: { message?: string; code?: number }) => {
              if (error.code === 403 || /forbidden/i.test(error.message ?? "")) return null;
              throw error;
            });
        } else {
          for (const ns of (await core.listNamespace({ labelSelector: selector })).items) {
            const name = ns.metadata?.name ?? "";
            await core.deleteNamespace({ name });
            done.namespaces.push(name);
          }
        }
      } catch (error) {
        throw translateApiError(error, `cleaning up ${server}`);
      }
      if (opts.json) printJson(done);
      else {
        printLine(
          opts.namespace
            ? `deleted ${done.pods.length} pods of ${owner}'s runs in ${opts.namespace}`
            : `deleted ${done.namespaces.length} namespaces left by ${owner}'s runs${opts.run ? ` (run ${opts.run})` : ""}; runs in a namespace of their own: k8s cleanup --namespace NS`,
        );
        if (done.restored) printLine(done.restored);
      }
    });
}
