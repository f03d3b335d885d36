/**
 * The lab as a run backend: brings the lab up when none is running and leaves it as it found
 * it. Every trial is read around (BPF counters and mode generation, FORWARD, the kernel's
 * counters of the namespaces on the path) so it proves the path it took; a dead netserver or
 * witness server is restarted before the trial that needs it, and recorded in that trial.
 *
 * Over 300 lines on purpose: it is one session class, whose trial, switch and witness methods
 * share the session's state (the lab record, the mode generation, the reading reused between
 * trials); the pure parts live beside it (pairs.ts, probe.ts, witness.ts, mode.ts).
 */
import { existsSync } from "node:fs";
import { type CpuPlacement, keepHarnessOff, resolveCpuPlacement } from "../../machine/cpu-placement.js";
import { CpuProbe, type CpuProbeReading } from "../../machine/cpu-probe.js";
import type { ModeEvidence, PathCheck } from "../../results/schema.js";
import type { Trial } from "../../sweep/plan.js";
import type { Sweep } from "../../sweep/schema.js";
import { EnvironmentError } from "../../util/errors.js";
import { processRunner, type Runner } from "../../util/runner.js";
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import type { WitnessName } from "../../witness/witness.js";
import {
  type Backend,
  type BackendSession,
  combineInstances,
  resolveSocketBuffer,
  trialNetperfArgvs,
  trialTimeoutSec,
} from "../backend.js";
import { FORWARD_COUNTER_BINARY, ForwardCounter, type ForwardSource } from "./forward-counter.js";
import { cleanupLab, labUp } from "./lab.js";
import { acquireLabLock, type LabLock } from "./lock.js";
import { listForeignRules, setLabMode } from "./mode.js";
import { type CounterSource, NamespaceCounterFiles } from "./netns-counters.js";
import { alive, netserverServing, startListener, startNetserver } from "./netserver.js";
import { trialEndpoints } from "./pairs.js";
import type { LabPlan } from "./plan.js";
import {
  inNetns,
  judgeDirectPath,
  judgeTrialPath,
  type PinnedReader,
  probeDelta,
  readPinnedFile,
  readProbe,
} from "./probe.js";
import { withProfile } from "./profile.js";
import { inCgroup, readServiceCounters, type ServicesWritten, writeServices } from "./service-lab.js";
import { judgeServicePath, type ServiceReading, serviceDelta } from "./service-path.js";
import { type ServiceOptions, type ServiceTarget, serviceOptionsOf, trialTarget } from "./services.js";
import { type LabState, readLabState, requireLab, writeLabState } from "./state.js";
import { WitnessServers, witnessClientArgv } from "./witness.js";

/**
 * What a session touches on this machine other than the commands it runs (those go through
 * its Runner): the namespaces' presence, its servers' processes, the namespaces' counter
 * files. The machine's by default; a unit test gives a fake (test/unit/lab/trial-argv.test.ts).
 */
export interface LabHost {
  namespaceExists(netns: string): boolean;
  /** Whether the netserver `pid` still serves (netserver.ts). */
  serving(pid: number): boolean;
  startNetserver(netns: string, port: number): Promise<number>;
  /** Opens a namespace's counter files through `pid`, a process in it (netns-counters.ts). */
  openCounters(netns: string, pid: number): Promise<CounterSource>;
  /** Starts a witness server in a namespace and resolves with its pid once it listens. */
  startListener(netns: string, argv: readonly string[], port: number): Promise<number>;
  alive(pid: number): boolean;
  /** Reads a pinned BPF map's file (probe.ts). */
  readPinned: PinnedReader;
  /** A FORWARD reader without a process for these node namespaces (forward-counter.ts); none: iptables-save. */
  forwardCounter?: (netns: readonly string[]) => ForwardSource | null;
}

export const MACHINE_LAB_HOST: LabHost = {
  namespaceExists: (netns) => existsSync(`/run/netns/${netns}`),
  serving: netserverServing,
  startNetserver,
  openCounters: (netns, pid) => NamespaceCounterFiles.open(netns, pid),
  startListener,
  alive,
  readPinned: readPinnedFile,
  forwardCounter: (netns) => (existsSync(FORWARD_COUNTER_BINARY) ? new ForwardCounter(netns) : null),
};

