/**
 * The lab's Services, in effect: the socket LB's programs on the lab's own cgroup (v2), the
 * nat tables and service map written for N Services, the client processes run inside that
 * cgroup, and the counters a Service trial is read around. Everything created here is named
 * with the lab's prefix and recorded in the lab's state (cgroup, pins), so cleanup finds it.
 */
import { mkdir, readFile, rm, rmdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvironmentError, tailLines } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import { SOCK_BPF_OBJECT } from "../../vocabulary/vocabulary.js";
import { byteList, parseBatchOutput, parseConfigDump } from "./bpf-maps.js";
import { alive, killProcesses } from "./netserver.js";
import { LAB_PREFIX, type LabPlan, type NodePlan, type PodPlan } from "./plan.js";
import { inNetns } from "./probe.js";
import { parseConntrackShown, parseDnatPackets, type ServiceReading } from "./service-path.js";
import { type IpFamily, type LabService, labServices, natRestore, serviceSepChains } from "./services.js";
import {
  parseServiceHits,
  parseSockCountersDump,
  SOCK_PIN_DIR,
  SOCK_PROGRAMS,
  serviceDeleteCommands,
  serviceEntryKeys,
  serviceUpdateCommands,
} from "./sock-lb.js";

/** The lab's cgroup, under the machine's cgroup v2 mount: only the lab's client processes join it. */
export const LAB_CGROUP_NAME = `${LAB_PREFIX}lab-clients`;

/** The cgroup v2 mount point (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one). */
export async function cgroup2Mount(): Promise<string> {
  const mounts = await readFile("/proc/self/mountinfo", "utf8");
  for (const line of mounts.split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] === "cgroup2") {
      const point = left?.split(" ")[4];
      if (point) return point;
    }
  }
  throw new EnvironmentError(
    "no cgroup v2 hierarchy is mounted: the lab's socket load balancer attaches to a cgroup v2",
    "mount one (mount -t cgroup2 none /sys/fs/cgroup/unified) or boot with the unified hierarchy",
  );
}

export async function labCgroupPath(): Promise<string> {
  return `${await cgroup2Mount()}/${LAB_CGROUP_NAME}`;
}

/**
 * argv that runs `argv` as a member of the lab's cgroup: the shell joins it, then execs the
 * command (the same pid), so every socket the command opens is under the socket LB's programs.
 */
export function inCgroup(cgroup: string, argv: readonly string[]): string[] {
  return ["sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "sh", `${cgroup}/cgroup.procs`, ...argv];
}

/**
 * Creates the lab's cgroup, loads rb_sock.bpf.o (pinned under SOCK_PIN_DIR) and attaches its
 * eight programs to the cgroup, in one bpftool batch. Translation starts off (legacy).
 */
export async function setupSocketLb(runner: Runner, cgroup: string): Promise<void> {
  await mkdir(cgroup, { recursive: true });
  await rm(SOCK_PIN_DIR, { recursive: true, force: true });
  await mkdir(SOCK_PIN_DIR, { recursive: true });
  const load = await runner.run([
    "bpftool",
    "prog",
    "loadall",
    SOCK_BPF_OBJECT,
    `${SOCK_PIN_DIR}/progs`,
    "pinmaps",
    `${SOCK_PIN_DIR}/maps`,
  ]);
  if (load.exitCode !== 0)
    throw new EnvironmentError(
      `could not load ${SOCK_BPF_OBJECT} (the verifier's log, when it rejected a program, ends the output):\n${tailLines(load.stderr, 25)}`,
      "check the kernel supports cgroup sock_addr programs (connect4/6, getpeername: >= 5.8); rebuild with `bash scripts/setup.sh`",
    );
  const attach = SOCK_PROGRAMS.map(
    ([name, type]) => `cgroup attach ${cgroup} ${type} pinned ${SOCK_PIN_DIR}/progs/${name}`,
  );
  await runChecked(runner, ["bpftool", "batch", "file", "-"], { input: `${attach.join("\n")}\n` });
}

/**
 * Stops every process in the lab's cgroup and removes it (the kernel detaches its programs
 * with it), then the socket LB's pins. Idempotent; touches no other cgroup.
 */
export async function teardownSocketLb(cgroup: string | undefined): Promise<void> {
  if (cgroup) {
    const pids = await cgroupPids(cgroup);
    await killProcesses(pids.filter(alive));
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(cgroup);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        // EBUSY while a killed member is still being reaped
        if (code !== "EBUSY" || attempt >= 100)
          throw new EnvironmentError(`cannot remove the lab's cgroup ${cgroup}: ${(error as Error).message}`);
        await sleep(20);
      }
    }
  }
  await rm(SOCK_PIN_DIR, { recursive: true, force: true });
}

