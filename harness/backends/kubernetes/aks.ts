/**
 * AKS as the `command` strategy drives it (`az aks update … --acns-datapath-acceleration-mode
 * BpfVeth|None`, MicrosoftDocs azure-aks-docs, how-to-enable-ebpf-host-routing): the update is
 * a rolling upgrade of every node pool (cordon, drain, reimage; new machines under new names),
 * so routebench waits for the managed cluster's operation to finish (`az aks show`,
 * provisioningState) rather than kill the CLI at a timeout while Azure carries on. It reads the
 * ACNS state before the first switch so the end of the run can put it back. Each switched node
 * carries kubernetes.azure.com/ebpf-host-routing=true (the overview article).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { EnvironmentError } from "../../util/errors.js";
import { processRunner, type Runner } from "../../util/runner.js";
import { parseJsonFile } from "../../util/validate.js";

/** The label AKS puts on every node running eBPF host routing. */
export const AKS_EBPF_LABEL = "kubernetes.azure.com/ebpf-host-routing";

type Routing = KubernetesOptions["routing"];

/** The cluster an `az aks update` argv names: its resource group and name; null for any other command. */
export function aksTarget(argv: readonly string[] | undefined): { group: string; name: string } | null {
  if (!argv || !/(^|\/)az$/.test(argv[0] ?? "") || argv[1] !== "aks" || argv[2] !== "update") return null;
  const value = (...flags: string[]) => {
    const i = argv.findIndex((a) => flags.includes(a));
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const group = value("--resource-group", "-g");
  const name = value("--name", "-n");
  return group && name ? { group, name } : null;
}

/** True when the sweep switches modes by `az aks update` (the AKS strategy: sweeps/aks.yaml). */
export function switchesAks(routing: Routing): boolean {
  return routing.strategy === "command" && Object.values(routing.commands).some((argv) => aksTarget(argv));
}

/** What `az aks show` says of the managed cluster: its provisioning state and ACNS settings. */
export interface AksState {
  provisioningState: string;
  acnsEnabled: boolean | null;
  accelerationMode: string | null;
}

/** `az aks show -g G -n N -o json`, read (ManagedCluster: provisioningState, networkProfile.advancedNetworking). */
export async function showAks(
  az: string,
  target: { group: string; name: string },
  runner: Runner = processRunner,
): Promise<AksState> {
  const out = await runner.run(
    [az, "aks", "show", "--resource-group", target.group, "--name", target.name, "-o", "json"],
    {
      timeoutMs: 120_000,
    },
  );
  if (out.exitCode !== 0)
    throw new EnvironmentError(
      `az aks show for ${target.group}/${target.name} failed (exit ${out.exitCode}): ${out.stderr.trim().slice(0, 300)}`,
      "az login, and check the resource group and cluster name in kubernetes.routing.commands",
    );
  const json = parseJsonFile(
    aksShowSchema,
    out.stdout,
    `az aks show ${target.group}/${target.name}`,
    "check that az prints JSON (-o json) and is a current Azure CLI",
  );
  const advanced = json.networkProfile?.advancedNetworking;
  return {
    provisioningState: String(json.provisioningState ?? "unknown"),
    acnsEnabled: typeof advanced?.enabled === "boolean" ? advanced.enabled : null,
    accelerationMode: advanced?.performance?.accelerationMode ?? null,
  };
}

/** The fields of `az aks show -o json` read here (the managed cluster); others are ignored. */
const aksShowSchema = z.looseObject({
  provisioningState: z.string().nullable().optional(),
  networkProfile: z
    .looseObject({
      advancedNetworking: z
        .looseObject({
          enabled: z.boolean().nullable().optional(),
          performance: z
            .looseObject({ accelerationMode: z.string().nullable().optional() })
            .nullable()
            .optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

/**
 * Polls `az aks show` until the cluster's operation has finished (provisioningState Succeeded);
 * a Failed or Canceled operation is an error. Never gives up on a running operation: the user's
 * Ctrl-C stops the run, and a note is logged each time the expected time has passed.
 */
export async function waitAksOperation(
  az: string,
  target: { group: string; name: string },
  expectedSec: number,
  log: (message: string) => void,
  runner: Runner = processRunner,
): Promise<AksState> {
  const started = Date.now();
  let nextNote = started + expectedSec * 1000;
  for (let look = 0; ; look++) {
    const state = await showAks(az, target, runner);
    if (state.provisioningState === "Succeeded") return state;
    if (/^(Failed|Canceled)$/.test(state.provisioningState))
      throw new EnvironmentError(
        `the AKS operation on ${target.group}/${target.name} ended ${state.provisioningState}`,
        `az aks show -g ${target.group} -n ${target.name} and the Activity log say why`,
      );
    if (Date.now() >= nextNote) {
      log(
        `the AKS operation on ${target.name} is still ${state.provisioningState} after ${Math.round((Date.now() - started) / 1000)} s; waiting for it (it is not cancelled: Azure carries on whatever routebench does)`,
      );
      nextNote = Date.now() + expectedSec * 1000;
    }
    await sleep(Math.min(1000 * 2 ** look, 15_000));
  }
}
