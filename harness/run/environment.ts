/** The facts about the machine and software that a results file records. */

import { readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import type { Environment } from "../results/schema.js";
import { PACKAGE_ROOT } from "../util/paths.js";
import type { Runner } from "../util/runner.js";

export { PACKAGE_ROOT };

export function routebenchVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, "utf8")) as { version: string }).version;
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

export async function captureEnvironment(
  runner: Runner,
  backend: string,
  topology: Record<string, unknown>,
): Promise<Environment> {
  const netperf = await runner.run(["netperf", "-V"]);
  return {
    kernel: release(),
    os: osName(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    cpuCount: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    netperfVersion: /Netperf version (\S+)/.exec(netperf.stdout)?.[1] ?? "unknown",
    nodeVersion: process.version,
    routebenchVersion: routebenchVersion(),
    gitCommit: await gitCommit(runner),
    hostname: hostname(),
    backend,
    topology,
  };
}
