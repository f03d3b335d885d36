/**
 * A run on one or two clusters (BackendSession): switch and verify a mode through the
 * strategy's row, run a trial's netperf in the client pod with the test nodes' CPU read around
 * it, and at the end remove the pods and undo the switch.
 */
import { type CpuPlacement, cpuPlacementWithoutPinning } from "../../machine/cpu-placement.js";
import { benchCpuSeconds, cpuShares, noiseSample, parseProcStat, worstNoise } from "../../machine/noise.js";
import type { ModeEvidence, NoiseSample, SystemUnderTest } from "../../results/schema.js";
import type { Trial } from "../../sweep/plan.js";
import type { Sweep } from "../../sweep/schema.js";
import { EnvironmentError, UsageError } from "../../util/errors.js";
import {
  type Mode,
  NETSERVER_DATA_PORT,
  NETSERVER_PORT,
  SERVICE_DATA_PORTS,
  STREAMS_DATA_PORT_BASE,
  switchesRouting,
} from "../../vocabulary/vocabulary.js";
import {
  type BackendSession,
  combineInstances,
  resolveSocketBuffer,
  trialNetperfArgvs,
  trialTimeoutSec,
} from "../backend.js";
import type { Cluster } from "./connect.js";
import type { PodRole } from "./manifests.js";
import { verifyMode } from "./mode-evidence.js";
import { cpuCountOf, readNodeCpu, systemUnderTest } from "./node-readings.js";
import { closeNamespace, execStoppable } from "./pods.js";
import { profileTargets, withPodProfile } from "./profiler.js";
import { initialSwitchState, STRATEGIES, type SwitchStrategy } from "./strategies.js";
import { leavingTestNodes, movePods } from "./test-nodes.js";

/**
 * The address a trial's netperf connects to (-H): the server pod's, or its Service's ClusterIP
 * for `destination: service`, of the point's IP family (IPv4 where it names none).
 */
export function trialTarget(cluster: Cluster, serverRole: PodRole, trial: Trial): string {
  const family = trial.point.ipFamily ?? "ipv4";
  const service = trial.point.destination === "service";
  const ips = service ? cluster.services?.get(serverRole) : cluster.podAddresses.get(serverRole);
  const ip = ips?.[family];
  if (!ip)
    throw new EnvironmentError(
      `no ${family} address of the ${serverRole} ${service ? "service" : "pod"} for ${trial.id} (has ${Object.values(ips ?? {}).join(", ") || "none"})`,
    );
  return ip;
}

/** The clusters of a run by the mode they serve; "any" serves every mode without its own. */
export type ClusterMap = Map<Mode | "any", Cluster>;

/** The BackendSession of a Kubernetes run; `kubernetesBackend().open` makes it. */
export class KubernetesSession implements BackendSession {
  readonly name = "kubernetes";
  /** The test nodes' CPU is read through the pods, with each trial (TrialOutcome.noise). */
  readonly remoteCpu = true;
  private closed = false;
  /** Pinned only when the sweep names CPUs: the pods' CPUs belong to the cluster's nodes. */
  readonly cpuPlacement: CpuPlacement;
  readonly socketBufferBytes: number | null;
  private readonly strategy: SwitchStrategy;
  private readonly state = initialSwitchState();

  constructor(
    private readonly sweep: Sweep,
    private readonly clusters: ClusterMap,
    private readonly log: (message: string) => void,
  ) {
    this.cpuPlacement = cpuPlacementWithoutPinning(sweep.cpu);
    this.socketBufferBytes = resolveSocketBuffer(sweep.socketBuffers, this.cpuPlacement);
    this.strategy = STRATEGIES[sweep.kubernetes.routing.strategy];
  }

  private clusterFor(mode: Mode | "any"): Cluster {
    const cluster = this.clusters.get(mode) ?? this.clusters.get("any") ?? [...this.clusters.values()][0];
    if (!cluster) throw new Error("no cluster");
    return cluster;
  }

  /** Puts `updated` wherever `old` served (a switch that restarts the pods changes their IPs). */
  private replace(old: Cluster, updated: Cluster): void {
    for (const [key, cluster] of this.clusters) if (cluster === old) this.clusters.set(key, updated);
  }

