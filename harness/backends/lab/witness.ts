/**
 * The second witnesses on the lab: each tool's server, started once per server namespace on the
 * server's CPU and stopped by pid when the run ends (the lab's cleanup stops any left in its
 * namespaces), and the client's argv for a trial, on the client's CPU, against netperf's address.
 */
import type { Trial } from "../../sweep/plan.js";
import { IPERF3_PORT, SOCKPERF_PORT } from "../../vocabulary/vocabulary.js";
import { buildIperf3ClientArgv, buildIperf3ServerArgv } from "../../witness/iperf3.js";
import {
  buildSockperfClientArgv,
  buildSockperfServerArgv,
  sockperfMessageSize,
} from "../../witness/sockperf.js";
import type { WitnessName } from "../../witness/witness.js";
import { alive, killProcesses, startListener } from "./netserver.js";

const PORTS: Record<WitnessName, number> = { sockperf: SOCKPERF_PORT, iperf3: IPERF3_PORT };

/** `taskset -c cpu argv`, or argv when the placement pins nothing. */
function pinned(cpu: number | null, argv: string[]): string[] {
  return cpu === null ? argv : ["taskset", "-c", String(cpu), ...argv];
}

/** How witness servers are started in a namespace and watched: this machine's processes, or a test's fake. */
export interface ListenerControl {
  start(netns: string, argv: readonly string[], port: number): Promise<number>;
  alive(pid: number): boolean;
}

const PROCESSES: ListenerControl = { start: startListener, alive };

/** The servers a run started, by `tool@netns`. */
export class WitnessServers {
  private readonly pids = new Map<string, number>();
  /** The CPU each was pinned to, to restart it on the same one. */
  private readonly cpus = new Map<string, number | null>();

  constructor(private readonly control: ListenerControl = PROCESSES) {}

  /**
   * Starts `tool`'s server in `netns` unless one of this run's is alive there. Returns
   * `tool@netns` when it replaced one of this run's that had died, else null.
   */
  async ensure(tool: WitnessName, netns: string, cpu: number | null): Promise<string | null> {
    const key = `${tool}@${netns}`;
    const running = this.pids.get(key);
    if (running !== undefined && this.control.alive(running)) return null;
    const port = PORTS[tool];
    const argv = tool === "sockperf" ? buildSockperfServerArgv({ port }) : buildIperf3ServerArgv({ port });
    this.pids.set(key, await this.control.start(netns, pinned(cpu, argv), port));
    this.cpus.set(key, cpu);
    return running === undefined ? null : key;
  }

  /** Restarts this run's servers in `namespaces` that died; returns them as `tool@netns`. */
  async restartDead(namespaces: readonly string[]): Promise<string[]> {
    const restarted: string[] = [];
    for (const [key, pid] of this.pids) {
      const [tool, netns] = key.split("@") as [WitnessName, string];
      if (!namespaces.includes(netns) || this.control.alive(pid)) continue;
      if (await this.ensure(tool, netns, this.cpus.get(key) ?? null)) restarted.push(key);
    }
    return restarted;
  }

  async stopAll(): Promise<void> {
    await killProcesses([...this.pids.values()].filter((pid) => this.control.alive(pid)));
    this.pids.clear();
    this.cpus.clear();
  }
}

/** The witness client's argv for a trial (to run in the client's namespace). Pure. */
export function witnessClientArgv(
  trial: Trial,
  tool: WitnessName,
  host: string,
  cpu: number | null,
): string[] {
  const { point } = trial;
  const port = PORTS[tool];
  const client =
    tool === "sockperf"
      ? buildSockperfClientArgv({
          host,
          port,
          durationSec: trial.durationSec,
          messageSize: sockperfMessageSize(point.requestSize ?? 1, point.responseSize ?? 1),
        })
      : buildIperf3ClientArgv({
          host,
          port,
          durationSec: trial.durationSec,
          messageSize: point.messageSize ?? 16384,
        });
  return pinned(cpu, client);
}