/** A run's hold on the lab. Exported for the unit test that drives its trials on a fake host. */
export class LabSession implements BackendSession {
  readonly name = "lab";
  private closed = false;
  /** The generation the current mode was switched at: every trial must see it before and after. */
  private generation = 0;
  /**
   * Each node's FORWARD count at the end of the last trial that crossed it: the next trial
   * through that node starts from it instead of starting an iptables process. Nothing but the
   * benchmark's trials sends traffic through the lab, and a trial that does not cross a node
   * cannot move its FORWARD counter, so the count holds until a trial crosses the node again
   * (which reads it afresh at its end); a stray forwarded packet would add wrong-path evidence
   * and reject an eBPF trial, never pass one. Everything else a reading holds (the BPF maps'
   * pinned files, the namespaces' counter files) costs no process and is read afresh before
   * each trial. A witness run or a restarted server forgets it.
   */
  private readonly forwardSeen = new Map<string, number>();
  /** The CPU speed probe, started at the first reading and ended with the session. */
  private cpuProbe: CpuProbe | null = null;
  /** The nodes' FORWARD reader without a process, started at the first reading and ended with the session. */
  private forwardCounter: ForwardSource | null | undefined;

  private forwardSource(): ForwardSource | null {
    if (this.forwardCounter === undefined)
      this.forwardCounter = this.host.forwardCounter?.(this.plan.nodes.map((n) => n.netns)) ?? null;
    return this.forwardCounter;
  }

  constructor(
    private readonly runner: Runner,
    private readonly plan: LabPlan,
    private state: LabState,
    /** The mode of a lab the user started (restored at close), or null when this run brought the lab up. */
    private readonly foundMode: RoutingMode | null,
    readonly cpuPlacement: CpuPlacement,
    readonly socketBufferBytes: number | null,
    private readonly lock: LabLock,
    private readonly restorePlacement: () => Promise<void>,
    private readonly host: LabHost = MACHINE_LAB_HOST,
  ) {
    this.witnessServers = new WitnessServers({ start: host.startListener, alive: host.alive });
  }

  topology(): Record<string, unknown> {
    return {
      kind: "lab",
      nodes: this.plan.options.nodes,
      podsPerNode: this.plan.options.podsPerNode,
      iptablesServicesPerNode: this.plan.options.iptablesServices,
      servicesWritten: this.servicesWritten,
      socketLb: this.state.cgroup ? `cgroup ${this.state.cgroup}` : null,
      underlay: "veth pairs to a bridge in rb-fabric",
      startedByRun: this.foundMode === null,
      cpuPlacement: this.cpuPlacement,
      tcpStreamSocketBufferBytes: this.socketBufferBytes,
    };
  }

  /** The probe on the client's CPU (both ends share it by default); none when the run is not pinned. */
  async probeCpu(): Promise<CpuProbeReading | null> {
    if (this.closed) return null;
    if (!this.cpuProbe) {
      const cpu = this.cpuPlacement.client ?? this.cpuPlacement.cpus?.[0];
      if (cpu === undefined || cpu === null) return null;
      this.cpuProbe = new CpuProbe(cpu);
    }
    return this.cpuProbe.read();
  }

  async useMode(mode: Trial["mode"]): Promise<ModeEvidence> {
    const at = new Date().toISOString();
    if (mode === "host" || mode === "direct") {
      return {
        mode,
        at,
        nodes: {},
        ok: true,
        detail:
          mode === "host"
            ? "node-to-node baseline: netperf between node namespaces over the underlay"
            : "direct baseline: the two pods over a veth pair of their own, no node on the path",
      };
    }
    // The safeguard's rule check ran once when the session opened; `lab status` reports drift.
    const report = await setLabMode(this.runner, mode, { force: true, checkRules: false });
    this.generation = report.generation;
    // this session is the lab's only writer while it holds the lock: its copy only needs the switch
    this.state = { ...this.state, mode, generation: report.generation };
    const nodes = Object.fromEntries(
      Object.entries(report.nodes).map(([name, c]) => [name, `${c.mode} (generation ${c.generation})`]),
    );
    const ok = Object.values(report.nodes).every(
      (c) => c.mode === mode && c.generation === report.generation,
    );
    return {
      mode,
      at,
      nodes,
      ok,
      detail: ok
        ? `every node's BPF config map holds ${mode} at generation ${report.generation}`
        : `BPF config maps disagree with ${mode} at generation ${report.generation}`,
    };
  }

