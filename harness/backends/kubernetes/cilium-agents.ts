/**
 * The Cilium agents of the test nodes, asked through pods/exec what host routing they run, and
 * the nodes whose agents are held un-Ready.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { tailLines } from "../../util/errors.js";
import type { ProcessResult } from "../../util/runner.js";
import { api } from "./api.js";
import { backoffDelayMs } from "./api-errors.js";
import {
  agentNotReadyNodes,
  type CiliumAgentStatus,
  chooseAgentPod,
  type HostRouting,
  parseCiliumStatus,
} from "./cilium-status.js";
import { execInPod } from "./exec.js";
import type { KubeClients } from "./kubeconfig.js";
import type { NodeFacts } from "./nodes.js";

/** One agent's status as read through pods/exec, with the tail of its output for error messages. */
export interface AgentReading {
  pod: string | null;
  status: CiliumAgentStatus;
  tail: string;
}

/** Each test node's agent status by node name; null where Cilium's namespace has no agents at all. */
export type AgentReadings = Record<string, AgentReading>;

/**
 * `cilium-dbg status -o json` in the agent of each test node (never a Terminating one), its text
 * form where -o json is unknown, and `cilium status` in agents of Cilium ≤ 1.14. The
 * output is read whatever the exit code: the agent exits 1 with a full report when not fully Ok.
 */
export async function agentStatus(
  clients: Pick<KubeClients, "core" | "exec">,
  namespace: string,
  nodes: readonly NodeFacts[],
): Promise<AgentReadings | null> {
  const agents = await api(`listing the Cilium agents in ${namespace}`, () =>
    clients.core.listNamespacedPod({ namespace, labelSelector: "k8s-app=cilium" }),
  ).catch(() => null);
  if (!agents || agents.items.length === 0) return null;
  const result: AgentReadings = {};
  for (const node of nodes) {
    const agent = chooseAgentPod(agents.items, node.name);
    const name = agent?.metadata?.name;
    if (!name) {
      result[node.name] = {
        pod: null,
        status: parseCiliumStatus(""),
        tail: "no running Cilium agent on this node",
      };
      continue;
    }
    const target = { namespace, pod: name, container: "cilium-agent" };
    let out: ProcessResult | null = null;
    let status = parseCiliumStatus("");
    // cilium-dbg since Cilium 1.15; before, the in-pod CLI was `cilium` (cilium/cilium#28085)
    for (const cli of ["cilium-dbg", "cilium"]) {
      for (const argv of [
        [cli, "status", "-o", "json"],
        [cli, "status"],
      ]) {
        out = await execInPod(clients.exec, target, argv, { timeoutMs: 30_000 });
        status = parseCiliumStatus(out.stdout);
        // the text report has the same line where a CLI does not know -o json
        if (status.hostRouting || notInImage(out)) break;
      }
      if (!out || !notInImage(out)) break;
    }
    const tail = out ? tailLines(out.stdout + out.stderr, 3) : "";
    result[node.name] = { pod: name, status, tail };
  }
  return result;
}

/** The container runtime's answer for a program the image lacks (exit 126/127, "executable file not found"). */
function notInImage(out: ProcessResult): boolean {
  return /executable file not found|no such file or directory/i.test(out.stderr) || out.exitCode === 127;
}

/** Waits until every test node's agent reports `wanted` (a rollout, or an AKS update, takes a while). */
export async function waitForHostRouting(
  clients: Pick<KubeClients, "core" | "exec">,
  namespace: string,
  nodes: readonly NodeFacts[],
  wanted: HostRouting,
  timeoutSec: number,
): Promise<AgentReadings | null> {
  const deadline = Date.now() + timeoutSec * 1000;
  let readings = await agentStatus(clients, namespace, nodes);
  for (let look = 0; readings && Date.now() < deadline; look++) {
    if (Object.values(readings).every((r) => r.status.hostRouting === wanted)) return readings;
    await sleep(Math.min(backoffDelayMs(look) * 4, 30_000));
    readings = await agentStatus(clients, namespace, nodes);
  }
  return readings;
}

/** Why agents may stay un-Ready: AKS's iptables monitor holds them while foreign host iptables rules exist. */
export async function stallHint(clients: Pick<KubeClients, "core">): Promise<string> {
  const nodes = await api("listing nodes", () => clients.core.listNode()).catch(() => null);
  const held = agentNotReadyNodes(nodes?.items ?? []);
  return held.length > 0
    ? `nodes ${held.join(", ")} carry the node.cilium.io/agent-not-ready taint: their agents are not Ready. On AKS with eBPF host routing, iptables rules in the host network namespace that AKS did not install keep them so; remove those rules (kubectl logs the agent for the rule) or switch back`
    : "kubectl -n kube-system get pods -l k8s-app=cilium shows which agents are not Ready, and their logs why";
}
