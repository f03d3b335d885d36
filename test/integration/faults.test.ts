/**
 * Faults injected into real runs on the lab (root): a second run at once, a stale lock, a
 * netserver killed, every lab server killed, a namespace deleted, the mode flipped from
 * outside, output folders that cannot take the run, a disk that fills up, a lab up that fails
 * half-way; and assets found from any directory. After each: nothing left behind, every finished trial kept, and a results file
 * that says what happened. Signals are in signals.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LAB_LOCK_FILE } from "../../harness/backends/lab/lock.js";
import { readResults } from "../../harness/results/read.js";
import { processRunner } from "../../harness/util/runner.js";
import { attemptsIn, labProcesses, labState, MINI, rrSweep, waitFor } from "./fault-helpers.js";
import {
  BIN,
  cleanupEverything,
  expectNothingLeft,
  failUnlessRootInCi,
  runCli,
  skipRootTests,
  startRun,
} from "./helpers.js";

failUnlessRootInCi();

describe.skipIf(skipRootTests)("faults (root)", () => {
  const out = mkdtempSync(join(tmpdir(), "routebench-faults-"));
  const mounts: string[] = [];
  beforeAll(cleanupEverything);
  afterEach(async () => {
    for (const mount of mounts.splice(0)) spawnSync("umount", [mount]);
    await cleanupEverything();
  });
  afterAll(async () => {
    await cleanupEverything();
    await expectNothingLeft();
  });

  it("a second run or lab command while a run holds the lab exits 6 naming it; the first run is untouched", async () => {
    const dir = join(out, "first");
    // 12 trials of 1 s: the first run holds the lab through every refusal below
    const first = startRun([rrSweep(out, 1, 6), "--out", dir], 1);
    await first.reached;
    const second = await runCli(["run", MINI, "--out", join(out, "second")]);
    expect(second.exitCode, second.stderr).toBe(6);
    expect(second.stderr).toMatch(
      new RegExp(
        `the lab is in use by another routebench \\(pid ${first.child.pid}, \`routebench run rr\`, since `,
      ),
    );
    for (const args of [
      ["lab", "mode", "ebpf"],
      ["lab", "down"],
      ["lab", "up", "--recreate"],
      ["lab", "verify"],
    ]) {
      const refused = await runCli(args);
      expect(refused.exitCode, `${args.join(" ")}: ${refused.stderr}`).toBe(6);
    }
    const status = await runCli(["lab", "status", "--json"]); // read-only: never waits
    expect(status.exitCode).toBe(0);
    expect(first.child.exitCode, "the first run ended before every refusal was checked").toBeNull();
    expect(await first.closed).toBe(0);
    const results = await readResults(dir);
    expect(results.state).toBe("completed");
    expect(
      results.trials.filter((t) => t.rejection?.kind === "mode" || t.rejection?.kind === "path"),
    ).toEqual([]);
    expect(existsSync(join(out, "second", "run.json"))).toBe(false);
    await expectNothingLeft();
  });

  it("takes over the lock of a process that is gone", async () => {
    mkdirSync(join(LAB_LOCK_FILE, ".."), { recursive: true });
    const gone = spawnSync("true").pid as number; // exited: its pid names no live process now
    writeFileSync(
      LAB_LOCK_FILE,
      JSON.stringify({ pid: gone, startTime: "1", command: "routebench run crashed", since: "2026-01-01" }),
    );
    const up = await runCli(["lab", "up", "--iptables-services", "0"]);
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await runCli(["lab", "down"])).exitCode).toBe(0);
    await expectNothingLeft();
  });

  it("restarts a netserver killed mid-run, records it, and finishes the run", async () => {
    const dir = join(out, "netserver");
    // both placements, legacy and eBPF, once: after the first trial, trials of both pairs remain
    const sweep = join(out, "netserver.yaml");
    writeFileSync(
      sweep,
      "name: netserver\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 1\nlab: {iptablesServices: 10}\n",
    );
    const run = startRun([sweep, "--out", dir], 1);
    await run.reached;
    const servers = labState().netservers.filter(
      (s) => s.netns === "rb-node1-pod2" || s.netns === "rb-node2-pod1",
    );
    expect(servers).toHaveLength(2);
    for (const server of servers) process.kill(server.pid, "SIGKILL"); // the lab's own netservers, by the pids it recorded
    expect(await run.closed, run.output().stderr).toBe(0);
    const results = await readResults(dir);
    expect(results.state).toBe("completed");
    expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(results.plannedTrials);
    // only the killed netservers were restarted, each once (by the first trial that needed it)
    const restarted = results.trials.flatMap((t) => t.restarts ?? []);
    expect(new Set(restarted).size).toBe(restarted.length);
    for (const netns of restarted) expect(["rb-node1-pod2", "rb-node2-pod1"]).toContain(netns);
    expect(results.trials.some((t) => (t.restarts ?? []).length > 0)).toBe(true);
    await expectNothingLeft();
  });

  it("kills every lab server mid-trial (netservers and witness servers): all trials complete, exit 0, restarts recorded", async () => {
    const dir = join(out, "all-servers");
    const run = startRun([rrSweep(out, 1, 2, "witness: [sockperf]\n"), "--out", dir], 1);
    await run.reached;
    // a completed trial's line is written after its witness ran: every server is up
    await waitFor("a completed trial", () => attemptsIn(dir).some((a) => a.state === "completed"), 90_000);
    // inside the next trial's 1 s netperf (or, on a slow machine, its witness): two trials follow
    await sleep(400);
    const netservers = labState().netservers.map((s) => s.pid);
    const sockperf = labProcesses("sockperf");
    expect(netservers.length).toBeGreaterThanOrEqual(6);
    expect(sockperf.length).toBeGreaterThanOrEqual(1);
    for (const pid of [...netservers, ...sockperf]) process.kill(pid, "SIGKILL");
    expect(await run.closed, run.output().stderr).toBe(0);
    const results = await readResults(dir);
    expect(results.state).toBe("completed");
    expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(results.plannedTrials);
    const restarted = results.trials.flatMap((t) => t.restarts ?? []);
    // the same-node pair's pods and their node, and the witness's server
    for (const netns of ["rb-node1-pod1", "rb-node1-pod2", "rb-node1"]) expect(restarted).toContain(netns);
    expect(restarted.some((r) => r.startsWith("sockperf@rb-node1-pod2"))).toBe(true);
    await expectNothingLeft();
  });

  it("stops with a clear error when a lab namespace is deleted mid-run, keeping every finished trial", async () => {
    const dir = join(out, "namespace");
    const run = startRun([MINI, "--out", dir], 2);
    await run.reached;
    // a busy machine repeats trials (noise): their lines are not finished trials
    await waitFor(
      "two completed trials",
      () => attemptsIn(dir).filter((a) => a.state === "completed").length >= 2,
      90_000,
    );
    expect(spawnSync("ip", ["netns", "del", "rb-node1-pod1"]).status).toBe(0);
    expect(await run.closed).toBe(3);
    expect(run.output().stderr).toMatch(/the lab namespace rb-node1-pod1 vanished under this run/);
    const results = await readResults(dir);
    expect(results.state).toBe("failed");
    const lines = readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
    expect(lines.length).toBe(results.trials.length);
    expect(results.trials.filter((t) => t.state === "completed").length).toBeGreaterThanOrEqual(2);
    // no cascade: the run stopped at the first trial that needed the namespace
    expect(results.trials.filter((t) => t.state === "failed").length).toBeLessThanOrEqual(1);
    await expectNothingLeft();
  });

  it("rejects and retries a trial whose mode was switched from outside while it ran", async () => {
    const dir = join(out, "flip");
    const run = startRun([rrSweep(out, 2, 2), "--out", dir], 1);
    await run.reached;
    await sleep(600); // inside the next 2 s trial (a mode switch before it takes tens of ms)
    const flip = spawnSync("bpftool", [
      "map",
      "update",
      "pinned",
      "/sys/fs/bpf/rb-node1/maps/rb_config",
      "key",
      "1",
      "0",
      "0",
      "0",
      "value",
      "0xee",
      "0",
      "0",
      "0",
    ]);
    expect(flip.status, flip.stderr.toString()).toBe(0);
    expect(await run.closed, run.output().stderr).toBe(0);
    const results = await readResults(dir);
    const rejected = results.trials.filter((t) => t.rejection?.kind === "mode");
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected[0]?.rejection?.reason).toMatch(/switched during the trial \(generation \d+ → 238/);
    expect(results.trials.filter((t) => t.state === "completed")).toHaveLength(results.plannedTrials);
    expect(results.summary.warnings.map((w) => w.kind)).toContain("path-mismatch");
    await expectNothingLeft();
  });

  it("refuses output folders that cannot take the run before the lab comes up", async () => {
    const proc = await runCli(["run", MINI, "--out", "/proc/routebench-x"], 20_000);
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr).toMatch(/cannot use the output folder \/proc\/routebench-x: \/proc is on procfs/);
    const file = join(out, "a-file");
    writeFileSync(file, "x");
    const onFile = await runCli(["run", MINI, "--out", join(file, "run")]);
    expect(onFile.exitCode).toBe(2);
    expect(onFile.stderr).toMatch(/is a file, not a folder/);
    const taken = join(out, "taken");
    mkdirSync(taken);
    writeFileSync(join(taken, "run.json"), "{}");
    const again = await runCli(["run", MINI, "--out", taken]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already holds a run .*routebench run --resume/s);
    const small = join(out, "small");
    mkdirSync(small);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "routebench-test", small]).status).toBe(0);
    mounts.push(small);
    const full = await runCli(["run", MINI, "--out", join(small, "run")]);
    expect(full.exitCode).toBe(3);
    expect(full.stderr).toMatch(/not enough room for the run .*KiB free, about \d+ KiB needed/);
    await expectNothingLeft(); // none of them brought the lab up
  });

  it("stops cleanly when the output folder fills up mid-run, keeping the trials written so far", async () => {
    const fs = join(out, "filling");
    mkdirSync(fs);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "routebench-test", fs]).status).toBe(0);
    mounts.push(fs);
    const dir = join(fs, "run");
    const run = startRun([MINI, "--out", dir], 2);
    await run.reached;
    const { bavail, bsize } = statfsSync(fs);
    writeFileSync(join(fs, "filler"), Buffer.alloc(Number(bavail) * Number(bsize)), { flag: "w" });
    expect(await run.closed).toBe(3);
    expect(run.output().stderr).toMatch(/cannot append to .*trials\.jsonl .*no space left on device/i);
    const lines = readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    await expectNothingLeft();
  });

  it("a lab up that fails half-way removes what it made, and leaves nothing lab down could not remove", async () => {
    // bpftool refuses to load the socket LB: by then every namespace, the nodes' pins, the
    // lab's cgroup and the socket LB's pin directory exist
    const shims = join(out, "shims");
    mkdirSync(shims, { recursive: true });
    const real = spawnSync("sh", ["-c", "command -v bpftool"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(
      join(shims, "bpftool"),
      `#!/bin/sh\ncase "$*" in *loadall*) echo "bpftool (test shim): refused" >&2; exit 1;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const up = await processRunner.run(
      ["env", `PATH=${shims}:${process.env.PATH}`, "node", BIN, "lab", "up", "--iptables-services", "10"],
      { timeoutMs: 60_000 },
    );
    expect(up.exitCode, up.stderr).toBe(3);
    expect(up.stderr).toMatch(/could not load .*rb_sock\.bpf\.o[\s\S]*test shim/);
    await expectNothingLeft();
    // and lab down finds nothing of it
    const down = await runCli(["lab", "down"]);
    expect(down.stdout).toMatch(/no lab to remove/);
  });

  it("works from any directory: assets resolve from the package, not the working directory", async () => {
    const bin = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));
    const fromRoot = (args: string[]) => spawnSync("node", [bin, ...args], { cwd: "/", encoding: "utf8" });
    const up = fromRoot(["lab", "up", "--iptables-services", "0"]); // opens bpf/build/rb_host.bpf.o
    expect(up.status, up.stderr).toBe(0);
    const dry = fromRoot(["run", "--dry-run", "--json"]); // reads sweeps/blog.yaml
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).sweep).toBe("blog");
    expect((await runCli(["lab", "down"])).exitCode).toBe(0);
    await expectNothingLeft();
  });
});
