/**
 * The evidence that a cluster is in a mode: every test node's Cilium agent reports the mode's
 * host routing, or the switch is refused with what the agents report and why Cilium falls back.
 */
import type { ModeEvidence } from "../../results/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import { type AgentReadings, agentStatus, stallHint } from "./cilium-agents.js";
import { hostRoutingFallbacks, hostRoutingFor } from "./cilium-status.js";
import type { Cluster } from "./connect.js";
import type { SwitchStrategy } from "./strategies.js";

function describeReadings(readings: AgentReadings): string {
  return Object.entries(readings)
    .map(
      ([node, r]) =>
        `${node}: ${r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable (${r.tail})`}`,
    )
    .join("; ");
}

/** Reads the agents of the cluster's test nodes and judges them by the strategy's row; `at` is when the switch began. */
export async function verifyMode(
  cluster: Cluster,
  mode: RoutingMode,
  strategy: Pick<SwitchStrategy, "withoutAgents" | "mismatch">,
  at: string,
): Promise<ModeEvidence> {
  const wanted = hostRoutingFor(mode);
  const readings = await agentStatus(cluster.clients, cluster.options.routing.ciliumNamespace, cluster.nodes);
  if (!readings) {
    if (strategy.withoutAgents === "refuse")
      throw new EnvironmentError("no Cilium agents found to verify the switch");
    return {
      mode,
      at,
      nodes: {},
      ok: true,
      verified: false,
      detail: `no Cilium agent found: mode ${mode} is as ${strategy.withoutAgents}, not verified`,
    };
  }
  const lines = Object.fromEntries(
    Object.entries(readings).map(([node, r]) => [
      node,
      r.status.hostRouting ? `Host Routing: ${r.status.hostRouting}` : `unreadable: ${r.tail}`,
    ]),
  );
  const ok = Object.values(readings).every((r) => r.status.hostRouting === wanted);
  if (!ok) {
    const causes = [...new Set(Object.values(readings).flatMap((r) => hostRoutingFallbacks(r.status)))];
    throw new EnvironmentError(
      strategy.mismatch(mode, describeReadings(readings), causes),
      wanted === "BPF" && causes.length === 0
        ? await stallHint(cluster.clients)
        : "`routebench k8s check` shows each precondition",
    );
  }
  return {
    mode,
    at,
    nodes: lines,
    ok,
    verified: true,
    detail: `every test node's Cilium agent reports Host Routing: ${wanted}`,
  };
}
