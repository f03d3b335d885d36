/**
 * What the test pods read about the nodes under test: kernel, OS, CPU and netperf for the
 * results, and /proc/stat and /proc/loadavg around each trial for its noise.
 */
import { parseMachineIdentity } from "../../machine/identity.js";
import { parseNetperfVersion } from "../../netperf/parse.js";
import type { SystemUnderTest } from "../../results/schema.js";
import type { Cluster } from "./connect.js";
import type { PodRole } from "./manifests.js";
import type { NodeFacts } from "./nodes.js";
import { execIn } from "./pods.js";

/** Kernel, OS, CPU and netperf of the test nodes, read from the node objects and inside the client pod. */
export async function systemUnderTest(cluster: Cluster): Promise<SystemUnderTest> {
  const [a, b] = cluster.nodes;
  const both = (f: (n: NodeFacts) => string | number | null) =>
    f(a) !== f(b) ? `${a.name}: ${f(a)}, ${b.name}: ${f(b)}` : String(f(a));
  const netperf = await execIn(cluster, "client", ["netperf", "-V"]);
  const cpuinfo = await execIn(cluster, "client", ["cat", "/proc/cpuinfo"]);
  // /proc is not namespaced for these: the client pod's node (the server's may differ: cpuModel says so)
  const version = await execIn(cluster, "client", ["cat", "/proc/version"]);
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo.stdout)?.[1]?.trim() ?? "unknown CPU";
  return {
    kernel: both((n) => n.kernel),
    os: both((n) => n.osImage),
    cpuModel: `${model}${a.instanceType ? ` (${both((n) => n.instanceType)})` : ""}`,
    cpuCount: Math.min(a.cpuCount ?? 0, b.cpuCount ?? a.cpuCount ?? 0),
    memoryGiB: Math.min(a.memoryGiB ?? 0, b.memoryGiB ?? a.memoryGiB ?? 0),
    netperfVersion: parseNetperfVersion(netperf.stdout),
    ...(cpuinfo.exitCode === 0 && cpuinfo.stdout.trim()
      ? {
          machine: parseMachineIdentity({
            cpuinfo: cpuinfo.stdout,
            procVersion: version.exitCode === 0 ? version.stdout : "unknown",
          }),
        }
      : {}),
  };
}

/** /proc/stat and /proc/loadavg of the node a pod runs on (neither is namespaced), or null. */
export async function readNodeCpu(
  cluster: Cluster,
  role: PodRole,
): Promise<{ stat: string; loadavg: string } | null> {
  const out = await execIn(cluster, role, ["cat", "/proc/stat", "/proc/loadavg"], { timeoutMs: 10_000 });
  if (out.exitCode !== 0) return null;
  const lines = out.stdout.trimEnd().split("\n");
  return { stat: lines.slice(0, -1).join("\n"), loadavg: lines.at(-1) ?? "" };
}

/** The CPU count of the node a pod runs on (1 when the node object does not say). */
export function cpuCountOf(cluster: Cluster, role: PodRole): number {
  const node = cluster.plans.find((p) => p.role === role)?.node;
  return cluster.nodes.find((n) => n.name === node)?.cpuCount ?? 1;
}