  /**
   * Before each trial: every namespace on its path must still exist (else the run stops with
   * a clear error instead of failing trial after trial), and a netserver, or a witness server
   * this run started, that died is restarted. Returns what was restarted: a namespace (its
   * netserver) or `tool@namespace` (a witness server), with those the witness restarted since.
   */
  private async superviseServers(namespaces: readonly string[]): Promise<string[]> {
    const gone = namespaces.filter((netns) => !this.host.namespaceExists(netns));
    if (gone.length > 0)
      throw new EnvironmentError(
        `the lab namespace${gone.length > 1 ? "s" : ""} ${gone.join(", ")} vanished under this run: the lab was taken down or damaged from outside`,
        "bring the lab up again (`routebench lab up --recreate`) and finish the run with `routebench run --resume DIR`",
      );
    const restarted: string[] = [];
    for (const netns of namespaces) {
      const entry = this.state.netservers.find((s) => s.netns === netns);
      if (entry && this.host.serving(entry.pid)) continue;
      const pid = await this.host.startNetserver(netns, this.plan.netserverPort);
      this.state.netservers = [...this.state.netservers.filter((s) => s.netns !== netns), { netns, pid }];
      restarted.push(netns);
    }
    if (restarted.length > 0) await writeLabState(this.state);
    restarted.push(...(await this.witnessServers.restartDead(namespaces)), ...this.witnessRestarts.splice(0));
    if (restarted.length > 0) this.forwardSeen.clear(); // a server's start may move its namespace's counters
    return restarted;
  }

  /** A namespace's counter files, opened through its netserver on first use and kept open (netns-counters.ts). */
  private async counterFilesOf(netns: string): Promise<CounterSource | null> {
    const open = this.counterFiles.get(netns);
    if (open) return open;
    const pid = this.state.netservers.find((s) => s.netns === netns)?.pid;
    if (pid === undefined) return null;
    const files = await this.host.openCounters(netns, pid);
    this.counterFiles.set(netns, files);
    return files;
  }

  /** Service trials run so far: each takes the next of the netserver Service's data ports (services.ts). */
  private serviceTrials = 0;
  /** Services written when a point asked for another count, in order: how long each took. */
  readonly servicesWritten: ServicesWritten[] = [];

  /** The trial's service options (point fields `destination`, `ipFamily`, `services`, each optional). */
  private serviceOptions(trial: Trial): ServiceOptions {
    return serviceOptionsOf(trial.point, this.state.services ?? this.plan.options.iptablesServices);
  }

  /**
   * Gives the lab `count` Services when it holds another number: each node's nat tables in one
   * iptables-restore per family, the socket LB's map in one batch (service-lab.ts).
   */
  async useServices(count: number): Promise<ServicesWritten | null> {
    const current = this.state.services ?? this.plan.options.iptablesServices;
    if (count === current) return null;
    const written = await writeServices(this.runner, this.plan, current, count);
    this.state = { ...this.state, services: count };
    await writeLabState(this.state);
    this.servicesWritten.push(written);
    this.forwardSeen.clear(); // rewritten tables: every node's FORWARD count is read afresh
    return written;
  }

