/**
 * `lab verify`: short netperf traffic per IP family and placement, and which path carried it
 * (BPF counters, FORWARD counters of the family's iptables, IP forwarding, conntrack), judged
 * on positive evidence.
 */
import { buildNetperfArgv } from "../../netperf/argv.js";
import { type Metrics, parseNetperfOutput } from "../../netperf/parse.js";
import { type Runner, runChecked } from "../../util/runner.js";
import {
  IP_FAMILIES,
  type IpFamily,
  type NetperfTest,
  PLACEMENTS,
  type Placement,
  type RoutingMode,
} from "../../vocabulary/vocabulary.js";
import { readNodeConfigs } from "./mode.js";
import { NamespaceCounterFiles } from "./netns-counters.js";
import { type PodPair, pathNodes, podPair } from "./pairs.js";
import type { LabPlan, NodePlan } from "./plan.js";
import { requireRoot } from "./preflight.js";
import { inNetns, judgeTrialPath, probeDelta, readProbe } from "./probe.js";
import { requireLab } from "./state.js";

export interface PathEvidence {
  family: IpFamily;
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

/** One verification: a family and placement, the pod pair, the nodes it crosses, the server's address. */
export interface VerifyTarget {
  family: IpFamily;
  placement: Placement;
  pair: PodPair;
  nodes: NodePlan[];
  serverIp: string;
}

/** What `lab verify` checks, in order: every placement the lab can host, IPv4 first, then IPv6. Pure. */
export function verifyTargets(plan: LabPlan): VerifyTarget[] {
  return IP_FAMILIES.flatMap((family) =>
    PLACEMENTS.flatMap((placement) => {
      const pair = podPair(plan, placement);
      if (!pair) return [];
      const serverIp = family === "ipv4" ? pair.server.ip : pair.server.ip6;
      return [{ family, placement, pair, nodes: pathNodes(plan, pair), serverIp }];
    }),
  );
}

/** netperf's argv for a verification: the family's `-6` after the program, as a lab trial runs it. */
export function verifyNetperfArgv(
  test: "TCP_RR" | "TCP_STREAM",
  target: VerifyTarget,
  port: number,
  durationSec: number,
): string[] {
  const argv = buildNetperfArgv({
    test,
    host: target.serverIp,
    port,
    durationSec,
    messageSize: 16384,
    measureCpu: false,
  });
  return target.family === "ipv6" ? [argv[0] as string, "-6", ...argv.slice(1)] : argv;
}

/**
 * Sends short netperf traffic (TCP_RR, then TCP_STREAM) for each IP family and placement and
 * reads which path carried it (an IPv6 flow's FORWARD count from ip6tables). eBPF must also
 * leave conntrack empty on the nodes.
 */
export async function verifyLab(runner: Runner, durationSec = 1): Promise<VerifyReport> {
  requireRoot("lab verify");
  const { state, plan } = await requireLab();
  const configs = await readNodeConfigs(runner, plan.nodes);
  const nodeModes = Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, c.mode]));
  const generation = state.generation ?? 0;
  const pids = Object.fromEntries(state.netservers.map((s) => [s.netns, s.pid]));
  const placements: PathEvidence[] = [];
  for (const target of verifyTargets(plan)) {
    const { family, placement, pair, nodes } = target;
    const ipv6 = family === "ipv6";
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
      const before = await readProbe(runner, nodes, namespaces, undefined, {}, ipv6);
      const traffic: PathEvidence["traffic"] = [];
      for (const test of ["TCP_RR", "TCP_STREAM"] as const) {
        const argv = verifyNetperfArgv(test, target, plan.netserverPort, durationSec);
        const result = await runChecked(runner, inNetns(pair.client.netns, argv), {
          timeoutMs: (durationSec + 10) * 1000,
        });
        traffic.push({ test, metrics: parseNetperfOutput(test, result.stdout).metrics });
      }
      const after = await readProbe(runner, nodes, namespaces, undefined, {}, ipv6);
      const delta = probeDelta(before, after, pair.client.netns);
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
        family,
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
