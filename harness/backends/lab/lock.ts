/**
 * One process at a time may change the lab: `run`, `lab up`, `lab down`, `lab mode` and
 * `lab verify` (its traffic would cross a running measurement) hold this lock; `lab status`
 * never waits for it. The lock file names its holder (pid, the process's start time so a
 * reused pid is not mistaken for it, command, since when); a holder that is gone is taken
 * over. Acquiring is bounded: it never waits.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { LAB_STATE_FILE } from "./state-file.js";

export const LAB_LOCK_FILE = `${dirname(LAB_STATE_FILE)}/lab.lock`;

export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, it names one process for the machine's uptime. */
  startTime: string;
  command: string;
  since: string;
}

/** A lock file's content checked by hand: the lock loads no zod (state-file.ts says why). */
function isLockHolder(value: unknown): value is LockHolder {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isInteger(v.pid) &&
    typeof v.startTime === "string" &&
    typeof v.command === "string" &&
    typeof v.since === "string"
  );
}

/** Another routebench holds the lab. Exit code 6. */
export class LabBusyError extends Error {
  override name = "LabBusyError";
  constructor(
    readonly holder: LockHolder,
    readonly hint = "wait for it to finish, or stop it (Ctrl-C keeps its finished trials); `routebench lab status` shows the lab without waiting",
  ) {
    super(
      `the lab is in use by another routebench (pid ${holder.pid}, \`${holder.command}\`, since ${holder.since})`,
    );
  }
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

/** Whether the holder recorded in a lock file still runs (the same process, not a reused pid). */
export function holderAlive(holder: LockHolder): boolean {
  return startTimeOf(holder.pid) === holder.startTime;
}

function readHolder(): LockHolder | null {
  try {
    const value: unknown = JSON.parse(readFileSync(LAB_LOCK_FILE, "utf8"));
    return isLockHolder(value) ? value : null;
  } catch {
    return null;
  }
}

export interface LabLock {
  release(): void;
}

/**
 * Takes the lab for this process, or throws LabBusyError naming the holder. A lock this
 * process already holds is taken again (nested commands); a stale or unreadable one is taken over.
 */
export function acquireLabLock(command: string): LabLock {
  mkdirSync(dirname(LAB_LOCK_FILE), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    startTime: startTimeOf(process.pid) ?? "",
    command,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(LAB_LOCK_FILE, `${JSON.stringify(me)}\n`, { flag: "wx" });
      return lockOf(me);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder();
    if (holder && holder.pid === process.pid && holder.startTime === me.startTime) return { release() {} };
    if (holder && holderAlive(holder)) throw new LabBusyError(holder);
    // gone (or a torn file of a crash): take it over; `wx` above settles a race with another taker
    rmSync(LAB_LOCK_FILE, { force: true });
  }
  const holder = readHolder();
  throw new LabBusyError(holder ?? { pid: 0, startTime: "", command: "unknown", since: "unknown" });
}

function lockOf(me: LockHolder): LabLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    const holder = readHolder();
    if (holder?.pid === me.pid && holder.startTime === me.startTime) rmSync(LAB_LOCK_FILE, { force: true });
  };
  process.on("exit", release);
  return { release };
}

/** Runs `work` holding the lab lock. */
export async function withLabLock<T>(command: string, work: () => Promise<T>): Promise<T> {
  const lock = acquireLabLock(command);
  try {
    return await work();
  } finally {
    lock.release();
  }
}