  async runTrial(trial: Trial, signal: AbortSignal) {
    const marks = [performance.now()];
    const options = this.serviceOptions(trial);
    await this.useServices(options.services);
    const target: ServiceTarget = trialTarget(this.plan, trial, options, this.serviceTrials);
    if (target.service) this.serviceTrials++;
    const onPath = [
      ...new Set([target.clientNetns, target.serverNetns, ...target.nodes.map((n) => n.netns)]),
    ];
    const restarts = await this.superviseServers(onPath);
    const argvs = trialNetperfArgvs(
      trial,
      target.serverIp,
      this.plan.netserverPort,
      this.cpuPlacement,
      target.dataPort,
      this.socketBufferBytes,
    ).map((argv) => (target.ipv6 ? [argv[0] as string, "-6", ...argv.slice(1)] : argv));
    const cgroup = this.state.cgroup;
    if (target.service && !cgroup)
      throw new EnvironmentError(
        "this lab has no socket load balancer (brought up by an older routebench)",
        "recreate it: `routebench lab up --recreate`",
      );
    const clientArgv = (argv: string[]) =>
      target.service && cgroup
        ? inCgroup(cgroup, inNetns(target.clientNetns, argv))
        : inNetns(target.clientNetns, argv);
    const readService = target.service
      ? () => {
          const s = target.service as NonNullable<ServiceTarget["service"]>;
          return readServiceCounters(this.runner, s.clientNode, s.service, s.endpoint, options.ipFamily, [
            s.port,
            target.dataPort as number,
          ]);
        }
      : null;
    const readNamespaces: Record<string, CounterSource> = {};
    for (const netns of onPath) {
      const files = await this.counterFilesOf(netns);
      if (files) readNamespaces[netns] = files;
    }
    marks.push(performance.now());
    const serviceBefore: ServiceReading | null = readService ? await readService() : null;
    // FORWARD counts are per family (iptables or ip6tables): carried under the family's own name
    const forwardKey = (node: string) => (target.ipv6 ? `${node}/ipv6` : node);
    const known = Object.fromEntries(
      target.nodes.flatMap((n) => {
        const count = this.forwardSeen.get(forwardKey(n.name));
        return count === undefined ? [] : [[n.name, count] as const];
      }),
    );
    const before = await readProbe(
      this.runner,
      target.nodes,
      readNamespaces,
      this.host.readPinned,
      known,
      target.ipv6,
      this.forwardSource(),
    );
    for (const node of target.nodes) this.forwardSeen.delete(forwardKey(node.name)); // known again only once read after the trial
    marks.push(performance.now());
    // several instances start together and wait netperf's -s delay before measuring (netperf/streams.ts)
    const instances = await Promise.all(
      argvs.map((argv) =>
        this.runner.run(clientArgv(argv), {
          timeoutMs: trialTimeoutSec(trial) * 1000,
          signal,
        }),
      ),
    );
    const result = combineInstances(instances);
    marks.push(performance.now());
    const after = await readProbe(
      this.runner,
      target.nodes,
      readNamespaces,
      this.host.readPinned,
      {},
      target.ipv6,
      this.forwardSource(),
    );
    const serviceAfter: ServiceReading | null = readService ? await readService() : null;
    marks.push(performance.now());
    for (const [name, node] of Object.entries(after.nodes))
      this.forwardSeen.set(forwardKey(name), node.forward);
    const delta = probeDelta(before, after, target.clientNetns);
    let path: PathCheck | undefined;
    if (trial.mode !== "host") {
      const judged = target.directDevice
        ? judgeDirectPath(delta, target.directDevice)
        : judgeTrialPath(trial.mode as RoutingMode, this.generation, delta);
      path = {
        bpfRedirects: delta.bpfRedirects,
        stackPasses: delta.stackPasses,
        iptablesForwardPackets: delta.iptablesForwardPackets,
        ipForwarded: delta.ipForwarded,
        generation: this.generation,
        ...judged,
        ...(target.ipv6 ? { family: "ipv6" as const } : {}),
      };
      if (target.service && serviceBefore && serviceAfter) {
        const s = target.service;
        const verdict = judgeServicePath(trial.mode as RoutingMode, serviceBefore, serviceAfter);
        const d = serviceDelta(serviceBefore, serviceAfter);
        path.service = {
          family: options.ipFamily,
          service: s.service.name,
          clusterIp: target.serverIp,
          port: s.port,
          dnatPackets: d.dnatPackets,
          conntrackEntries: d.conntrackEntries,
          conntrackDelta: d.conntrackDelta,
          socketLbTranslations: d.socketLbTranslations,
          serviceHits: d.serviceHits,
          ...verdict,
        };
        if (path.ok && !verdict.ok) Object.assign(path, { ok: false, kind: "path", reason: verdict.reason });
        else if (path.ok) path.reason = `${path.reason}; ${verdict.reason}`;
      }
    }
    const datapath = delta.client
      ? {
          tcpRetransSegs: delta.client.tcpRetransSegs,
          tcpReorder: delta.client.tcpReorder,
          tcpDsackRecv: delta.client.tcpDsackRecv,
          drops: delta.drops,
        }
      : undefined;
    const ms = (i: number) => Math.round(((marks[i + 1] as number) - (marks[i] as number)) * 10) / 10;
    const phasesMs = { supervise: ms(0), readBefore: ms(1), netperf: ms(2), readAfter: ms(3) };
    return {
      argv: result.argv,
      result,
      path,
      datapath,
      restarts,
      phasesMs,
      ...(instances.length > 1 ? { instances } : {}),
    };
  }

  /** The trial again with its CPUs sampled by call chain (lab/profile.ts): sweep `explain`. */
  async runProfiledTrial(trial: Trial, signal: AbortSignal, afterTrial?: () => void) {
    const cpus = this.cpuPlacement.cpus;
    if (!cpus)
      throw new EnvironmentError(
        "explain samples the benchmark's CPUs, but netperf and netserver are not pinned (cpu.placement: unpinned)",
        "pin them (cpu.placement: auto or explicit CPUs), or run without explain",
      );
    return withProfile(this.runner, cpus, trial.durationSec, async () => {
      const outcome = await this.runTrial(trial, signal);
      afterTrial?.();
      return outcome;
    });
  }

