/** The lab as a run backend: brings the lab up when none is running and leaves it as it found it. */
import type { ModeEvidence, PathCheck } from "../../results/schema.js";
import type { Trial } from "../../sweep/plan.js";
import type { Sweep } from "../../sweep/schema.js";
import { UsageError } from "../../util/errors.js";
import { processRunner, type Runner } from "../../util/runner.js";
import { type Backend, type BackendSession, TRIAL_TIMEOUT_MARGIN_SEC, trialNetperfArgv } from "../backend.js";
import {
  cleanupLab,
  inNetns,
  judgePath,
  labUp,
  nodePair,
  pathDelta,
  podPair,
  readNodeMode,
  readPathCounters,
  requireLab,
  setLabMode,
} from "./lab.js";
import type { LabPlan, NodePlan, RoutingMode } from "./plan.js";
import { readLabState } from "./state.js";

interface Endpoints {
  clientNetns: string;
  serverIp: string;
  /** Nodes the traffic crosses: their counters are read around the trial. */
  nodes: NodePlan[];
}

function endpoints(plan: LabPlan, trial: Trial): Endpoints {
  const { placement } = trial.point;
  if (trial.mode === "host") {
    const pair = nodePair(plan, placement);
    if (!pair) throw new UsageError(`the lab has too few nodes for a ${placement} host baseline`);
    return { clientNetns: pair.client.netns, serverIp: pair.server.underlayIp, nodes: [] };
  }
  const pair = podPair(plan, placement);
  if (!pair) {
    throw new UsageError(
      `the lab cannot host ${placement} trials (${plan.options.nodes} nodes, ${plan.options.podsPerNode} pods per node)`,
      placement === "cross-node" ? "use lab: {nodes: 2} or more" : "use lab: {podsPerNode: 2} or more",
    );
  }
  const nodes = plan.nodes.filter((n) => n.name === pair.client.node || n.name === pair.server.node);
  return { clientNetns: pair.client.netns, serverIp: pair.server.ip, nodes };
}

class LabSession implements BackendSession {
  readonly name = "lab";
  private closed = false;

  constructor(
    private readonly runner: Runner,
    private readonly plan: LabPlan,
    private readonly sweep: Sweep,
    /** The mode of a lab the user started (restored at close), or null when this run brought the lab up. */
    private readonly foundMode: RoutingMode | null,
  ) {}

  topology(): Record<string, unknown> {
    return {
      kind: "lab",
      nodes: this.plan.options.nodes,
      podsPerNode: this.plan.options.podsPerNode,
      iptablesServicesPerNode: this.plan.options.iptablesServices,
      underlay: "veth pairs to a bridge in rb-fabric",
      startedByRun: this.foundMode === null,
    };
  }

  async useMode(mode: Trial["mode"]): Promise<ModeEvidence> {
    const at = new Date().toISOString();
    if (mode === "host") {
      return {
        mode,
        at,
        nodes: {},
        ok: true,
        detail: "node-to-node baseline: netperf between node namespaces over the underlay",
      };
    }
    await setLabMode(this.runner, mode, { force: false });
    const nodes: Record<string, string> = {};
    for (const node of this.plan.nodes) nodes[node.name] = await readNodeMode(this.runner, node);
    const ok = Object.values(nodes).every((m) => m === mode);
    return {
      mode,
      at,
      nodes,
      ok,
      detail: ok ? `every node's BPF config map holds ${mode}` : `BPF config maps disagree with ${mode}`,
    };
  }

  async runTrial(trial: Trial, signal: AbortSignal) {
    const target = endpoints(this.plan, trial);
    const argv = trialNetperfArgv(trial, target.serverIp, this.plan.netserverPort, this.sweep.cpu);
    const before = trial.mode === "host" ? null : await readPathCounters(this.runner, target.nodes);
    const result = await this.runner.run(inNetns(target.clientNetns, argv), {
      timeoutMs: (trial.durationSec + TRIAL_TIMEOUT_MARGIN_SEC) * 1000,
      signal,
    });
    let path: PathCheck | undefined;
    if (before && trial.mode !== "host") {
      // conntrack is not counted per trial (0): its table holds entries of earlier trials too
      const delta = pathDelta(before, await readPathCounters(this.runner, target.nodes), 0);
      path = {
        bpfRedirects: delta.bpfRedirects,
        stackPasses: delta.stackPasses,
        iptablesForwardPackets: delta.iptablesForwardPackets,
        ...judgePath(trial.mode, delta),
      };
    }
    return { argv: result.argv, result, path };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.foundMode === null) await cleanupLab(this.runner);
    else await setLabMode(this.runner, this.foundMode, { force: true });
  }
}

export function labBackend(runner: Runner = processRunner): Backend {
  return {
    async open(sweep, log) {
      const state = await readLabState();
      if (state?.status === "up") {
        const { plan } = await requireLab();
        log(
          `using the running lab (${plan.options.nodes} nodes, mode ${state.mode}); it is left in that mode afterwards`,
        );
        return new LabSession(runner, plan, sweep, state.mode);
      }
      log(
        `bringing the lab up (${sweep.lab.nodes} nodes × ${sweep.lab.podsPerNode} pods); it is taken down afterwards`,
      );
      const report = await labUp(runner, sweep.lab, { mode: "legacy", recreate: false, force: false });
      return new LabSession(runner, report.plan, sweep, null);
    },
  };
}
