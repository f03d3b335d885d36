/**
 * Cilium's configuration on the cluster: read for the results, switched through cilium-config
 * (the agents restarted and their rollout awaited), and put back from the restore marker.
 * The patches themselves are pure, in cilium-config.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { EnvironmentError } from "../../util/errors.js";
import { api } from "./api.js";
import { backoffDelayMs } from "./api-errors.js";
import { stallHint } from "./cilium-agents.js";
import {
  CILIUM_CONFIG,
  CILIUM_DAEMONSET,
  DATAPATH_MODE_KEY,
  datapathProblem,
  LEGACY_KEY,
  nodeConfigOverrides,
  type RestoreMarker,
  readRestoreMarker,
  restorePatch,
  switchPatch,
} from "./cilium-config.js";
import type { KubeClients } from "./kubeconfig.js";
import { runOwner } from "./manifests.js";
import type { NodeFacts } from "./nodes.js";

/** The cilium-config keys results.json records: host routing and what BPF host routing depends on. */
const CILIUM_KEYS = [
  LEGACY_KEY,
  DATAPATH_MODE_KEY,
  "kube-proxy-replacement",
  "enable-bpf-masquerade",
  "enable-ipv4-masquerade",
  "routing-mode",
  "tunnel-protocol",
  "bpf-lb-sock",
];
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** cilium-config's data; null where there is none (404); any other failure (403: no right to read it) throws. */
export async function readCiliumConfig(
  clients: Pick<KubeClients, "core">,
  namespace: string,
): Promise<Record<string, string> | null> {
  try {
    const config = await api(`reading ${namespace}/${CILIUM_CONFIG}`, () =>
      clients.core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace }),
    );
    return config.data ?? {};
  } catch (error) {
    if (/\(404\)/.test((error as Error).message)) return null;
    throw error;
  }
}

/**
 * Cilium's version and the recorded keys of cilium-config; null where there is no Cilium. A
 * config that cannot be read is recorded as such (configError) and logged, never as a silent null.
 */
export async function ciliumFacts(
  clients: Pick<KubeClients, "core" | "apps">,
  namespace: string,
  log: (message: string) => void = () => undefined,
): Promise<Record<string, unknown> | null> {
  let image: string;
  try {
    const ds = await clients.apps.readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace });
    image = ds.spec?.template.spec?.containers[0]?.image ?? "";
  } catch {
    return null; // no Cilium: nothing to record or verify
  }
  const version = /:(v?[\w.-]+)/.exec(image.split("@")[0] ?? "")?.[1] ?? image;
  try {
    const data = await readCiliumConfig(clients, namespace);
    return {
      version,
      config: data ? Object.fromEntries(CILIUM_KEYS.map((k) => [k, data[k] ?? null])) : null,
      ...(data ? {} : { configError: `no ${namespace}/${CILIUM_CONFIG}` }),
    };
  } catch (error) {
    const message = (error as Error).message;
    log(`cilium-config could not be read, so the results do not record it: ${message}`);
    return { version, config: null, configError: message };
  }
}

/** CiliumNodeConfig objects that override enable-host-legacy-routing on a test node (they win over the ConfigMap). */
export async function readNodeConfigOverrides(
  clients: Pick<KubeClients, "custom">,
  namespace: string,
  nodes: readonly NodeFacts[],
) {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({
      group: "cilium.io",
      version: "v2",
      namespace,
      plural: "ciliumnodeconfigs",
    })) as { items?: object[] };
    return nodeConfigOverrides(list.items ?? [], nodes);
  } catch {
    return []; // no such CRD (older Cilium) or not allowed to list: nothing overrides
  }
}

/**
 * Writes enable-host-legacy-routing; the first change also writes the restore marker (same
 * patch). Refuses when the key is not what this run last wrote (`written`, null before the
 * first write: someone else changed it mid-run), and when a CiliumNodeConfig overrides the key
 * on a test node. Returns false when the key already had the value (nothing written).
 */
