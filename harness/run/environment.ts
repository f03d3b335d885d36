/** The facts about the machine and software that a results file records. */

import { readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { z } from "zod";
import { readMachineIdentity } from "../machine/identity.js";
import { parseNetperfVersion } from "../netperf/parse.js";
import type { Environment, SystemUnderTest } from "../results/schema.js";
import type { Runner } from "../util/runner.js";
import { parseJsonFile } from "../util/validate.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";

export function routebenchVersion(): string {
  const file = `${PACKAGE_ROOT}package.json`;
  return parseJsonFile(z.looseObject({ version: z.string() }), readFileSync(file, "utf8"), file).version;
}

function osName(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function gitCommit(runner: Runner): Promise<string | null> {
  const result = await runner.run(["git", "-C", PACKAGE_ROOT, "rev-parse", "--short=12", "HEAD"]);
  if (result.exitCode !== 0) return null;
  const dirty = await runner.run([
    "git",
    "-C",
    PACKAGE_ROOT,
    "status",
    "--porcelain",
    "--untracked-files=no",
  ]);
  return `${result.stdout.trim()}${dirty.stdout.trim() ? "-dirty" : ""}`;
}

/**
 * The environment of a run. With `sut` (a backend whose system under test is elsewhere, as on
 * Kubernetes) the kernel, CPU and netperf fields are the SUT's and this machine is recorded
 * apart as the controller, so no report presents the controller as what was measured.
 */
export async function captureEnvironment(
  runner: Runner,
  backend: string,
  topology: Record<string, unknown>,
  sut?: SystemUnderTest,
): Promise<Environment> {
  const local = {
    kernel: release(),
    os: osName(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    cpuCount: cpus().length,
  };
  const measured = sut ?? {
    ...local,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    netperfVersion: parseNetperfVersion((await runner.run(["netperf", "-V"])).stdout),
    machine: readMachineIdentity(),
  };
  return {
    ...measured,
    nodeVersion: process.version,
    routebenchVersion: routebenchVersion(),
    gitCommit: await gitCommit(runner),
    hostname: hostname(),
    backend,
    topology,
    ...(sut ? { controller: { ...local, hostname: hostname() } } : {}),
  };
}