  topology(): Record<string, unknown> {
    return {
      kind: "kubernetes",
      strategy: this.sweep.kubernetes.routing.strategy,
      clusters: Object.fromEntries([...this.clusters].map(([mode, c]) => [mode, c.facts])),
    };
  }

  systemUnderTest(): Promise<SystemUnderTest> {
    return systemUnderTest(this.clusterFor("any"));
  }

  async useMode(mode: Mode): Promise<ModeEvidence> {
    const at = new Date().toISOString();
    if (mode === "host") {
      return { mode, at, nodes: {}, ok: true, detail: "node-to-node baseline: host-network netperf pods" };
    }
    if (mode === "direct") throw new UsageError("mode direct is a lab baseline: a cluster has no such path");
    const cluster = this.clusterFor(mode);
    const context = { cluster, routing: this.sweep.kubernetes.routing, state: this.state, log: this.log };
    const switched = await this.strategy.apply(context, mode);
    this.replace(cluster, switched);
    this.state.lastMode = mode;
    return verifyMode(switched, mode, this.strategy, at);
  }

  /**
   * The cluster of `mode` with its test nodes checked right before a trial: a node gone, not
   * Ready, cordoned or being drained never carries one; the pods move to two usable nodes first
   * (and a routing mode is verified again on them).
   */
  private async usableCluster(mode: Mode): Promise<{ cluster: Cluster; restarts: string[] }> {
    const cluster = this.clusterFor(mode);
    const leaving = await leavingTestNodes(cluster);
    if (leaving.length === 0) return { cluster, restarts: [] };
    this.log(`${leaving.join("; ")}: moving the test pods before the next trial`);
    const moved = await movePods(cluster, this.sweep.kubernetes.routing.rolloutTimeoutSec, this.log);
    this.replace(cluster, moved);
    if (switchesRouting(mode)) await verifyMode(moved, mode, this.strategy, new Date().toISOString());
    return {
      cluster: moved,
      restarts: [`test pods moved to ${moved.nodes.map((n) => n.name).join(", ")}: ${leaving.join("; ")}`],
    };
  }

  /** Service trials so far: each takes the next of SERVICE_DATA_PORTS. */
  private serviceTrials = 0;

  /**
   * netserver's data port for a trial: several instances take one each from their own range,
   * clear of the other servers'; a Service trial the next of SERVICE_DATA_PORTS (a fixed port
   * makes back-to-back TCP_CRR trials meet the last one's TIME_WAIT); a pod trial 12866.
   */
  private dataPort(trial: Trial): number {
    if ((trial.point.streams ?? 1) > 1) return STREAMS_DATA_PORT_BASE;
    if (trial.point.destination !== "service") return NETSERVER_DATA_PORT;
    const port = SERVICE_DATA_PORTS[this.serviceTrials % SERVICE_DATA_PORTS.length] as number;
    this.serviceTrials += 1;
    return port;
  }

  runTrial(trial: Trial, signal: AbortSignal) {
    return this.measure(trial, signal);
  }

  /**
   * explain: the trial again with perf recording the benchmark CPUs on each test node it uses,
   * from the profiling pods (profiler.ts), inside netperf's measured window.
   */
  async runProfiledTrial(trial: Trial, signal: AbortSignal, afterTrial?: () => void) {
    return withPodProfile(
      // on the cluster as the trial found it (the pods move off a drained node first)
      (pods) => profileTargets(pods.plans, trial.point.placement, this.cpuPlacement),
      trial.durationSec,
      (onStart) => this.measure(trial, signal, onStart),
      afterTrial,
    );
  }

