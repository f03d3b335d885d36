/**
 * A managed cluster's mode switch as AKS does it (MicrosoftDocs "eBPF host routing" overview):
 * `az aks update --acns-datapath-acceleration-mode BpfVeth|None` updates the node pool by a
 * rolling upgrade: node by node it cordons, drains (evicts the pods, gracefully) and replaces
 * the machine, which comes back under a new name, labelled
 * kubernetes.azure.com/ebpf-host-routing=true when eBPF host routing is on. The managed
 * cluster's provisioningState is Updating until the last node is replaced. The test's `az`
 * script drives it through /fake/aks/update and reads it through /fake/aks/show; the steps
 * take aksStepMs each (scaled down from minutes).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setLabMode } from "../../harness/backends/lab/lab.js";
import { processRunner } from "../../harness/util/runner.js";
import type { FakeApiServer } from "./fake-apiserver.js";
import { addAgents, removeAgents } from "./fake-cilium.js";
import { deletePod } from "./fake-pods.js";
import { status } from "./fake-wire.js";

export const EBPF_NODE_LABEL = "kubernetes.azure.com/ebpf-host-routing";

export interface AksState {
  provisioningState: "Succeeded" | "Updating";
  acnsEnabled: boolean;
  accelerationMode: "None" | "BpfVeth";
  /** Machines made so far: new node names count on from it. */
  generation: number;
  /** What is still to happen, in time order. */
  events: { at: number; run: () => void | Promise<void> }[];
  /** Each update: when it started and finished (Date.now()). */
  updates: { mode: string; started: number; finished: number | null }[];
}

export function initialAks(): AksState {
  return {
    provisioningState: "Succeeded",
    acnsEnabled: true,
    accelerationMode: "None",
    generation: 0,
    events: [],
    updates: [],
  };
}

/** Runs every step whose time has come. */
export async function settleAks(s: FakeApiServer): Promise<void> {
  const aks = s.aks;
  while (aks.events[0] && aks.events[0].at <= Date.now()) {
    const event = aks.events.shift();
    await event?.run();
  }
}

function startUpdate(s: FakeApiServer, mode: "None" | "BpfVeth", acns: boolean): void {
  const aks = s.aks;
  const step = s.options.aksStepMs ?? 100;
  const t0 = Date.now();
  const record = { mode, started: t0, finished: null as number | null };
  aks.updates.push(record);
  aks.provisioningState = "Updating";
  aks.acnsEnabled = acns;
  const modeChanges = aks.accelerationMode !== mode;
  aks.accelerationMode = mode;
  const old = modeChanges ? [...s.nodes] : [];
  old.forEach((node, i) => {
    const at = t0 + (3 * i + 1) * step;
    aks.events.push({
      at,
      run: () => {
        node.unschedulable = true;
      },
    });
    aks.events.push({
      at: at + step,
      run: () => {
        for (const [key, pod] of s.pods)
          if (!pod.internal.agent && pod.spec?.nodeName === node.name) deletePod(s, key, null);
      },
    });
    aks.events.push({
      at: at + 2 * step,
      run: () => {
        const index = s.nodes.indexOf(node);
        for (const [key, pod] of s.pods)
          if (!pod.internal.agent && pod.spec?.nodeName === node.name) s.pods.delete(key);
        removeAgents(s, node);
        const name = `aks-${node.pool}-${(aks.generation++).toString(36).padStart(4, "0")}`;
        const labels = { ...node.labels };
        if (mode === "BpfVeth") labels[EBPF_NODE_LABEL] = "true";
        else delete labels[EBPF_NODE_LABEL];
        const replacement = {
          ...node,
          name,
          labels,
          unschedulable: false,
          mode: mode === "BpfVeth" ? ("ebpf" as const) : ("legacy" as const),
        };
        s.nodes.splice(index, 1, replacement);
        addAgents(s, replacement);
      },
    });
  });
  aks.events.push({
    at: t0 + (3 * old.length + 1) * step,
    run: async () => {
      aks.provisioningState = "Succeeded";
      record.finished = Date.now();
      if (modeChanges && !s.options.simulated)
        await setLabMode(processRunner, mode === "BpfVeth" ? "ebpf" : "legacy", { force: true });
    },
  });
}

/** The fake managed cluster's endpoints (not Kubernetes API: what `az aks` talks to); false for other paths. */
export async function handleAks(
  s: FakeApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<boolean> {
  if (path === "/fake/aks/update" && req.method === "POST") {
    if (s.aks.provisioningState === "Updating") {
      // az's wording for a second operation while one runs (aka.ms/aks-pending-operation)
      s.send(res, 409, status(409, "OperationNotAllowed: Another operation (Updating) is in progress"));
      return true;
    }
    const acns = url.searchParams.get("acns") !== "off";
    const mode = (url.searchParams.get("mode") ?? s.aks.accelerationMode) as "None" | "BpfVeth";
    startUpdate(s, acns ? mode : "None", acns);
    s.send(res, 200, { provisioningState: s.aks.provisioningState });
    return true;
  }
  if (path === "/fake/aks/show") {
    s.send(res, 200, {
      name: "fake-aks",
      provisioningState: s.aks.provisioningState,
      networkProfile: {
        advancedNetworking: {
          enabled: s.aks.acnsEnabled,
          performance: { accelerationMode: s.aks.accelerationMode },
        },
      },
    });
    return true;
  }
  return false;
}

/**
 * A stand-in for the Azure CLI, as a shell script: `az aks update` (blocking until the update
 * has finished, or returning at once with --no-wait) and `az aks show -o json` against the fake.
 */
export function fakeAzScript(server: string): string {
  return `#!/bin/sh
# a stand-in for az aks update/show against the test API server (test/k8s/fake-aks.ts)
url='${server}'
mode=''; acns=on; wait=yes; prev=''
for arg in "$@"; do
  case "$prev" in --acns-datapath-acceleration-mode) mode="$arg";; esac
  case "$arg" in --disable-acns) acns=off;; --no-wait) wait=no;; esac
  prev="$arg"
done
case "$1 $2" in
  "aks update")
    curl -sSf -X POST "$url/fake/aks/update?mode=$mode&acns=$acns" >/dev/null || exit 1
    if [ "$wait" = yes ]; then
      while curl -sSf "$url/fake/aks/show" | grep -q '"Updating"'; do sleep 0.05; done
    fi;;
  "aks show") curl -sSf "$url/fake/aks/show";;
  *) echo "fake az: $*: not modelled" >&2; exit 2;;
esac
`;
}
