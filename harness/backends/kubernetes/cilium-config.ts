/**
 * Cilium's configuration as routebench changes it: the `enable-host-legacy-routing` key of
 * cilium-config, the marker that lets `routebench k8s cleanup` undo a killed run, and the
 * CiliumNodeConfig objects that override the ConfigMap per node. Pure.
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { z } from "zod";
import { parseJsonOrNull } from "../../util/validate.js";
import type { NodeFacts } from "./nodes.js";

export const CILIUM_CONFIG = "cilium-config";
export const CILIUM_DAEMONSET = "cilium";
/** Helm's bpf.hostLegacyRouting; Helm writes the key only when the value is set (install/kubernetes/cilium/templates/cilium-configmap.yaml). */
export const LEGACY_KEY = "enable-host-legacy-routing";
/** Cilium's device mode: veth (default), netkit, netkit-l2 or auto (Helm bpf.datapathMode). */
export const DATAPATH_MODE_KEY = "datapath-mode";

/**
 * Why the sweep's modes cannot all run on a cluster of this datapath mode, or null. netkit and
 * netkit-l2 agents refuse to start with legacy host routing (cilium/cilium#44713, #46032); with
 * `auto` they fall back to veth, so a legacy/ebpf comparison would also compare two devices.
 */
export function datapathProblem(data: Record<string, string>, modes: readonly string[]): string | null {
  const mode = data[DATAPATH_MODE_KEY];
  if (!modes.includes("legacy")) return null;
  if (mode === "netkit" || mode === "netkit-l2")
    return `datapath-mode is ${mode}: Cilium refuses to start a netkit datapath with legacy host routing, so mode legacy cannot be measured on this cluster`;
  if (mode === "auto")
    return "datapath-mode is auto: with legacy host routing Cilium falls back from netkit to veth, so legacy and ebpf would differ in the pods' device too";
  return null;
}

/** On cilium-config while a run has it switched: what to put back. */
export const RESTORE_ANNOTATION = "routebench.io/restore-enable-host-legacy-routing";

/** What the key was before routebench first changed it: its value, or null where the key was absent. */
const restoreMarkerSchema = z.object({
  value: z.string().nullable(),
  runId: z.string(),
  at: z.string(),
  /** Who ran it (OWNER_LABEL's value); absent in markers of older routebench. */
  owner: z.string().optional(),
});
export type RestoreMarker = z.output<typeof restoreMarkerSchema>;

export function readRestoreMarker(config: V1ConfigMap): RestoreMarker | null {
  const raw = config.metadata?.annotations?.[RESTORE_ANNOTATION];
  if (!raw) return null;
  return parseJsonOrNull(restoreMarkerSchema, raw);
}

/**
 * The merge patch that sets the key, writing the marker in the same request the first time (so
 * no moment exists where the cluster is switched and nothing says how to undo it); a marker
 * already there (an earlier killed run) keeps the true original.
 */
export function switchPatch(
  config: V1ConfigMap,
  value: string,
  runId: string,
  at: string,
  owner?: string,
): object {
  const marker: RestoreMarker = readRestoreMarker(config) ?? {
    value: config.data?.[LEGACY_KEY] ?? null,
    runId,
    at,
    ...(owner ? { owner } : {}),
  };
  return {
    metadata: { annotations: { [RESTORE_ANNOTATION]: JSON.stringify(marker) } },
    data: { [LEGACY_KEY]: value },
  };
}

/** The merge patch that puts the original back: the value, or no key at all (null removes it), and no marker. */
export function restorePatch(marker: RestoreMarker): object {
  return {
    metadata: { annotations: { [RESTORE_ANNOTATION]: null } },
    data: { [LEGACY_KEY]: marker.value },
  };
}

interface CiliumNodeConfigLike {
  metadata?: { name?: string };
  spec?: {
    defaults?: Record<string, string>;
    nodeSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  };
}

/**
 * CiliumNodeConfig objects (cilium.io/v2, in Cilium's namespace) that set the key on a test node:
 * they win over cilium-config, so a ConfigMap switch would not reach that node. A selector with
 * matchExpressions is counted as matching: better a false alarm than a silent non-switch.
 */
export function nodeConfigOverrides(
  items: readonly CiliumNodeConfigLike[],
  nodes: readonly NodeFacts[],
): { config: string; node: string; value: string }[] {
  const overrides: { config: string; node: string; value: string }[] = [];
  for (const item of items) {
    const value = item.spec?.defaults?.[LEGACY_KEY];
    if (value === undefined) continue;
    const selector = item.spec?.nodeSelector ?? {};
    for (const node of nodes) {
      const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => node.labels[k] === v);
      if (labelsMatch) overrides.push({ config: item.metadata?.name ?? "?", node: node.name, value });
    }
  }
  return overrides;
}
