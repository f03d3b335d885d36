/**
 * explain on Kubernetes: the profiling pods (manifests/profiler-pod.yaml, one per test node,
 * privileged with hostPID, started with the test pods and removed with them) run `perf record
 * -e cpu-clock -g -C <benchmark CPUs>` through pods/exec during a profiled twin, on the client's
 * node and, cross-node, on the server's; `perf script` comes back through the same exec and is
 * folded here, the two nodes' chains summed, exactly as the lab's one machine gives them. The
 * benchmark CPUs are the sweep's (`cpu: {client, server}`, netperf -T): a pod's CPUs otherwise
 * belong to the scheduler, and node-wide samples would charge the node's other work (kubelet,
 * the CNI agent) to the benchmark. `profileRefusal` says why a sweep cannot have explain here.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CpuPlacement } from "../../machine/cpu-placement.js";
import { foldPerfScript, perfScriptArgv } from "../../profile/folded.js";
import {
  PROFILE_DELAY_SEC,
  PROFILE_FREQUENCY_HZ,
  perfRecordArgv,
  profileWindowSec,
} from "../../profile/record.js";
import type { Sweep } from "../../sweep/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import type { ProcessResult } from "../../util/runner.js";
import type { Placement } from "../../vocabulary/vocabulary.js";
import type { ProfileCapture, TrialOutcome } from "../backend.js";
import type { PodPlan, PodRole } from "./manifests.js";
import { execIn, type TestPods } from "./pods.js";

/** Where perf writes its samples inside a profiling pod (one recording at a time per pod). */
export const PERF_DATA = "/tmp/routebench-perf.data";
const PROBE_DATA = "/tmp/routebench-probe.data";

/** Why the Kubernetes backend cannot run this sweep's explain, or null when it can. */
export function profileRefusal(sweep: Pick<Sweep, "explain" | "cpu">): string | null {
  if (!sweep.explain) return null;
  if (sweep.cpu.client === undefined || sweep.cpu.server === undefined)
    return "explain on Kubernetes samples the benchmark's CPUs on the test nodes, so they must be named: set cpu: {client: N, server: M} (netperf -T pins both ends there, perf samples them with -C, and their /proc/stat lines give the CPU time per transaction); unpinned, node-wide samples would charge the node's other work (kubelet, the CNI agent) to the benchmark. `routebench k8s check` then says whether the cluster admits the privileged profiling pod and its perf works";
  return null;
}

/** One profiling pod's part of a trial: its role, node and the CPUs it samples. */
export interface ProfileTarget {
  role: PodRole;
  node: string;
  cpus: number[];
}

/**
 * The CPUs a trial's twin samples on each node: same-node both ends on node A (client's and
 * server's CPU), cross-node the client's CPU on A and the server's on B.
 */
export function profileTargets(
  plans: readonly PodPlan[],
  placement: Placement,
  cpu: Pick<CpuPlacement, "client" | "server">,
): ProfileTarget[] {
  if (cpu.client === null || cpu.server === null)
    throw new EnvironmentError("explain needs the benchmark's CPUs named (cpu: {client, server})");
  const node = (role: PodRole) => {
    const plan = plans.find((p) => p.role === role);
    if (!plan) throw new EnvironmentError(`no ${role} pod in this run: explain starts one per test node`);
    return plan.node;
  };
  if (placement === "same-node")
    return [{ role: "profiler-a", node: node("profiler-a"), cpus: [...new Set([cpu.client, cpu.server])] }];
  return [
    { role: "profiler-a", node: node("profiler-a"), cpus: [cpu.client] },
    { role: "profiler-b", node: node("profiler-b"), cpus: [cpu.server] },
  ];
}

const tail = (r: ProcessResult) => `${r.stderr}${r.stdout}`.trim().slice(-300);

/** perf missing from the profiling pod: the run cannot explain anything, so it stops. */
function missingPerf(r: ProcessResult): boolean {
  return r.exitCode === 127 || /executable file not found|perf: not found/.test(r.stderr);
}

function perfMissingError(pod: string): EnvironmentError {
  return new EnvironmentError(
    `explain needs perf in the profiling pod ${pod}, and it has none`,
    "set kubernetes.profiler.image to an image with perf (Debian's linux-perf), or keep the default command, which installs it",
  );
}

/**
 * Checks each profiling pod before the first trial: a short `perf record` on the benchmark
 * CPUs, whose samples must carry resolved kernel symbols (root with the node's PID namespace;
 * kptr_restrict hides them from anyone else). Throws what failed, with perf's own words.
 */
