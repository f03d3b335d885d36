/**
 * `lab verify`: short netperf traffic per placement, and which path carried it (BPF
 * counters, FORWARD counters, IP forwarding, conntrack), judged on positive evidence.
 */
import { buildNetperfArgv } from "../../netperf/argv.js";
import { type Metrics, parseNetperfOutput } from "../../netperf/parse.js";
import { type Runner, runChecked } from "../../util/runner.js";
import {
  type NetperfTest,
  PLACEMENTS,
  type Placement,
  type RoutingMode,
} from "../../vocabulary/vocabulary.js";
import { readNodeConfigs } from "./mode.js";
import { NamespaceCounterFiles } from "./netns-counters.js";
import { pathNodes, podPair } from "./pairs.js";
import { requireRoot } from "./preflight.js";
import { inNetns, judgeTrialPath, probeDelta, readProbe } from "./probe.js";
import { requireLab } from "./state.js";

export interface PathEvidence {
  placement: Placement;
  client: string;
  server: string;
  bpfRedirects: number;
  stackPasses: number;
  iptablesForwardPackets: number;
  ipForwarded: number;
  conntrackEntries: number;
  traffic: { test: NetperfTest; metrics: Metrics }[];
  ok: boolean;
  reason: string;
}

export interface VerifyReport {
  mode: RoutingMode;
  nodeModes: Record<string, RoutingMode | "unknown">;
  ok: boolean;
  placements: PathEvidence[];
}

async function readConntrackCount(runner: Runner, netns: string): Promise<number> {
  const result = await runChecked(runner, inNetns(netns, ["conntrack", "-C"]));
  const count = Number(result.stdout.trim());
  if (!Number.isInteger(count))
    throw new Error(`conntrack -C in ${netns} printed ${JSON.stringify(result.stdout)}`);
  return count;
}

/**
 * Sends short netperf traffic (TCP_RR, then TCP_STREAM) for each placement and reads which
 * path carried it. eBPF must also leave conntrack empty on the nodes.
 */
export async function verifyLab(runner: Runner, durationSec = 1): Promise<VerifyReport> {
  requireRoot("lab verify");
  const { state, plan } = await requireLab();
  const configs = await readNodeConfigs(runner, plan.nodes);
  const nodeModes = Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, c.mode]));
  const generation = state.generation ?? 0;
  const pids = Object.fromEntries(state.netservers.map((s) => [s.netns, s.pid]));
  const placements: PathEvidence[] = [];
  for (const placement of PLACEMENTS) {
    const pair = podPair(plan, placement);
    if (!pair) continue;
    const nodes = pathNodes(plan, pair);
    for (const node of plan.nodes) await runner.run(inNetns(node.netns, ["conntrack", "-F"]));
    const namespaces = Object.fromEntries(
      await Promise.all(
        [pair.client.netns, ...nodes.map((n) => n.netns)].flatMap((netns) =>
          pids[netns]
            ? [NamespaceCounterFiles.open(netns, pids[netns] as number).then((f) => [netns, f] as const)]
            : [],
        ),
      ),
    );
    try {
      const before = await readProbe(runner, nodes, namespaces);
      const traffic: PathEvidence["traffic"] = [];
      for (const test of ["TCP_RR", "TCP_STREAM"] as const) {
        const argv = buildNetperfArgv({
          test,
          host: pair.server.ip,
          port: plan.netserverPort,
          durationSec,
          messageSize: 16384,
          measureCpu: false,
        });
        const result = await runChecked(runner, inNetns(pair.client.netns, argv), {
          timeoutMs: (durationSec + 10) * 1000,
        });
        traffic.push({ test, metrics: parseNetperfOutput(test, result.stdout).metrics });
      }
      const delta = probeDelta(before, await readProbe(runner, nodes, namespaces), pair.client.netns);
      let conntrackEntries = 0;
      for (const node of nodes) conntrackEntries += await readConntrackCount(runner, node.netns);
      let judged = judgeTrialPath(state.mode, generation, delta);
      if (judged.ok && state.mode === "ebpf" && conntrackEntries > 0)
        judged = {
          ok: false,
          kind: "path",
          reason: `${conntrackEntries} conntrack entries were created on the nodes`,
        };
      if (judged.ok && state.mode === "legacy" && conntrackEntries === 0)
        judged = { ok: false, kind: "path", reason: "conntrack saw no connection on the nodes" };
      placements.push({
        placement,
        client: pair.client.name,
        server: pair.server.name,
        bpfRedirects: delta.bpfRedirects,
        stackPasses: delta.stackPasses,
        iptablesForwardPackets: delta.iptablesForwardPackets,
        ipForwarded: delta.ipForwarded,
        conntrackEntries,
        traffic,
        ok: judged.ok,
        reason: judged.reason,
      });
    } finally {
      await Promise.all(Object.values(namespaces).map((f) => f.close()));
    }
  }
  return {
    mode: state.mode,
    nodeModes,
    ok: placements.length > 0 && placements.every((p) => p.ok),
    placements,
  };
}
