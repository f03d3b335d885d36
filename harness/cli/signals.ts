/**
 * The process's signals and the process that stands for it.
 *
 * Until `run` installs its own handlers (before it touches the lab or a cluster), SIGINT,
 * SIGTERM and SIGHUP end the process as an interrupted command (exit 130): nothing was
 * created yet, and the exit code says what happened.
 *
 * The pid a user or a supervisor signals is not always this process's: `node bin/routebench.js`
 * under a Node older than the project's runs this one as its child (bin/routebench.js), and
 * `npm run`/`npx` do the same. Those launchers relay SIGINT and SIGTERM, but a terminal's
 * Ctrl-C reaches this process directly as well: a SIGINT that follows another within
 * SAME_INTERRUPT_MS is the same Ctrl-C delivered twice. And a launcher killed with SIGKILL
 * relays nothing: this process watches it and, when it is gone, stops at once as SIGKILL
 * would have stopped it (the running trial killed, the lab lock released, nothing left).
 */
import { readFileSync } from "node:fs";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const exitInterrupted = () => process.exit(130);

/** A SIGINT this soon after the previous one is the same Ctrl-C, received from the terminal and relayed by a launcher. */
export const SAME_INTERRUPT_MS = 1000;

/** How often the launcher is looked at: its death stops this process within this (plus the exit). */
export const LAUNCHER_POLL_MS = 200;

/** The exit code when the launcher died: that of a process killed by SIGKILL. */
export const LAUNCHER_GONE_EXIT = 137;

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, it names one process for the machine's uptime. */
  startTime: string;
  /** What it is, for messages: "bin/routebench.js" or npm's command line. */
  name: string;
}

export interface ProcReader {
  /** /proc/<pid>/stat, or null when the process is gone. */
  stat(pid: number): string | null;
  /** /proc/<pid>/cmdline with NULs as spaces, or null when the process is gone. */
  cmdline(pid: number): string | null;
}

const procReader: ProcReader = {
  stat(pid) {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return null;
    }
  },
  cmdline(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch {
      return null;
    }
  },
};

/** State, parent pid and start time of a /proc/<pid>/stat line (the command name may hold spaces and parentheses). */
export function parseStat(stat: string): { state: string; ppid: number; startTime: string } | null {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(fields[1]);
  if (!fields[0] || !Number.isInteger(ppid) || fields[19] === undefined) return null;
  return { state: fields[0], ppid, startTime: fields[19] };
}

/** npm's processes name themselves `npm run start`, `npm exec routebench`, `npm start`… (process.title). */
const NPM_COMMAND = /^(npm|npx)(\s|$)|\/npm-cli\.js(\s|$)|\/npx-cli\.js(\s|$)/;

/**
 * The launcher this process stands in for, or null when it is the process the user started:
 * bin/routebench.js under an old Node (it names itself in ROUTEBENCH_LAUNCHER_PID and is the
 * parent), or, under `npm run`/`npx` (npm_lifecycle_event set), the nearest npm among the
 * first few ancestors (a shell may stand between). Nothing else: a routebench left running on
 * purpose (nohup, a double fork) has lost its parent too, and must go on.
 */
export function findLauncher(
  env: NodeJS.ProcessEnv,
  ppid: number,
  proc: ProcReader = procReader,
): ProcessIdentity | null {
  const identify = (pid: number, name: string): ProcessIdentity | null => {
    const stat = proc.stat(pid);
    const parsed = stat ? parseStat(stat) : null;
    return parsed && parsed.state !== "Z" ? { pid, startTime: parsed.startTime, name } : null;
  };
  if (env.ROUTEBENCH_LAUNCHER_PID !== undefined) {
    const pid = Number(env.ROUTEBENCH_LAUNCHER_PID);
    return pid === ppid ? identify(pid, "bin/routebench.js") : null;
  }
  if (env.npm_lifecycle_event === undefined) return null;
  let pid = ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const command = proc.cmdline(pid);
    if (command !== null && NPM_COMMAND.test(command)) return identify(pid, command);
    const stat = proc.stat(pid);
    const parsed = stat ? parseStat(stat) : null;
    if (!parsed) return null;
    pid = parsed.ppid;
  }
  return null;
}

/** Whether the process still runs: the same start time, not a zombie. */
export function stillRunning(identity: ProcessIdentity, proc: ProcReader = procReader): boolean {
  const stat = proc.stat(identity.pid);
  const parsed = stat ? parseStat(stat) : null;
  return parsed !== null && parsed.state !== "Z" && parsed.startTime === identity.startTime;
}

let onLauncherGone: (launcher: ProcessIdentity) => void = () => process.exit(LAUNCHER_GONE_EXIT);

/** Starts watching the launcher, if there is one; its death calls the handler set last (default: exit). */
function watchLauncher(): void {
  const launcher = findLauncher(process.env, process.ppid);
  if (launcher === null) return;
  const timer = setInterval(() => {
    if (stillRunning(launcher)) return;
    clearInterval(timer);
    onLauncherGone(launcher);
  }, LAUNCHER_POLL_MS);
  timer.unref();
}

export function exitOnEarlySignals(): void {
  for (const signal of SIGNALS) process.on(signal, exitInterrupted);
  watchLauncher();
}

/**
 * Called by a command that handles the signals itself from now on; `launcherGone` replaces
 * the default (exit at once) while the command runs. Returns the function that gives it back.
 */
export function takeOverSignals(launcherGone?: (launcher: ProcessIdentity) => void): () => void {
  for (const signal of SIGNALS) process.off(signal, exitInterrupted);
  const previous = onLauncherGone;
  if (launcherGone) onLauncherGone = launcherGone;
  return () => {
    onLauncherGone = previous;
  };
}