async function cgroupPids(cgroup: string): Promise<number[]> {
  try {
    return (await readFile(`${cgroup}/cgroup.procs`, "utf8"))
      .split("\n")
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export interface ServicesWritten {
  /** Services before and after. */
  from: number;
  count: number;
  /** Wall time of each node's iptables-restore and ip6tables-restore (milliseconds), summed over nodes. */
  iptablesMs: number;
  ip6tablesMs: number;
  /** Wall time of the socket LB's one bpftool batch, and how many map commands it ran. */
  mapMs: number;
  mapCommands: number;
  /** Rules written per node and family (the nat table's -A lines). */
  rulesPerNode: number;
}

/**
 * Gives the lab `to` Services (it held `from`): each node's nat table rewritten whole by one
 * iptables-restore and one ip6tables-restore (kube-proxy's way), and the socket LB's map
 * changed in one bpftool batch (the Services added or removed). Returns the times.
 */
export async function writeServices(
  runner: Runner,
  plan: LabPlan,
  from: number,
  to: number,
  options: { socketLb: boolean } = { socketLb: true },
): Promise<ServicesWritten> {
  const services = labServices(plan, to);
  const v4 = natRestore(services, "ipv4");
  const v6 = natRestore(services, "ipv6");
  let iptablesMs = 0;
  let ip6tablesMs = 0;
  for (const node of plan.nodes) {
    let started = performance.now();
    await runChecked(runner, inNetns(node.netns, ["iptables-restore", "-w"]), {
      input: v4,
      timeoutMs: 600_000,
    });
    iptablesMs += performance.now() - started;
    started = performance.now();
    await runChecked(runner, inNetns(node.netns, ["ip6tables-restore", "-w"]), {
      input: v6,
      timeoutMs: 600_000,
    });
    ip6tablesMs += performance.now() - started;
  }
  let mapMs = 0;
  let mapCommands = 0;
  if (options.socketLb) {
    const lines =
      to >= from
        ? labServices(plan, to)
            .slice(from)
            .flatMap((s) => serviceUpdateCommands(SOCK_PIN_DIR, s))
        : labServices(plan, from)
            .slice(to)
            .flatMap((s) => serviceDeleteCommands(SOCK_PIN_DIR, s));
    mapCommands = lines.length;
    if (lines.length > 0) {
      const started = performance.now();
      await runChecked(runner, ["bpftool", "batch", "file", "-"], {
        input: `${lines.join("\n")}\n`,
        timeoutMs: 600_000,
      });
      mapMs = performance.now() - started;
    }
  }
  return {
    from,
    count: to,
    iptablesMs,
    ip6tablesMs,
    mapMs,
    mapCommands,
    rulesPerNode: v4.split("\n").filter((l) => l.startsWith("-A ")).length,
  };
}

/**
 * Reads a Service's counters on the client's node, on the trial's ports: its DNAT rules' packets (for `endpoint`),
 * conntrack's entries for its ClusterIP, the socket LB's counters, config and the Service
 * entry's hits (one bpftool batch).
 */
export async function readServiceCounters(
  runner: Runner,
  node: NodePlan,
  service: LabService,
  endpoint: PodPlan,
  family: IpFamily,
  /** The Service ports the trial uses (control and its data port). */
  ports: readonly number[],
): Promise<ServiceReading> {
  const iptables = family === "ipv4" ? "iptables" : "ip6tables";
  const clusterIp = family === "ipv4" ? service.clusterIp : service.clusterIp6;
  const chains = serviceSepChains(service, endpoint, ports);
  const keys = serviceEntryKeys(service, family, ports);
  const batch = [
    `map dump pinned ${SOCK_PIN_DIR}/maps/rb_sock_counters`,
    `map dump pinned ${SOCK_PIN_DIR}/maps/rb_sock_config`,
    ...keys.map((key) => `map lookup pinned ${SOCK_PIN_DIR}/maps/rb_services key ${byteList(key)}`),
  ];
  const [listings, conntrack, bpf] = await Promise.all([
    Promise.all(
      chains.map((chain) =>
        runChecked(runner, inNetns(node.netns, [iptables, "-w", "-t", "nat", "-L", chain, "-v", "-x", "-n"])),
      ),
    ),
    runChecked(
      runner,
      inNetns(node.netns, ["sh", "-c", 'conntrack -L -f "$1" -d "$2" >/dev/null', "sh", family, clusterIp]),
    ),
    runChecked(runner, ["bpftool", "-j", "batch", "file", "-"], { input: `${batch.join("\n")}\n` }),
  ]);
  const outputs = parseBatchOutput(bpf.stdout, batch.length);
  return {
    dnatPackets: listings.reduce((sum, l, i) => sum + parseDnatPackets(l.stdout, chains[i] as string), 0),
    conntrackEntries: parseConntrackShown(conntrack.stderr),
    sock: parseSockCountersDump(outputs[0] as string),
    sockConfig: parseConfigDump(outputs[1] as string, "rb_sock_config"),
    serviceHits: outputs.slice(2).reduce((sum, out) => sum + parseServiceHits(out), 0),
  };
}
