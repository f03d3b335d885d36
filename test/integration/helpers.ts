/** Shared by the root integration tests: run the real CLI, require root, leave nothing behind. */
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { cleanupLab } from "../../harness/backends/lab/lab.js";
import { type ProcessResult, processRunner } from "../../harness/util/runner.js";

export const isRoot = process.getuid?.() === 0;
/** Root tests run as root; in CI (CI=true) not being root is a failure, never a silent skip. */
export const skipRootTests = !isRoot && process.env.CI !== "true";

/** In CI without root, this registers a failing test in place of the suite. */
export function failUnlessRootInCi(): void {
  if (!isRoot && process.env.CI === "true") {
    it("runs as root in CI", () => {
      throw new Error("root integration tests must run as root in CI; .ci/run runs as root");
    });
  }
}

const BIN = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));

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

/** Removes every rb- object, whatever state a failed test left. */
export async function cleanupEverything(): Promise<void> {
  await cleanupLab(processRunner);
}

/** Asserts no rb- namespace, pinned BPF object or netserver process is left. */
export async function expectNothingLeft(): Promise<void> {
  expect(listPrefixed("/run/netns")).toEqual([]);
  expect(listPrefixed("/sys/fs/bpf")).toEqual([]);
  // Killed netservers stay zombies until init reaps them: wait for that, briefly.
  let netservers = "";
  for (let i = 0; i < 100; i++) {
    netservers = (await processRunner.run(["pgrep", "-x", "netserver"])).stdout.trim();
    if (!netservers) break;
    await sleep(50);
  }
  expect(netservers).toBe("");
}