export async function probeProfilers(pods: TestPods, cpus: readonly number[]): Promise<void> {
  for (const plan of pods.plans.filter((p) => p.profiler)) {
    const record = await execIn(pods, plan.role, perfRecordArgv(cpus, PROBE_DATA, 0.2), {
      timeoutMs: 60_000,
    });
    if (missingPerf(record)) throw perfMissingError(plan.name);
    const script =
      record.exitCode === 0
        ? await execIn(pods, plan.role, perfScriptArgv(PROBE_DATA), { timeoutMs: 60_000 })
        : null;
    await execIn(pods, plan.role, ["rm", "-f", PROBE_DATA, `${PROBE_DATA}.old`]);
    const failed = script ?? record;
    if (failed.exitCode !== 0)
      throw new EnvironmentError(
        `perf cannot sample CPUs ${cpus.join(",")} of node ${plan.node} from the profiling pod ${plan.name}: ${failed === record ? "perf record" : "perf script"} exited ${failed.exitCode}: ${tail(failed)}`,
        "the pod must be privileged with hostPID (Pod Security level privileged) and the CPUs must exist on the node; or run without explain",
      );
    const frames = [...foldPerfScript(script?.stdout ?? "").stacks.keys()].flatMap((c) => c.split(";"));
    if (!frames.some((f) => f.endsWith("_[k]") && !f.startsWith("[unknown]")))
      throw new EnvironmentError(
        `perf in the profiling pod ${plan.name} on ${plan.node} took no samples with kernel symbols: the attribution reads kernel call chains`,
        "the container must run as root, privileged, with hostPID (kptr_restrict hides kernel addresses otherwise)",
      );
  }
}

/**
 * Runs a trial (`run`, which calls `onStart` with the cluster right before its netperf starts)
 * with perf recording on each target inside netperf's measured window, then reads back and
 * folds each node's samples.
 */
export async function withPodProfile(
  targetsOf: (pods: TestPods) => ProfileTarget[],
  durationSec: number,
  run: (onStart: (pods: TestPods) => void) => Promise<TrialOutcome>,
  afterTrial?: () => void,
): Promise<{ outcome: TrialOutcome; capture: ProfileCapture }> {
  const windowSec = profileWindowSec(durationSec);
  let startedAt = new Date().toISOString();
  // set by onStart inside `run` (a closure: kept in an object so the type checker follows it)
  const state: {
    started?: { pods: TestPods; targets: ProfileTarget[]; recording: Promise<ProcessResult[]> };
  } = {};
  const outcome = await run((pods) => {
    const targets = targetsOf(pods);
    const recording = (async () => {
      await sleep(PROFILE_DELAY_SEC * 1000);
      startedAt = new Date().toISOString();
      return Promise.all(
        targets.map((t) =>
          execIn(pods, t.role, perfRecordArgv(t.cpus, PERF_DATA, windowSec), {
            timeoutMs: (windowSec + 30) * 1000,
          }),
        ),
      );
    })();
    state.started = { pods, targets, recording };
  });
  afterTrial?.();
  const base = {
    argv: [] as string[],
    frequencyHz: PROFILE_FREQUENCY_HZ,
    windowSec,
    cpus: [] as number[],
    startedAt,
  };
  if (!state.started)
    return { outcome, capture: { ...base, stacks: new Map(), samples: 0, error: "netperf never started" } };
  const { pods, targets, recording } = state.started;
  const recorded = await recording;
  base.startedAt = startedAt;
  base.argv = recorded[0]?.argv ?? [];
  base.cpus = [...new Set(targets.flatMap((t) => t.cpus))].sort((a, b) => a - b);
  const stacks = new Map<string, number>();
  const nodes: NonNullable<ProfileCapture["nodes"]> = [];
  const errors: string[] = [];
  for (const [i, target] of targets.entries()) {
    const record = recorded[i] as ProcessResult;
    const pod = pods.plans.find((p) => p.role === target.role)?.name ?? target.role;
    if (missingPerf(record)) throw perfMissingError(pod);
    const node = { node: target.node, pod, argv: record.argv, cpus: target.cpus, samples: 0 };
    if (record.exitCode !== 0) {
      errors.push(`${target.node}: perf record exited ${record.exitCode}: ${tail(record)}`);
      nodes.push(node);
      continue;
    }
    const script = await execIn(pods, target.role, perfScriptArgv(PERF_DATA), { timeoutMs: 300_000 });
    await execIn(pods, target.role, ["rm", "-f", PERF_DATA, `${PERF_DATA}.old`]);
    if (script.exitCode !== 0) {
      errors.push(`${target.node}: perf script exited ${script.exitCode}: ${tail(script)}`);
      nodes.push(node);
      continue;
    }
    const folded = foldPerfScript(script.stdout);
    for (const [chain, n] of folded.stacks) stacks.set(chain, (stacks.get(chain) ?? 0) + n);
    nodes.push({ ...node, samples: folded.samples });
  }
  // one node's samples alone would attribute half of a cross-node path: none then
  if (errors.length > 0)
    return { outcome, capture: { ...base, nodes, stacks: new Map(), samples: 0, error: errors.join("; ") } };
  const samples = nodes.reduce((sum, n) => sum + n.samples, 0);
  return { outcome, capture: { ...base, nodes, stacks, samples } };
}
