/**
 * What the test pods read about the nodes under test: kernel, OS, CPU and netperf for the
 * results, and /proc/stat and /proc/loadavg around each trial for its noise.
 */
import { parseMachineIdentity } from "../../machine/identity.js";
import { parseNetperfVersion } from "../../netperf/parse.js";
import type { MachineIdentity, SystemUnderTest } from "../../results/schema.js";
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
  // /proc is not namespaced for these: the client pod's node is node A; node B's is read in its server pod
  const machine = await nodeIdentity(cluster, "client");
  const serverB = cluster.plans.find((p) => p.role === "server-cross" && p.node === b.name);
  const machineB = serverB ? await nodeIdentity(cluster, serverB.role) : null;
  const model = machine?.modelName ?? "unknown CPU";
  return {
    kernel: both((n) => n.kernel),
    os: both((n) => n.osImage),
    cpuModel: `${model}${a.instanceType ? ` (${both((n) => n.instanceType)})` : ""}`,
    cpuCount: Math.min(a.cpuCount ?? 0, b.cpuCount ?? a.cpuCount ?? 0),
    memoryGiB: Math.min(a.memoryGiB ?? 0, b.memoryGiB ?? a.memoryGiB ?? 0),
    netperfVersion: parseNetperfVersion(netperf.stdout),
    ...(machine ? { machine } : {}),
    ...(machine && machineB ? { nodeMachines: { [a.name]: machine, [b.name]: machineB } } : {}),
  };
}

/** A file's text read in a pod, or null (absent, unreadable, or the image has no cat). */
async function readInPod(cluster: Cluster, role: PodRole, path: string): Promise<string | null> {
  const out = await execIn(cluster, role, ["cat", path]);
  return out.exitCode === 0 ? out.stdout : null;
}

/**
 * The identity of the node a pod runs on (machine/identity.ts): /proc/cpuinfo and /proc/version
 * are the node's; /sys (mounted read-only in the container) gives the cpufreq base clock, a Xen
 * hypervisor and DMI's vendor and product ("Microsoft Corporation Virtual Machine" on Azure),
 * which name the hypervisor where the kernel log, unreadable from a pod, would. Null without cpuinfo.
 */
export async function nodeIdentity(cluster: Cluster, role: PodRole): Promise<MachineIdentity | null> {
  const cpuinfo = await readInPod(cluster, role, "/proc/cpuinfo");
  if (!cpuinfo?.trim()) return null;
  return parseMachineIdentity({
    cpuinfo,
    procVersion: (await readInPod(cluster, role, "/proc/version")) ?? "unknown",
    baseFrequencyKHz: await readInPod(cluster, role, "/sys/devices/system/cpu/cpu0/cpufreq/base_frequency"),
    sysHypervisorType: await readInPod(cluster, role, "/sys/hypervisor/type"),
    dmiVendor: await readInPod(cluster, role, "/sys/class/dmi/id/sys_vendor"),
    dmiProduct: await readInPod(cluster, role, "/sys/class/dmi/id/product_name"),
  });
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
