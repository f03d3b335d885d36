/** `routebench manifests` and `routebench k8s cleanup`. */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import {
  MANAGED_BY,
  manifestsYaml,
  podPlans,
  renderNamespace,
  renderPod,
} from "../backends/kubernetes/manifests.js";
import { translateApiError } from "../backends/kubernetes/pure.js";
import { PACKAGE_ROOT } from "../run/environment.js";
import { loadSweep } from "../sweep/load.js";
import { printJson, printLine } from "./output.js";
import { DEFAULT_SWEEP } from "./run.js";

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
      const objects: object[] = k.namespace ? [] : [renderNamespace(namespace, runId)];
      for (const plan of podPlans(nodes, sweep.placements, sweep.modes.includes("host")))
        objects.push(renderPod(plan, k, namespace, runId));
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, "run.yaml"), manifestsYaml(objects));
      await copyFile(join(PACKAGE_ROOT, "manifests", "rbac.yaml"), join(opts.out, "rbac.yaml"));
      printLine(
        `wrote ${join(opts.out, "run.yaml")} (${objects.length} objects; nodes ${nodes.join(", ")}, run id ${runId} is filled in at run time) and rbac.yaml`,
      );
    });

  const k8s = program.command("k8s").description("the Kubernetes backend's housekeeping");
  k8s
    .command("cleanup")
    .description(
      "delete what earlier runs left: namespaces and pods labelled app.kubernetes.io/managed-by=routebench",
    )
    .option("--kubeconfig <file>", "the kubeconfig")
    .option("--context <name>", "the kube context")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const sweep = await loadSweep(DEFAULT_SWEEP, {
        backend: "kubernetes",
        kubeconfig: opts.kubeconfig,
        context: opts.context,
      });
      const { CoreV1Api } = await import("@kubernetes/client-node");
      const { loadKubeConfig } = await import("../backends/kubernetes/backend.js");
      const core = loadKubeConfig(sweep.kubernetes).makeApiClient(CoreV1Api);
      const deleted = { namespaces: [] as string[], pods: [] as string[] };
      try {
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
      else
        printLine(
          `deleted ${deleted.namespaces.length} namespaces and ${deleted.pods.length} pods left by earlier runs`,
        );
    });
}
