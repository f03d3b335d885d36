/**
 * Faults injected into real runs on the lab (root): a second run at once, a netserver killed,
 * every lab server killed, a namespace deleted, the mode flipped from outside, output folders
 * that cannot take the run, signals while the lab comes up, mid-trial and during a mode
 * switch, signals and SIGKILL to the pid of a run started by an old Node (the launcher),
 * Ctrl-C to its process group, and a terminal that closes. After each: nothing left behind,
 * every finished trial kept, and a results file that says what happened.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LAB_LOCK_FILE } from "../../harness/backends/lab/lock.js";
import { LAB_STATE_FILE, type LabState } from "../../harness/backends/lab/state.js";
import { readResults } from "../../harness/results/read.js";
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

const MINI = fileURLToPath(new URL("../fixtures/sweeps/mini.yaml", import.meta.url));

function labState(): LabState {
  return JSON.parse(readFileSync(LAB_STATE_FILE, "utf8")) as LabState;
}

/** A small sweep: one same-node TCP_RR point, legacy and eBPF, `duration` s trials. */
function rrSweep(dir: string, duration: number, repetitions: number, extra = ""): string {
  const file = join(dir, `rr-${duration}-${repetitions}${extra ? "-x" : ""}.yaml`);
  writeFileSync(
    file,
    `name: rr\nmodes: [legacy, ebpf]\nplacements: [same-node]\ntests: [{test: TCP_RR}]\nduration: ${duration}\nrepetitions: ${repetitions}\nlab: {iptablesServices: 10}\n${extra}`,
  );
  return file;
}

