/**
 * The checks of Cilium on the cluster: installed, an agent on each test node and what it
 * reports (host routing, kube-proxy replacement, masquerading), and whether the sweep's
 * switching strategy can work here (one row per strategy).
 */
import type { V1DaemonSet } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { switchesRouting } from "../../vocabulary/vocabulary.js";
import { type Check, fail, pass, skip } from "./check-result.js";
import { readCiliumConfig, readNodeConfigOverrides } from "./cilium.js";
import { agentStatus } from "./cilium-agents.js";
import {
  CILIUM_CONFIG,
  CILIUM_DAEMONSET,
  DATAPATH_MODE_KEY,
  datapathProblem,
  LEGACY_KEY,
  readRestoreMarker,
} from "./cilium-config.js";
import { hostRoutingFallbacks } from "./cilium-status.js";
import type { KubeClients } from "./kubeconfig.js";
import type { NodeFacts } from "./nodes.js";
import type { StrategyName } from "./strategies.js";

/** ds/cilium in the sweep's Cilium namespace; its absence fails, or warns under strategy none. */
export function ciliumInstalledCheck(sweep: Sweep, ds: V1DaemonSet | null): Check {
  const { ciliumNamespace: cilium, strategy } = sweep.kubernetes.routing;
  const title = "Cilium installed";
  if (ds) {
    const image = ds.spec?.template.spec?.containers[0]?.image ?? "";
    return pass("cilium", title, `${cilium}/ds/${CILIUM_DAEMONSET}: ${image.split("@")[0]}`);
  }
  return strategy === "none"
    ? {
        id: "cilium",
        title,
        status: "warn",
        detail: `no ${cilium}/ds/${CILIUM_DAEMONSET}`,
        fix: "without Cilium the modes are recorded as NOT verified",
      }
    : fail(
        "cilium",
        title,
        `no ${cilium}/ds/${CILIUM_DAEMONSET}`,
        "set kubernetes.routing.ciliumNamespace where Cilium runs",
      );
}

const AGENT_CHECKS = [
  ["agents", "Cilium agents on the test nodes"],
  ["kpr", "kube-proxy replacement (needed for BPF host routing)"],
  ["masquerade", "Masquerading not by iptables"],
] as const;

/**
 * What the test nodes' agents report: readable and, where the sweep measures ebpf, kube-proxy
 * replacement on and masquerading not by iptables (BPF host routing's preconditions; a sweep of
 * legacy and the host baseline needs neither).
 */
export async function agentChecks(
  clients: KubeClients,
  ciliumNamespace: string,
  testNodes: readonly NodeFacts[] | null,
  measuresEbpf: boolean,
): Promise<Check[]> {
  const readings = testNodes ? await agentStatus(clients, ciliumNamespace, testNodes) : null;
  if (!readings) return AGENT_CHECKS.map(([id, title]) => skip(id, title, "no Cilium or no test nodes"));
  const [agents, kpr, masquerade] = AGENT_CHECKS;
  const agentLine = agentsLine(agents, readings, ciliumNamespace);
  if (!measuresEbpf)
    return [
      agentLine,
      skip(...kpr, "the sweep does not measure ebpf"),
      skip(...masquerade, "the sweep does not measure ebpf"),
    ];
  const statuses = Object.values(readings).map((r) => r.status);
  const withoutKpr = statuses.filter(
    (s) => s.kubeProxyReplacement && s.kubeProxyReplacement.toLowerCase() !== "true",
  );
  const iptablesMasquerade = statuses.some((s) => s.masquerading?.toLowerCase() === "iptables");
  return [
    agentLine,
    withoutKpr[0]
      ? fail(
          ...kpr,
          hostRoutingFallbacks(withoutKpr[0]).join("; "),
          "install Cilium with kubeProxyReplacement=true; otherwise Cilium falls back to legacy host routing",
        )
      : pass(...kpr, "True on every test node"),
    iptablesMasquerade
      ? fail(
          ...masquerade,
          "iptables masquerading: BPF host routing needs BPF masquerading",
          "set bpf.masquerade=true in Cilium's Helm values",
        )
      : pass(...masquerade, statuses[0]?.masquerading ?? "unknown"),
  ];
}

function agentsLine(
  [id, title]: readonly [string, string],
  readings: NonNullable<Awaited<ReturnType<typeof agentStatus>>>,
  ciliumNamespace: string,
): Check {
  const modes = Object.entries(readings).map(
    ([n, r]) => `${n}: ${r.status.hostRouting ?? `unreadable (${r.tail})`}`,
  );
  const statuses = Object.values(readings).map((r) => r.status);
  return statuses.some((s) => !s.hostRouting)
    ? fail(
        id,
        title,
        modes.join("; "),
        `kubectl -n ${ciliumNamespace} get pods -l k8s-app=cilium -o wide: each test node needs a running agent`,
      )
    : pass(id, title, `host routing now: ${modes.join("; ")}; ${statuses[0]?.version ?? ""}`);
}

