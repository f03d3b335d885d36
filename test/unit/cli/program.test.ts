/**
 * The command line's usage errors, parsed in-process: a value outside an option's choices is
 * refused by commander before any action runs (nothing touches a lab or a cluster) and exits 2
 * naming the option and the allowed values.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { runProgram } from "../../../harness/cli/program.js";

afterEach(() => {
  vi.restoreAllMocks();
});

async function parse(...args: string[]) {
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const exitCode = await runProgram(["node", "routebench", ...args]);
  return { exitCode, stderr: stderr.join("") };
}

describe("export", () => {
  it("refuses --table with --format json instead of ignoring it (exit 2, before reading the run)", async () => {
    const { exitCode, stderr } = await parse(
      "export",
      "no-such-run",
      "--format",
      "json",
      "--table",
      "comparisons",
    );
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/--table chooses a CSV table; --format json carries both/);
  });
});

describe("runProgram", () => {
  it.each([
    [
      ["run", "--profile", "fast"],
      /option '--profile <profile>' argument 'fast' is invalid/,
      "quick, standard, full",
    ],
    [
      ["run", "--backend", "gke"],
      /option '--backend <backend>' argument 'gke' is invalid/,
      "lab, kubernetes",
    ],
    [["lab", "up", "--mode", "bpf"], /option '--mode <mode>' argument 'bpf' is invalid/, "legacy, ebpf"],
    [["lab", "mode", "host"], /command-argument value 'host' is invalid for argument 'mode'/, "legacy, ebpf"],
    [
      ["compare", "a.json", "b.json", "--metric", "p99Us", "speed"],
      /option '--metric <metric\.\.\.>' argument 'speed' is invalid/,
      "throughputMbps, transactionsPerSec, connectionsPerSec, meanLatencyUs, p50Us, p90Us, p99Us, maxLatencyUs, localCpuPct, remoteCpuPct, retransmissions, sentMbps, lossPct, localSdUsPerKB, remoteSdUsPerKB, localSdUsPerTrans, remoteSdUsPerTrans, cpuUsPerTrans, cpuSecPerGB",
    ],
    [
      ["compare", "a.json", "b.json", "--normalise", "baseline"],
      /option '--normalise \[mode\]' argument 'baseline' is invalid/,
      "legacy, ebpf, host, direct",
    ],
    [
      ["export", "a.json", "--format", "xml"],
      /option '--format <format>' argument 'xml' is invalid/,
      "csv, json, opensearch, openmetrics",
    ],
  ])("%j exits 2 naming the option and its choices", async (args, message, choices) => {
    const { exitCode, stderr } = await parse(...args);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain(`Allowed choices are ${choices}.`);
  });

  it("exits 2 for a flag that is not a whole number, with routebench's own message", async () => {
    const { exitCode, stderr } = await parse("run", "--seed", "1.5");
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/--seed takes a whole number, got "1\.5"/);
  });

  it("refuses --explain on Kubernetes without the benchmark's CPUs named (exit 2) with the reason, before anything runs", async () => {
    const { exitCode, stderr } = await parse(
      "run",
      new URL("../../../sweeps/cilium.yaml", import.meta.url).pathname,
      "--explain",
      "--dry-run",
    );
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(
      /explain on Kubernetes samples the benchmark's CPUs on the test nodes, so they must be named: set cpu: \{client: N, server: M\}/,
    );
    expect(stderr).toMatch(/k8s check/);
    expect(stderr).toMatch(/nothing was created on the cluster/);
  });

  it("exits 0 for --version and for help", async () => {
    expect((await parse("--version")).exitCode).toBe(0);
    expect((await parse("lab", "--help")).exitCode).toBe(0);
  });
});