  /** One trial's netperf in the client pod, the test nodes' CPU read before and after; `onStart` just before netperf starts. */
  private async measure(trial: Trial, signal: AbortSignal, onStart?: (cluster: Cluster) => void) {
    const { cluster, restarts } = await this.usableCluster(trial.mode);
    const host = trial.mode === "host";
    const side = trial.point.placement === "same-node" ? "same" : "cross";
    const serverRole = `${host ? "host-" : ""}server-${side}` as PodRole;
    const clientRole: PodRole = host ? "host-client" : "client";
    const serverIp = trialTarget(cluster, serverRole, trial);
    if (!cluster.plans.some((p) => p.role === clientRole))
      throw new EnvironmentError(`no ${serverRole} pod for ${trial.id}`);
    const argvs = trialNetperfArgvs(
      trial,
      serverIp,
      NETSERVER_PORT,
      this.cpuPlacement,
      this.dataPort(trial),
      this.socketBufferBytes,
    );
    // the nodes' CPU before and after: the steal and load of the machines under test, not of this one
    const ends: PodRole[] = side === "cross" ? [clientRole, serverRole] : [clientRole];
    const before = await Promise.all(ends.map((role) => readNodeCpu(cluster, role)));
    onStart?.(cluster);
    // the instances start together (one exec each) and wait netperf's -s delay before measuring
    const instances = await Promise.all(
      argvs.map((argv) =>
        execStoppable(cluster, clientRole, argv, { timeoutMs: trialTimeoutSec(trial) * 1000, signal }),
      ),
    );
    const result = combineInstances(instances);
    const after = await Promise.all(ends.map((role) => readNodeCpu(cluster, role)));
    const samples: NoiseSample[] = [];
    ends.forEach((role, i) => {
      const [b, a] = [before[i], after[i]];
      if (b && a)
        samples.push(
          noiseSample(
            parseProcStat(b.stat).all,
            parseProcStat(a.stat).all,
            a.loadavg,
            cpuCountOf(cluster, role),
          ),
        );
    });
    const bench = this.benchCpuTime(trial, ends, before, after);
    const worst = worstNoise(samples);
    return {
      argv: result.argv,
      result,
      noise: worst && bench ? { ...worst, ...bench } : worst,
      ...(restarts.length ? { restarts } : {}),
      ...(instances.length > 1 ? { instances } : {}),
    };
  }

  /**
   * The benchmark CPUs' time over the trial, where the sweep names them (netperf -T): the client's
   * CPU on node A and the server's on its node (both on A same-node), their /proc/stat lines read
   * before and after, summed. This is the CPU per transaction's numerator, as the lab's one CPU's
   * busy time is there (run/cpu-cost.ts); null when the CPUs are not named or a reading failed.
   */
  private benchCpuTime(
    trial: Trial,
    ends: readonly PodRole[],
    before: readonly ({ stat: string } | null)[],
    after: readonly ({ stat: string } | null)[],
  ): Pick<NoiseSample, "benchCpus" | "benchCpuSec" | "benchCpuStealPct"> | null {
    const { client, server } = this.cpuPlacement;
    if (client === null || server === null) return null;
    const cpusOf = (i: number) =>
      trial.point.placement === "same-node" ? [...new Set([client, server])] : i === 0 ? [client] : [server];
    const total = { user: 0, system: 0, softirq: 0, busy: 0 };
    let steal = 0;
    let ticks = 0;
    for (let i = 0; i < ends.length; i++) {
      const [b, a] = [before[i], after[i]];
      if (!b || !a) return null;
      const [pb, pa] = [parseProcStat(b.stat), parseProcStat(a.stat)];
      for (const cpu of cpusOf(i)) {
        const [cb, ca] = [pb.cpus.get(cpu), pa.cpus.get(cpu)];
        if (!cb || !ca) return null; // the node has no such CPU
        const sec = benchCpuSeconds(cb, ca);
        for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += sec[key];
        const span = ca.total - cb.total;
        steal += (cpuShares(cb, ca).stealPct * span) / 100;
        ticks += span;
      }
    }
    const round2 = (v: number) => Math.round(v * 100) / 100;
    return {
      benchCpus: [...new Set([client, server])],
      benchCpuSec: {
        user: round2(total.user),
        system: round2(total.system),
        softirq: round2(total.softirq),
        busy: round2(total.busy),
      },
      benchCpuStealPct: ticks > 0 ? Math.round((1000 * steal) / ticks) / 10 : 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cluster of new Set(this.clusters.values())) {
      await closeNamespace(cluster, this.log);
      if (!this.state.switched) continue;
      await this.strategy.undo({
        cluster,
        routing: this.sweep.kubernetes.routing,
        state: this.state,
        log: this.log,
      });
    }
  }
}