/** The trial attempts a run folder holds so far. */
function attemptsIn(dir: string): { id: string; state: string }[] {
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
const OLD_NODE = (() => {
  const version = spawnSync("/usr/bin/node", ["-p", "process.versions.node"], { encoding: "utf8" });
  return version.status === 0 && Number(version.stdout.split(".")[0]) < 22 ? "/usr/bin/node" : null;
})();
const needsOldNode = OLD_NODE === null && process.env.CI !== "true";

/** The bin link a global install makes (prefix/bin/routebench → …/bin/routebench.js). */
function globalBinLink(dir: string): string {
  mkdirSync(join(dir, "prefix", "bin"), { recursive: true });
  const link = join(dir, "prefix", "bin", "routebench");
  if (!existsSync(link)) symlinkSync(BIN, link);
  return link;
}

/** The pid recorded in the lab lock (the process that holds the lab), or null. */
function lockHolder(): number | null {
  try {
    return (JSON.parse(readFileSync(LAB_LOCK_FILE, "utf8")) as { pid: number }).pid;
  } catch {
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** Live processes named `comm` outside this test's network namespace (the lab's servers). */
function labProcesses(comm: string): number[] {
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

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

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
    const first = startRun([MINI, "--out", dir], 2);
    await first.reached;
    const second = await runCli(["run", MINI, "--out", join(out, "second")]);
    expect(second.exitCode, second.stderr).toBe(6);
    expect(second.stderr).toMatch(
      new RegExp(
        `the lab is in use by another routebench \\(pid ${first.child.pid}, \`routebench run mini\`, since `,
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
    const run = startRun([MINI, "--out", dir], 2);
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
    const run = startRun([rrSweep(out, 2, 2, "witness: [sockperf]\n"), "--out", dir], 1);
    await run.reached;
    // a completed trial's line is written after its witness ran: every server is up
    await waitFor("a completed trial", () => attemptsIn(dir).some((a) => a.state === "completed"), 90_000);
    await sleep(700); // inside the next trial's netperf
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
    const run = startRun([rrSweep(out, 2, 3), "--out", dir], 1);
    await run.reached;
    await sleep(600); // inside the next 2 s trial
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

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal} while the lab comes up and mid-trial: exit 130, nothing left, the results say aborted`, async () => {
      const early = startRun([MINI, "--out", join(out, `${signal}-early`)], 0);
      await early.reached; // its first line: the lab is coming up
      early.child.kill(signal);
      expect(await early.closed).toBe(130);
      await expectNothingLeft();

      const dir = join(out, `${signal}-trial`);
      const mid = startRun([MINI, "--out", dir], 2);
      await mid.reached;
      mid.child.kill(signal);
      expect(await mid.closed).toBe(130);
      const results = await readResults(dir);
      expect(results.state).toBe("aborted");
      expect(results.trials.length).toBeGreaterThanOrEqual(2);
      await expectNothingLeft();
    });
  }

  it("SIGTERM during a mode switch: no trial starts after it; exit 130, aborted, nothing left", async () => {
    const dir = join(out, "switch-term");
    // legacy and eBPF alternate within each block: a trial's line is followed by a switch
    const run = startRun([rrSweep(out, 1, 6), "--out", dir], 2);
    await run.reached;
    const seen = attemptsIn(dir).length;
    run.child.kill("SIGTERM");
    expect(await run.closed).toBe(130);
    const results = await readResults(dir);
    expect(results.state).toBe("aborted");
    // the trial running or about to start when the signal came was killed, not kept
    expect(results.trials).toHaveLength(seen);
    await expectNothingLeft();
  });

  describe.skipIf(needsOldNode)(
    "started by an old Node (Debian's 20): the launcher stands for the run",
    () => {
      const oldNode = () => {
        if (OLD_NODE === null) throw new Error("these tests need a Node older than 22 at /usr/bin/node");
        return OLD_NODE;
      };

      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        it(`${signal} to the pid of a global install's bin run by it: exit 130, aborted, nothing left`, async () => {
          const dir = join(out, `launcher-${signal}`);
          const run = startRun([rrSweep(out, 1, 4), "--out", dir], 2, {
            command: [oldNode(), globalBinLink(out)],
          });
          await run.reached;
          // the pid the test holds is the launcher; the lab is held by its child
          const holder = lockHolder();
          expect(holder).not.toBe(run.child.pid);
          expect(parentOf(holder as number)).toBe(run.child.pid);
          await sleep(300); // inside the next trial
          const seen = attemptsIn(dir).length;
          run.child.kill(signal);
          expect(await run.closed, run.output().stderr).toBe(130);
          const results = await readResults(dir);
          expect(results.state).toBe("aborted");
          // SIGINT: the running trial finished and was kept (counted once, not as a second Ctrl-C)
          if (signal === "SIGINT") expect(results.trials.length).toBeGreaterThan(seen);
          await expectNothingLeft();
        });
      }

      it("Ctrl-C to its process group reaches launcher and run both and counts once: the running trial is kept", async () => {
        const dir = join(out, "launcher-group");
        const run = startRun([rrSweep(out, 1, 4), "--out", dir], 2, {
          command: [oldNode(), BIN],
          detached: true,
        });
        await run.reached;
        await sleep(300);
        const seen = attemptsIn(dir).length;
        process.kill(-(run.child.pid as number), "SIGINT"); // what a terminal does on Ctrl-C
        expect(await run.closed, run.output().stderr).toBe(130);
        const results = await readResults(dir);
        expect(results.state).toBe("aborted");
        expect(results.trials.length).toBeGreaterThan(seen);
        expect(results.trials.at(-1)?.state).not.toBe("failed");
        await expectNothingLeft();
      });

      it("SIGKILL to its pid: no routebench within 2 s, the lab free at once; --resume repeats no finished trial", async () => {
        const dir = join(out, "launcher-kill");
        const run = startRun([rrSweep(out, 1, 3), "--out", dir], 2, {
          command: [oldNode(), globalBinLink(out)],
        });
        await run.reached;
        // a busy machine repeats trials (noise): wait for a finished one to resume after
        await waitFor(
          "a completed trial",
          () => attemptsIn(dir).some((a) => a.state === "completed"),
          90_000,
        );
        const child = lockHolder() as number;
        expect(parentOf(child)).toBe(run.child.pid);
        run.child.kill("SIGKILL");
        await waitFor("the run's process ends", () => parentOf(child) === null, 2000);
        await waitFor("the lab lock is released", () => !existsSync(LAB_LOCK_FILE), 200);
        const before = attemptsIn(dir);
        const finished = new Set(before.filter((a) => a.state === "completed").map((a) => a.id));
        expect(finished.size).toBeGreaterThanOrEqual(1);
        const resumed = await runCli(["run", "--resume", dir]);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        const results = await readResults(dir);
        expect(results.state).toBe("completed");
        const completed = results.trials.filter((t) => t.state === "completed").map((t) => t.id);
        expect(completed).toHaveLength(results.plannedTrials);
        expect(new Set(completed).size).toBe(completed.length); // no trial completed twice
        expect(results.trials.slice(0, before.length).map((t) => t.id)).toEqual(before.map((a) => a.id));
        expect(results.trials.slice(before.length).filter((t) => finished.has(t.id))).toEqual([]);
        // the killed run left the lab up (as SIGKILL does); the resumed run used it and left it so
        expect((await runCli(["lab", "down"])).exitCode).toBe(0);
        await expectNothingLeft();
      });
    },
  );

  it("SIGHUP from a terminal that closes: the run stops, cleans up and says aborted", async () => {
    const dir = join(out, "terminal-hangup");
    // script(1) gives the run a terminal of its own; killing script closes it (the kernel sends SIGHUP)
    const terminal = spawn(
      "script",
      ["-qfec", `node ${BIN} run ${rrSweep(out, 1, 6)} --out ${dir}`, "/dev/null"],
      { stdio: ["pipe", "ignore", "ignore"] },
    );
    try {
      await waitFor("two trials", () => attemptsIn(dir).length >= 2, 60_000);
      terminal.kill("SIGKILL");
      await waitFor("the run cleans up", () => existsSync(join(dir, "results.json")), 15_000);
      await waitFor("the lab lock is released", () => !existsSync(LAB_LOCK_FILE), 5000);
      expect((await readResults(dir)).state).toBe("aborted");
      await expectNothingLeft();
    } finally {
      terminal.kill("SIGKILL");
    }
  });

  it("SIGINT while the summary and report are written: the results are kept, the lab is already gone", async () => {
    const dir = join(out, "report-phase");
    const run = startRun(
      [MINI, "--out", dir, "--report", "--report-out", join(out, "report-phase-report")],
      24,
    );
    await run.reached; // the last trial's line: summary and report follow
    await sleep(200);
    // the signal must reach a running process, or nothing was interrupted and nothing is tested
    expect(run.child.exitCode, "the run ended before the SIGINT").toBeNull();
    run.child.kill("SIGINT");
    const code = await run.closed;
    // exit 130 when the handlers still ran, or the signal's default when rendering had begun;
    // never 0: an interrupted run does not report success
    expect([130, null]).toContain(code);
    const results = await readResults(dir);
    expect(["completed", "aborted"]).toContain(results.state);
    const lines = readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
    expect(results.trials.length).toBe(lines.length); // every finished trial kept, none invented
    await expectNothingLeft();
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
