/** Shared by the root fault and signal tests (faults.test.ts, signals.test.ts): small sweeps, run folders, lab processes. */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LAB_LOCK_FILE } from "../../harness/backends/lab/lock.js";
import { LAB_STATE_FILE, type LabState } from "../../harness/backends/lab/state.js";
import { BIN } from "./helpers.js";

/** test/fixtures/sweeps/mini.yaml: every mode, both placements, 24 trials of 1 s. */
export const MINI = fileURLToPath(new URL("../fixtures/sweeps/mini.yaml", import.meta.url));

export function labState(): LabState {
  return JSON.parse(readFileSync(LAB_STATE_FILE, "utf8")) as LabState;
}

/** A small sweep named rr: one same-node TCP_RR point, legacy and eBPF, `duration` s trials. */
export function rrSweep(dir: string, duration: number, repetitions: number, extra = ""): string {
  const file = join(dir, `rr-${duration}-${repetitions}${extra ? "-x" : ""}.yaml`);
  writeFileSync(
    file,
    `name: rr\nmodes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: ${duration}\nrepetitions: ${repetitions}\nlab: {iptablesServices: 10}\n${extra}`,
  );
  return file;
}

/** The trial attempts a run folder holds so far. */
export function attemptsIn(dir: string): { id: string; state: string }[] {
  try {
    return readFileSync(join(dir, "trials.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; state: string });
  } catch {
    return [];
  }
}

/**
 * Debian's Node 20 (older than the project's): the Node that makes bin/routebench.js a
 * launcher. Null when /usr/bin/node is missing or new enough; the tests that need it then
 * fail in CI and are skipped, by name, elsewhere.
 */
export const OLD_NODE = (() => {
  const version = spawnSync("/usr/bin/node", ["-p", "process.versions.node"], { encoding: "utf8" });
  return version.status === 0 && Number(version.stdout.split(".")[0]) < 22 ? "/usr/bin/node" : null;
})();
export const needsOldNode = OLD_NODE === null && process.env.CI !== "true";

/** The bin link a global install makes (prefix/bin/routebench → …/bin/routebench.js). */
export function globalBinLink(dir: string): string {
  mkdirSync(join(dir, "prefix", "bin"), { recursive: true });
  const link = join(dir, "prefix", "bin", "routebench");
  if (!existsSync(link)) symlinkSync(BIN, link);
  return link;
}

/** The pid recorded in the lab lock (the process that holds the lab), or null. */
export function lockHolder(): number | null {
  try {
    return (JSON.parse(readFileSync(LAB_LOCK_FILE, "utf8")) as { pid: number }).pid;
  } catch {
    return null;
  }
}

export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat, or "gone". */
export function procStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").trim();
  } catch {
    return "gone";
  }
}

/**
 * Whether the process has ended: gone from /proc, or a zombie. An exited process whose
 * launcher died is reparented (to init or a subreaper) and stays a zombie until that process
 * reaps it, which a busy CI supervisor may do late: it has ended all the same.
 */
export function hasEnded(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] === "Z";
  } catch {
    return true;
  }
}

/** Live processes named `comm` outside this test's network namespace (the lab's servers). */
export function labProcesses(comm: string): number[] {
  const root = readlinkSync("/proc/self/ns/net");
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes(`(${comm})`) || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return [];
      return readlinkSync(`/proc/${entry}/ns/net`) !== root ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}
