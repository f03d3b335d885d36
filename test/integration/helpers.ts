/** Shared by the root integration tests: run the real CLI, require root, leave nothing behind. */

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { cleanupLab } from "../../harness/backends/lab/lab.js";
import { holderAlive, LAB_LOCK_FILE, type LockHolder } from "../../harness/backends/lab/lock.js";
import { labCgroupPath } from "../../harness/backends/lab/service-lab.js";
import { LAB_STATE_FILE } from "../../harness/backends/lab/state.js";
import { type ProcessResult, processRunner } from "../../harness/util/runner.js";

export const isRoot = process.getuid?.() === 0;
/** Root tests need root: without it their suites do not run (they would fail on every step). */
export const skipRootTests = !isRoot;
/**
 * Without root the root tests are skipped only on request (RB_SKIP_ROOT_TESTS=1, e.g. a
 * developer's non-root `npx vitest run`), and never in CI (CI=true): otherwise not being root
 * is a failure, never a silent skip, whether or not CI is set.
 */
const skipAllowed = process.env.RB_SKIP_ROOT_TESTS === "1" && process.env.CI !== "true";

/** Without root (and without RB_SKIP_ROOT_TESTS=1 outside CI), a failing test in place of the suite. */
export function failUnlessRootInCi(): void {
  if (!isRoot && !skipAllowed) {
    it("runs as root", () => {
      throw new Error(
        "root integration tests must run as root (.ci/run and npm test run as root); set RB_SKIP_ROOT_TESTS=1 to skip them knowingly outside CI",
      );
    });
  }
}

export const BIN = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));

export function runCli(args: string[], timeoutMs = 120_000): Promise<ProcessResult> {
  return processRunner.run(["node", BIN, ...args], { timeoutMs });
}

export function parseJsonOutput<T>(result: ProcessResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}): ${result.stdout}\n${result.stderr}`);
  }
}

function listPrefixed(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.startsWith("rb-"));
  } catch {
    return [];
  }
}

/** Runs startRun started that may still run (a test that failed before it waited for them). */
const startedRuns = new Map<ChildProcess, { group: boolean }>();

/**
 * Removes every rb- object, whatever state a failed test left: first the runs it started
 * (SIGKILL, their process group when they have one: a run left behind would hold the lab for
 * the next test), then the lab, then a lab lock whose holder is gone.
 */
export async function cleanupEverything(): Promise<void> {
  const running = [...startedRuns.keys()].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) {
    try {
      process.kill(startedRuns.get(child)?.group ? -(child.pid as number) : (child.pid as number), "SIGKILL");
    } catch {}
  }
  await Promise.all(
    running.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, "close") : null)),
  );
  startedRuns.clear();
  await sleep(300); // a launcher's run notices its launcher's death within 0.2 s and exits
  await cleanupLab(processRunner);
  try {
    const holder = JSON.parse(readFileSync(LAB_LOCK_FILE, "utf8")) as LockHolder;
    if (!holderAlive(holder)) rmSync(LAB_LOCK_FILE, { force: true });
  } catch {}
}

/**
 * Live netservers outside the root network namespace: the lab's (the lab starts them only in
 * its namespaces; one whose namespace was deleted under it still counts). Zombies are gone.
 */
function labNetservers(): number[] {
  const root = readlinkSync("/proc/self/ns/net");
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes("(netserver)") || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readlinkSync(`/proc/${entry}/ns/net`) !== root) found.push(Number(entry));
    } catch {}
  }
  return found;
}

/** Asserts no rb- namespace, pinned BPF object or lab netserver is left, and no lab record or lock. */
export async function expectNothingLeft(): Promise<void> {
  expect(listPrefixed("/run/netns")).toEqual([]);
  expect(listPrefixed("/sys/fs/bpf")).toEqual([]);
  expect(existsSync(await labCgroupPath())).toBe(false);
  expect(existsSync(LAB_STATE_FILE)).toBe(false);
  expect(existsSync(LAB_LOCK_FILE)).toBe(false);
  // Killed netservers stay zombies until init reaps them: wait for that, briefly.
  let netservers: number[] = [];
  for (let i = 0; i < 100; i++) {
    netservers = labNetservers();
    if (netservers.length === 0) break;
    await sleep(50);
  }
  expect(netservers).toEqual([]);
}

/**
 * Starts `routebench run` and resolves once `lines` trial lines were printed (non-TTY progress
 * goes to stderr). `command` replaces `node bin/routebench.js` (another Node, a bin link run as
 * a program); `detached` gives the run a process group of its own, as a terminal would (the
 * test can then signal the group, like Ctrl-C, or the pid alone, like a supervisor).
 */
export function startRun(
  args: string[],
  lines: number,
  options: { command?: string[]; detached?: boolean } = {},
) {
  const [command, ...prefix] = options.command ?? ["node", BIN];
  const child = spawn(command as string, [...prefix, "run", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  startedRuns.set(child, { group: options.detached ?? false });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const reached = new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if ((stderr.match(/^\[\s*\d+\/\d+\]/gm) ?? []).length >= lines) resolve();
    });
    child.once("close", () => reject(new Error(`run ended before ${lines} trials:\n${stderr}`)));
  });
  reached.catch(() => {}); // a caller that does not wait for it must not see an unhandled rejection
  const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, reached, closed, output: () => ({ stdout, stderr }) };
}