  /** Witness servers this session started: stopped by pid at close. */
  private readonly witnessServers: WitnessServers;
  /** Witness servers found dead and restarted by the witness itself: reported with the next trial. */
  private readonly witnessRestarts: string[] = [];
  /** Each namespace's counter files, open for the session. */
  private readonly counterFiles = new Map<string, CounterSource>();

  /** A second witness at the trial's point, in the mode the trial just ran in (lab/witness.ts). */
  async runWitness(trial: Trial, tool: WitnessName, signal: AbortSignal) {
    // the witness's packets move the counters: the next trial reads its opening counters afresh
    this.forwardSeen.clear();
    const target = trialEndpoints(this.plan, trial);
    const restarted = await this.witnessServers.ensure(tool, target.serverNetns, this.cpuPlacement.server);
    if (restarted) this.witnessRestarts.push(restarted);
    const argv = inNetns(
      target.clientNetns,
      witnessClientArgv(trial, tool, target.serverIp, this.cpuPlacement.client),
    );
    // sockperf waits ≈2.1 s before its test (witness/sockperf.ts)
    const result = await this.runner.run(argv, { timeoutMs: trialTimeoutSec(trial) * 1000 + 5000, signal });
    return { argv, result };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cpuProbe?.close();
    this.forwardCounter?.close();
    await this.witnessServers.stopAll();
    await Promise.all([...this.counterFiles.values()].map((f) => f.close()));
    this.counterFiles.clear();
    try {
      if (this.foundMode === null) await cleanupLab(this.runner);
      else {
        await setLabMode(this.runner, this.foundMode, { force: true, checkRules: false });
        // a lab the user started keeps the Services it had
        const first = this.servicesWritten[0];
        if (first) await this.useServices(first.from);
      }
    } finally {
      await this.restorePlacement();
      this.lock.release();
    }
  }
}

/**
 * The safeguard, once per run: eBPF would bypass iptables rules the lab did not write, so a
 * run that measures eBPF refuses while a node holds any.
 */
async function checkSafeguard(runner: Runner, plan: LabPlan, sweep: Sweep): Promise<void> {
  if (!sweep.modes.includes("ebpf")) return;
  const offending = Object.entries(await listForeignRules(runner, plan)).filter(
    ([, rules]) => rules.length > 0,
  );
  if (offending.length === 0) return;
  throw new EnvironmentError(
    `refusing to measure eBPF host routing: these iptables rules were not written by the lab and would be bypassed:\n${offending
      .map(([node, rules]) => rules.map((rule) => `  ${node}: ${rule}`).join("\n"))
      .join("\n")}`,
    "remove them (or `routebench lab up --recreate`), then run again",
  );
}

export function labBackend(runner: Runner = processRunner): Backend {
  return {
    async open(sweep, log) {
      // held until the session closes: nothing else may switch or take down the lab under the run
      const lock = acquireLabLock(`routebench run ${sweep.name}`);
      try {
        return await openSession(runner, sweep, log, lock);
      } catch (error) {
        lock.release();
        throw error;
      }
    },
  };
}

async function openSession(
  runner: Runner,
  sweep: Sweep,
  log: (message: string) => void,
  lock: LabLock,
): Promise<LabSession> {
  const existing = await readLabState();
  const foundMode = existing?.status === "up" ? existing.mode : null;
  if (foundMode)
    log(
      `using the running lab (${existing?.options.nodes} nodes, mode ${foundMode}); it is left in that mode afterwards`,
    );
  else {
    log(
      `bringing the lab up (${sweep.lab.nodes} nodes × ${sweep.lab.podsPerNode} pods); it is taken down afterwards`,
    );
    // the lab's own options; a Service-count axis starts the lab at its first count
    const { services, ...options } = sweep.lab;
    await labUp(
      runner,
      { ...options, iptablesServices: services?.[0] ?? options.iptablesServices },
      { mode: "legacy", recreate: false, force: false },
    );
  }
  const { plan, state } = await requireLab();
  const placement = await resolveCpuPlacement(sweep.cpu);
  const restore = await keepHarnessOff(runner, placement.cpus);
  const buffers = resolveSocketBuffer(sweep.socketBuffers, placement);
  const session = new LabSession(runner, plan, state, foundMode, placement, buffers, lock, restore);
  try {
    await checkSafeguard(runner, plan, sweep);
  } catch (error) {
    await session.close();
    throw error;
  }
  log(`CPU placement: ${session.cpuPlacement.reason}`);
  if (buffers)
    log(`TCP_STREAM socket buffers fixed at ${buffers} bytes per end (netperf -s/-S): autotuning off`);
  return session;
}
