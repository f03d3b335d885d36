/**
 * The lab's netservers: started detached in every pod and node namespace, watched (a dead one
 * is restarted before the next trial) and killed by the pids the lab recorded.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvironmentError } from "../../util/errors.js";

/** Whether a process still runs. A zombie does not: it waits only for its (re-)parent to reap it. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Kills processes and waits (bounded) until they are gone. SIGKILL at once: they are the
 * lab's own netserver/netperf, hold nothing worth saving, and netserver takes over a second
 * to act on SIGTERM.
 */
export async function killProcesses(pids: readonly number[], timeoutMs = 5000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(5);
}

/** Reads /proc/<pid>/net/tcp{,6} (the process's own namespace; netserver listens on IPv6 any) for a listening socket on `port`. */
async function listening(pid: number, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["tcp", "tcp6"]) {
    try {
      const text = await readFile(`/proc/${pid}/net/${table}`, "utf8");
      const found = text.split("\n").some((line) => {
        const fields = line.trim().split(/\s+/);
        return fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A";
      });
      if (found) return true;
    } catch {}
  }
  return false;
}

/** Starts netserver in a namespace, detached so it outlives this process; resolves with its pid when it listens. */
export async function startNetserver(netns: string, port: number): Promise<number> {
  return startListener(netns, ["netserver", "-D", "-p", String(port)], port);
}

/**
 * Starts a TCP server (`argv`) in a namespace, detached; resolves with its pid once it listens
 * on `port`. The lab's cleanup stops every process in its namespaces, so none outlives the lab.
 */
export async function startListener(netns: string, argv: readonly string[], port: number): Promise<number> {
  const name = argv[0] === "taskset" ? argv[2] : argv[0];
  const child = spawn("nsenter", [`--net=/run/netns/${netns}`, ...argv], { detached: true, stdio: "ignore" });
  const pid = child.pid;
  child.unref();
  if (pid === undefined) throw new EnvironmentError(`could not start ${name} in ${netns}`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await listening(pid, port)) return pid;
    if (!alive(pid)) break;
    await sleep(10);
  }
  await killProcesses([pid]);
  throw new EnvironmentError(`${name} in ${netns} did not listen on port ${port} within 5 s`);
}

/**
 * Whether the netserver `pid` still serves: the check made before each trial. A netserver
 * never closes its listening socket, so a live one serves; reading its namespace's TCP table
 * instead would cost tens of milliseconds once TIME_WAIT sockets pile up (bench:overhead).
 */
export function netserverServing(pid: number): boolean {
  return alive(pid);
}