export async function writeLegacyRouting(
  clients: Pick<KubeClients, "core" | "custom">,
  namespace: string,
  nodes: readonly NodeFacts[],
  change: { value: string; written: string | null; runId: string },
): Promise<boolean> {
  const config = await api(`reading ${namespace}/${CILIUM_CONFIG}`, () =>
    clients.core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace }),
  );
  const current = config.data?.[LEGACY_KEY];
  const netkit = change.value === "true" ? datapathProblem(config.data ?? {}, ["legacy"]) : null;
  if (netkit)
    throw new EnvironmentError(
      `refusing to switch to legacy: ${netkit}`,
      "measure only ebpf (and host) on this cluster",
    );
  if (change.written !== null && current !== change.written)
    throw new EnvironmentError(
      `${namespace}/${CILIUM_CONFIG} ${LEGACY_KEY} is ${current ?? "absent"}, but this run set it to ${change.written}: something else (GitOps, Helm, an operator) changed it mid-run`,
      "pause the reconciler (e.g. suspend the Flux/Argo application) for the run's duration",
    );
  const overrides = await readNodeConfigOverrides(clients, namespace, nodes);
  if (overrides.length > 0)
    throw new EnvironmentError(
      `CiliumNodeConfig ${overrides.map((o) => `${o.config} sets ${LEGACY_KEY}=${o.value} on ${o.node}`).join("; ")}: it overrides ${CILIUM_CONFIG}, so the switch would not reach that node`,
      "remove the key from the CiliumNodeConfig for the run, or use routing.strategy none and measure the mode the nodes are in",
    );
  if (current === change.value) return false;
  const body = switchPatch(config, change.value, change.runId, new Date().toISOString(), runOwner());
  await api(`patching ${namespace}/${CILIUM_CONFIG}`, () =>
    clients.core.patchNamespacedConfigMap({ name: CILIUM_CONFIG, namespace, body }, MERGE),
  );
  return true;
}

/** kubectl rollout restart: a new pod-template annotation. */
export async function restartAgents(clients: Pick<KubeClients, "apps">, namespace: string): Promise<void> {
  await api(`restarting ${namespace}/ds/${CILIUM_DAEMONSET}`, () =>
    clients.apps.patchNamespacedDaemonSet(
      {
        name: CILIUM_DAEMONSET,
        namespace,
        body: {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } },
            },
          },
        },
      },
      MERGE,
    ),
  );
}

/** Waits until ds/cilium has rolled out (every agent updated and available), at most rolloutTimeoutSec. */
export async function waitRollout(
  clients: Pick<KubeClients, "core" | "apps">,
  routing: KubernetesOptions["routing"],
): Promise<void> {
  const ns = routing.ciliumNamespace;
  const deadline = Date.now() + routing.rolloutTimeoutSec * 1000;
  for (let look = 0; Date.now() < deadline; look++) {
    const ds = await api(`reading ${ns}/ds/${CILIUM_DAEMONSET}`, () =>
      clients.apps.readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: ns }),
    );
    const s = ds.status;
    const desired = s?.desiredNumberScheduled ?? 0;
    if (
      (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
      s?.updatedNumberScheduled === desired &&
      s?.numberAvailable === desired
    ) {
      return;
    }
    await sleep(backoffDelayMs(look));
  }
  throw new EnvironmentError(
    `the Cilium agents did not finish restarting within ${routing.rolloutTimeoutSec} s`,
    await stallHint(clients),
  );
}

/**
 * Undoes a run's cilium-config change from the marker it left (also after a kill): the original
 * value back, or the key removed where there was none; the marker removed; the agents restarted.
 */
export async function restoreFromMarker(
  clients: Pick<KubeClients, "core" | "apps">,
  namespace: string,
  mine: (marker: RestoreMarker) => boolean = () => true,
): Promise<RestoreMarker | null> {
  const config = await api(`reading ${namespace}/${CILIUM_CONFIG}`, () =>
    clients.core.readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace }),
  );
  const marker = readRestoreMarker(config);
  if (!marker || !mine(marker)) return null;
  await api(`restoring ${namespace}/${CILIUM_CONFIG}`, () =>
    clients.core.patchNamespacedConfigMap(
      { name: CILIUM_CONFIG, namespace, body: restorePatch(marker) },
      MERGE,
    ),
  );
  if ((config.data?.[LEGACY_KEY] ?? null) !== marker.value) await restartAgents(clients, namespace);
  return marker;
}