/**
 * cilium-config readable (the results record it), and its datapath-mode: netkit cannot run
 * legacy host routing (cilium/cilium#44713, #46032: a netkit or netkit-l2 agent refuses to
 * start with legacy host routing; `auto` falls back to veth, so legacy and ebpf would differ in
 * the device too).
 */
export async function ciliumConfigCheck(sweep: Sweep, clients: KubeClients): Promise<Check> {
  const { ciliumNamespace } = sweep.kubernetes.routing;
  const title = "Cilium config readable; datapath mode";
  let data: Record<string, string>;
  try {
    data = (await readCiliumConfig(clients, ciliumNamespace)) ?? {};
  } catch (error) {
    return fail(
      "cilium-config",
      title,
      (error as Error).message,
      `bind the routebench-cilium Role in ${ciliumNamespace} (manifests/rbac-cilium.yaml): the results record cilium-config`,
    );
  }
  const problem = datapathProblem(data, sweep.modes);
  if (problem)
    return fail(
      "cilium-config",
      title,
      problem,
      "measure only ebpf (and host) on this cluster, or use a veth cluster",
    );
  return pass("cilium-config", title, `datapath-mode ${data[DATAPATH_MODE_KEY] ?? "veth (default)"}`);
}

/** What a strategy's check reads: the sweep, the clients, and the nodes whose overrides matter. */
interface StrategyCheckInput {
  sweep: Sweep;
  clients: KubeClients;
  testNodes: readonly NodeFacts[];
  title: string;
}

/** Whether each switching strategy can work on this cluster, one row per strategy (see strategies.ts). */
const STRATEGY_CHECKS: Readonly<Record<StrategyName, (input: StrategyCheckInput) => Promise<Check>>> = {
  async "cilium-configmap"({ sweep, clients, testNodes, title }) {
    const { ciliumNamespace } = sweep.kubernetes.routing;
    const config = await clients.core
      .readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ciliumNamespace })
      .catch(() => null);
    if (!config)
      return fail(
        "strategy",
        title,
        `no ${ciliumNamespace}/${CILIUM_CONFIG}`,
        "set kubernetes.routing.ciliumNamespace",
      );
    const marker = readRestoreMarker(config);
    if (marker)
      return fail(
        "strategy",
        title,
        `${CILIUM_CONFIG} is still switched by run ${marker.runId} (killed?)`,
        "routebench k8s cleanup restores it",
      );
    const overrides = await readNodeConfigOverrides(clients, ciliumNamespace, testNodes);
    if (overrides.length)
      return fail(
        "strategy",
        title,
        overrides
          .map((o) => `CiliumNodeConfig ${o.config} sets ${LEGACY_KEY}=${o.value} on ${o.node}`)
          .join("; "),
        "remove the key from the CiliumNodeConfig, or use routing.strategy none",
      );
    return pass(
      "strategy",
      title,
      `${LEGACY_KEY} is ${config.data?.[LEGACY_KEY] ?? "absent (Cilium's default)"}; no CiliumNodeConfig overrides it`,
    );
  },
  async command({ sweep, title }) {
    const { commands } = sweep.kubernetes.routing;
    const switching = sweep.modes.filter(switchesRouting);
    const lacking = switching.filter((m) => !commands[m]);
    if (lacking.length)
      return fail(
        "strategy",
        title,
        `no command for ${lacking.join(", ")}`,
        "set kubernetes.routing.commands.<mode>",
      );
    const az = switching.map((m) => commands[m] ?? []).filter((argv) => argv[0] === "az");
    if (az.some((argv) => !argv.includes("--enable-acns")))
      return fail(
        "strategy",
        title,
        "an az aks update command lacks --enable-acns",
        "az aks update … --enable-acns --acns-datapath-acceleration-mode BpfVeth|None (sweeps/aks.yaml)",
      );
    return pass("strategy", title, switching.map((m) => `${m}: ${(commands[m] ?? []).join(" ")}`).join("; "));
  },
  contexts: async ({ title }) => pass("strategy", title, "one kube context per mode"),
  none: async ({ title }) => pass("strategy", title, "measures the mode the cluster is in"),
};

/** The sweep's strategy's row of STRATEGY_CHECKS. */
export function strategyCheck(input: Omit<StrategyCheckInput, "title">): Promise<Check> {
  const { strategy } = input.sweep.kubernetes.routing;
  return STRATEGY_CHECKS[strategy]({ ...input, title: `Routing strategy ${strategy}` });
}
