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
  podPlans,
  podSecurityLevel,
  renderNamespace,
  renderPod,
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
  return checks;
}

const MANAGED_SELECTOR = Object.entries(MANAGED_BY)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");

export function registerK8s(program: Command): void {
  program
    .command("manifests")
    .description("write the Kubernetes YAML a run would apply, for review")
    .argument("[sweep]", "sweep file (YAML)")
    .option("--out <dir>", "output folder", "manifests-out")
    .action(async (file: string | undefined, opts) => {
      const sweep = await loadSweep(file ?? DEFAULT_SWEEP, { backend: "kubernetes" });
      const k = sweep.kubernetes;
      const runId = "RUN_ID";
      const nodes = (k.nodes ?? ["NODE_A", "NODE_B"]) as [string, string];
      const namespace = k.namespace ?? `rb-${runId}`;
      const objects: object[] = [];
      const plans = podPlans(nodes, sweep.placements, sweep.modes.includes("host"));
      if (!k.namespace) objects.push(renderNamespace(namespace, runId, podSecurityLevel(plans)));
      for (const plan of plans) objects.push(renderPod(plan, k, namespace, runId));
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, "run.yaml"), manifestsYaml(objects));
      await copyFile(join(PACKAGE_ROOT, "manifests", "rbac.yaml"), join(opts.out, "rbac.yaml"));
      printLine(
        `wrote ${join(opts.out, "run.yaml")} (${objects.length} objects; nodes ${nodes.join(", ")}, run id ${runId} is filled in at run time) and rbac.yaml`,
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
      "delete what earlier runs left (namespaces and pods labelled app.kubernetes.io/managed-by=routebench) and restore a cilium-config a killed run left switched",
    )
    .option("--kubeconfig <file>", "the kubeconfig")
    .option("--context <name>", "the kube context")
    .option("--cilium-namespace <name>", "where Cilium runs", "kube-system")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const sweep = await loadSweep(DEFAULT_SWEEP, {
        backend: "kubernetes",
        kubeconfig: opts.kubeconfig,
        context: opts.context,
      });
      const { kubeClients, loadKubeConfig } = await import("../backends/kubernetes/kubeconfig.js");
      const { restoreFromMarker } = await import("../backends/kubernetes/cilium.js");
      const clients = kubeClients(loadKubeConfig(sweep.kubernetes));
      const core = clients.core;
      const deleted = { namespaces: [] as string[], pods: [] as string[], restored: null as string | null };
      try {
        const marker = await restoreFromMarker(clients, opts.ciliumNamespace).catch(
          (error: { message: string }) => {
            // no Cilium, or no right to read its config: nothing of ours can be there to restore
            if (/not found|forbidden/.test(error.message)) return null;
            throw error;
          },
        );
        if (marker)
          deleted.restored = `enable-host-legacy-routing ${marker.value === null ? "removed (it was absent)" : `set back to ${marker.value}`}, as before run ${marker.runId}; the Cilium agents restart`;
        for (const ns of (await core.listNamespace({ labelSelector: MANAGED_SELECTOR })).items) {
          const name = ns.metadata?.name ?? "";
          await core.deleteNamespace({ name });
          deleted.namespaces.push(name);
        }
        for (const pod of (await core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR })).items) {
          const namespace = pod.metadata?.namespace ?? "";
          if (deleted.namespaces.includes(namespace)) continue;
          await core.deleteNamespacedPod({
            name: pod.metadata?.name ?? "",
            namespace,
            gracePeriodSeconds: 0,
          });
          deleted.pods.push(`${namespace}/${pod.metadata?.name}`);
        }
      } catch (error) {
        throw translateApiError(error, "cleaning up");
      }
      if (opts.json) printJson(deleted);
      else {
        printLine(
          `deleted ${deleted.namespaces.length} namespaces and ${deleted.pods.length} pods left by earlier runs`,
        );
        if (deleted.restored) printLine(deleted.restored);
      }
    });
}
