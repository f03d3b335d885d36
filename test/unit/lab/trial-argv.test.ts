/**
 * Over 300 lines on purpose: each trial kind's argv is written out literally, whole, so any
 * change to one shows (splitting them would hide the shared fake host's setup in a helper).
 *
 * The lab backend's trials, driven through a real LabSession on a fake host (no namespace, no
 * process): the whole argv each trial runs (nsenter into the client's namespace, netperf with
 * every option) is asserted as a literal, so any change to what the lab runs fails here.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// A restarted server makes the session save its state: into this test's own file, never the
// machine's lab state (/run/routebench/lab.json), which a real lab run would then believe.
vi.hoisted(() => {
  process.env.ROUTEBENCH_LAB_STATE = `${process.env.TMPDIR ?? "/tmp"}/routebench-trial-argv-${process.pid}.json`;
});

afterAll(() => rmSync(process.env.ROUTEBENCH_LAB_STATE as string, { force: true }));

import { type LabHost, LabSession } from "../../../harness/backends/lab/backend.js";
import { planLab } from "../../../harness/backends/lab/plan.js";
import type { LabState } from "../../../harness/backends/lab/state.js";
import type { CpuPlacement } from "../../../harness/machine/cpu-placement.js";
import type { Point, Trial } from "../../../harness/sweep/plan.js";
import type { ProcessResult, Runner, RunOptions } from "../../../harness/util/runner.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const fixture = (...path: string[]) => readFileSync(join(FIXTURES, ...path), "utf8");

/** netperf's `-o` selectors, as netperf/selectors.ts lists them (written out: a change there must show here). */
const SELECTORS =
  "THROUGHPUT,THROUGHPUT_UNITS,TRANSACTION_RATE,MEAN_LATENCY,P50_LATENCY,P90_LATENCY,P99_LATENCY,MIN_LATENCY,MAX_LATENCY,STDDEV_LATENCY,LOCAL_CPU_UTIL,REMOTE_CPU_UTIL,LOCAL_TRANSPORT_RETRANS,REMOTE_TRANSPORT_RETRANS,ELAPSED_TIME,LOCAL_SEND_THROUGHPUT,LOCAL_SEND_CALLS,REMOTE_RECV_CALLS,LOCAL_SD,REMOTE_SD,SD_UNITS";

const STDOUT: Record<string, string> = {
  TCP_STREAM: fixture("netperf", "tcp_stream_64.csv"),
  TCP_RR: fixture("netperf", "tcp_rr_1_1.csv"),
  TCP_CRR: fixture("netperf", "tcp_crr_1_1.csv"),
};

/** How many times each thing was read: every reading finds the counters a little further on. */
class Readings {
  private readonly counts = new Map<string, number>();
  next(what: string): number {
    const n = (this.counts.get(what) ?? 0) + 1;
    this.counts.set(what, n);
    return n;
  }
}

/**
 * A node's pinned BPF maps as bpffs prints them (test/fixtures/bpffs): legacy at generation 0
 * (a session's before its first switch), 100 more packets passed to the stack at each reading.
 */
function pinnedMaps(readings: Readings, failing: boolean) {
  return async (path: string) => {
    if (failing)
      throw Object.assign(new Error(`EINVAL: invalid argument, read '${path}'`), { code: "EINVAL" });
    const header =
      "# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n";
    if (path.endsWith("/maps/rb_config")) return `${header}0: 0\n1: 0\n`;
    const passed = 100 * readings.next(path);
    const slots = Array.from(
      { length: 8 },
      (_, k) => `${k}: {\n\tcpu0: ${k === 0 ? passed : 0}\n\tcpu1: 0\n}\n`,
    );
    return `${header}${slots.join("")}`;
  };
}

/**
 * The processes a trial runs, answered: netperf and sockperf print real captures, iptables-save
 * counts 100 more forwarded packets at each reading, bpftool (the fallback reader) answers like
 * the pinned maps. Anything else fails the test.
 */
class LabRunner implements Runner {
  readonly calls: { argv: string[]; timeoutMs?: number }[] = [];
  /** Set: the FORWARD readers fail (iptables-save exits 1). */
  failForward = false;
  constructor(private readonly readings = new Readings()) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
    this.calls.push({ argv: [...argv], timeoutMs: options.timeoutMs });
    const answer = (stdout: string): ProcessResult => ({
      argv: [...argv],
      exitCode: 0,
      signal: null,
      stdout,
      stderr: "",
      durationMs: 1,
      timedOut: false,
    });
    if (argv[0] === "bpftool") {
      const dumps = (options.input ?? "").trim().split("\n");
      return answer(JSON.stringify(dumps.map((command) => this.dump(command))));
    }
    if (argv.includes("iptables-save") && this.failForward)
      return { ...answer(""), exitCode: 1, stderr: "iptables-save: lock held\n" };
    if (argv.includes("iptables-save"))
      return answer(
        `*filter\n[${100 * this.readings.next(argv[1] as string)}:0] -A FORWARD -m comment --comment "rb-lab: forward counter"\nCOMMIT\n`,
      );
    if (argv.includes("netperf")) return answer(STDOUT[argv[argv.indexOf("-t") + 1] as string] ?? "");
    if (argv.includes("sockperf")) return answer(fixture("witness", "sockperf-pp-tcp-rtt.txt"));
    throw new Error(`the lab ran something this test did not expect: ${argv.join(" ")}`);
  }

  private dump(command: string) {
    const counters = /rb_counters$/.test(command);
    const passed = counters ? 100 * this.readings.next(command) : 0;
    const output = Array.from({ length: counters ? 8 : 2 }, (_, key) =>
      counters
        ? { formatted: { key, values: [{ cpu: 0, value: key === 0 ? passed : 0 }] } }
        : { formatted: { key, value: 0 } },
    );
    return { command: command.split(" "), output };
  }
}

/** A namespace's counters that move on every read: the nodes forwarded packets. */
function counterSource(netns: string) {
  let reads = 0;
  const snmp = fixture("proc", "node-snmp.txt");
  return {
    netns,
    async read() {
      reads++;
      return {
        snmp: snmp.replace(/^(Ip: 1 64 \d+ 0 0 )(\d+)/m, (_, head) => `${head}${1000 * reads}`),
        netstat: fixture("proc", "pod-netstat.txt"),
        dev: fixture("proc", "node-dev.txt"),
      };
    },
    async close() {},
  };
}

type Started = { netns: string; argv: readonly string[]; port: number }[];

/** Netservers the fake host reports dead (by pid) until restarted. */
const dead = new Set<number>();

function fakeHost(started: Started, pinnedFails = false): LabHost {
  return {
    readPinned: pinnedMaps(new Readings(), pinnedFails),
    namespaceExists: () => true,
    serving: (pid) => !dead.has(pid),
    startNetserver: async (netns) => {
      dead.clear();
      return 2000 + netns.length;
    },
    openCounters: async (netns) => counterSource(netns),
    startListener: async (netns, argv, port) => {
      started.push({ netns, argv, port });
      return 1_000_000 + started.length;
    },
    alive: () => false,
  };
}

// two different CPUs, so that swapping the client's and the server's shows
const PLACEMENT: CpuPlacement = {
  policy: "explicit",
  client: 1,
  server: 0,
  cpus: [1, 0],
  reason: "the sweep's CPUs",
};

function session(runner: Runner, started: Started, pinnedFails = false, forward?: LabHost["forwardCounter"]) {
  const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 0 });
  const state: LabState = {
    version: 1,
    status: "up",
    createdAt: "2026-12-06T00:00:00.000Z",
    options: plan.options,
    mode: "legacy",
    generation: 7,
    modeChangedAt: "2026-12-06T00:00:00.000Z",
    netservers: [
      "rb-node1",
      "rb-node1-pod1",
      "rb-node1-pod2",
      "rb-node2",
      "rb-node2-pod1",
      "rb-node2-pod2",
    ].map((netns, i) => ({ netns, pid: 1000 + i })),
    foreignRulesAtSwitch: null,
  };
  // fixed 4 MiB socket buffers (what the lab's one-CPU placement gets: backend.ts resolveSocketBuffer)
  return new LabSession(runner, plan, state, "legacy", PLACEMENT, 4194304, { release() {} }, async () => {}, {
    ...fakeHost(started, pinnedFails),
    ...(forward ? { forwardCounter: forward } : {}),
  });
}

function trial(mode: Mode, point: Omit<Point, "key">, durationSec = 2): Trial {
  const key = `${point.placement}/${point.test}/${point.size}`;
  return { id: `1:${mode}:${key}`, block: 1, mode, point: { key, ...point }, durationSec };
}

const NETSERVER = ["-p", "12865"];

async function netperfCalls(mode: Mode, point: Omit<Point, "key">) {
  const runner = new LabRunner();
  const lab = session(runner, []);
  const outcome = await lab.runTrial(trial(mode, point), new AbortController().signal);
  return { outcome, netperf: runner.calls.filter((c) => c.argv.includes("netperf")), calls: runner.calls };
}

describe("a lab trial's argv, whole", () => {
  it("TCP_STREAM cross-node: netperf in the client pod's namespace, both ends on the benchmark CPU, fixed socket buffers", async () => {
    const { outcome, netperf } = await netperfCalls("legacy", {
      placement: "cross-node",
      test: "TCP_STREAM",
      size: "1024",
      messageSize: 1024,
    });
    const argv = [
      "nsenter",
      "--net=/run/netns/rb-node1-pod1",
      "netperf",
      "-H",
      "198.19.2.10",
      ...NETSERVER,
      "-t",
      "TCP_STREAM",
      "-l",
      "2",
      "-P",
      "0",
      "-T",
      "1,0",
      "-c",
      "-C",
      "-D",
      "0.25",
      "--",
      "-m",
      "1024",
      "-s",
      "4194304",
      "-S",
      "4194304",
      "-W",
      "17",
      "-o",
      SELECTORS,
    ];
    expect(netperf).toEqual([{ argv, timeoutMs: 17_000 }]);
    expect(outcome.argv).toEqual(argv);
  });

  it("TCP_RR same-node: request and response sizes, no socket buffers", async () => {
    const { outcome, netperf } = await netperfCalls("legacy", {
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    });
    const argv = [
      "nsenter",
      "--net=/run/netns/rb-node1-pod1",
      "netperf",
      "-H",
      "198.19.1.11",
      ...NETSERVER,
      "-t",
      "TCP_RR",
      "-l",
      "2",
      "-P",
      "0",
      "-T",
      "1,0",
      "-c",
      "-C",
      "-D",
      "0.25",
      "--",
      "-r",
      "1,1",
      "-o",
      SELECTORS,
    ];
    expect(netperf).toEqual([{ argv, timeoutMs: 17_000 }]);
    expect(outcome.argv).toEqual(argv);
    // and the trial ran to its end: read around, judged on the path it took
    expect(outcome.path).toMatchObject({
      ok: true,
      stackPasses: 100,
      iptablesForwardPackets: 100,
      ipForwarded: 1000,
    });
  });

  it("TCP_CRR cross-node: its timeout covers netserver's 4 s pad", async () => {
    const { netperf } = await netperfCalls("ebpf", {
      placement: "cross-node",
      test: "TCP_CRR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    });
    expect(netperf).toEqual([
      {
        argv: [
          "nsenter",
          "--net=/run/netns/rb-node1-pod1",
          "netperf",
          "-H",
          "198.19.2.10",
          ...NETSERVER,
          "-t",
          "TCP_CRR",
          "-l",
          "2",
          "-P",
          "0",
          "-T",
          "1,0",
          "-c",
          "-C",
          "-D",
          "0.25",
          "--",
          "-r",
          "1,1",
          "-o",
          SELECTORS,
        ],
        timeoutMs: 21_000,
      },
    ]);
  });

  it("two streams: two instances started together, each waiting 1 s (-s 1) before its test", async () => {
    const { netperf } = await netperfCalls("legacy", {
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
      streams: 2,
    });
    const argv = [
      "nsenter",
      "--net=/run/netns/rb-node1-pod1",
      "netperf",
      "-H",
      "198.19.1.11",
      ...NETSERVER,
      "-t",
      "TCP_RR",
      "-l",
      "2",
      "-P",
      "0",
      "-T",
      "1,0",
      "-c",
      "-C",
      "-s",
      "1",
      "-D",
      "0.25",
      "--",
      "-r",
      "1,1",
      "-o",
      SELECTORS,
    ];
    expect(netperf).toEqual([
      { argv, timeoutMs: 18_000 },
      { argv, timeoutMs: 18_000 },
    ]);
  });

  it("host and direct baselines: node to node over the underlay, pod to pod over the direct veth", async () => {
    const point = {
      placement: "cross-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    } as const;
    const rr = (netns: string, server: string) => [
      "nsenter",
      `--net=/run/netns/${netns}`,
      "netperf",
      "-H",
      server,
      ...NETSERVER,
      "-t",
      "TCP_RR",
      "-l",
      "2",
      "-P",
      "0",
      "-T",
      "1,0",
      "-c",
      "-C",
      "-D",
      "0.25",
      "--",
      "-r",
      "1,1",
      "-o",
      SELECTORS,
    ];
    const host = await netperfCalls("host", point);
    expect(host.netperf).toEqual([{ argv: rr("rb-node1", "198.18.0.2"), timeoutMs: 17_000 }]);
    // a host trial reads nothing around itself that needs a process: no node is on a path of pods
    expect(host.calls).toHaveLength(1);
    const direct = await netperfCalls("direct", point);
    expect(direct.netperf).toEqual([{ argv: rr("rb-node1-pod1", "198.18.64.6"), timeoutMs: 17_000 }]);
  });

  it("reads around the trial with no process for the BPF maps (pinned files), one bpftool batch when those fail", async () => {
    const point = {
      placement: "cross-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    } as const;
    const readers = (pinnedFails: boolean) => async () => {
      const runner = new LabRunner();
      const outcome = await session(runner, [], pinnedFails).runTrial(
        trial("legacy", point),
        new AbortController().signal,
      );
      return { outcome, argvs: runner.calls.filter((c) => !c.argv.includes("netperf")).map((c) => c.argv) };
    };
    const forward = (netns: string) => [
      "nsenter",
      `--net=/run/netns/${netns}`,
      "iptables-save",
      "-c",
      "-t",
      "filter",
    ];
    const pinned = await readers(false)();
    // before and after the trial: each node's FORWARD counter; the maps are read from their files
    expect(pinned.argvs).toEqual([
      forward("rb-node1"),
      forward("rb-node2"),
      forward("rb-node1"),
      forward("rb-node2"),
    ]);
    expect(pinned.outcome.path).toMatchObject({ ok: true, stackPasses: 200, iptablesForwardPackets: 200 });
    const bpftool = ["bpftool", "-j", "batch", "file", "-"];
    const fallback = await readers(true)();
    // the FORWARD readers start at once; bpftool once the files have failed
    expect(fallback.argvs).toEqual([
      forward("rb-node1"),
      forward("rb-node2"),
      bpftool,
      forward("rb-node1"),
      forward("rb-node2"),
      bpftool,
    ]);
    expect(fallback.outcome.path).toMatchObject({ ok: true, stackPasses: 200, iptablesForwardPackets: 200 });
  });

  it("reads FORWARD through the session's served reader where it gives a count, with iptables-save where it does not", async () => {
    const rr = trial("legacy", {
      placement: "cross-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    });
    const runner = new LabRunner();
    const asked: { netns: readonly string[]; ipv6: boolean[]; closed: number } = {
      netns: [],
      ipv6: [],
      closed: 0,
    };
    let served = 0;
    const lab = session(runner, [], false, (netns) => {
      asked.netns = netns;
      return {
        // node1 counted by the reader (150 more each reading); node2's rule not found there ("-")
        read: async (ipv6) => {
          asked.ipv6.push(ipv6);
          served += 150;
          return { "rb-node1": served, "rb-node2": null };
        },
        close: () => {
          asked.closed++;
        },
      };
    });
    const outcome = await lab.runTrial(rr, new AbortController().signal);
    const forwardReads = runner.calls.filter((c) => c.argv.includes("iptables-save")).map((c) => c.argv[1]);
    expect(forwardReads).toEqual(["--net=/run/netns/rb-node2", "--net=/run/netns/rb-node2"]);
    expect(asked.netns).toEqual(["rb-node1", "rb-node2"]);
    expect(asked.ipv6).toEqual([false, false]);
    // 150 forwarded packets on node1 (the reader) + 100 on node2 (iptables-save)
    expect(outcome.path).toMatchObject({ ok: true, iptablesForwardPackets: 250 });
    await lab.close().catch(() => undefined);
    expect(asked.closed).toBe(1);
  });

  it("starts a trial from the FORWARD counts its nodes' last trial ended with: one iptables process per node per trial", async () => {
    const rr = (placement: "same-node" | "cross-node") =>
      trial("legacy", { placement, test: "TCP_RR", size: "1,1", requestSize: 1, responseSize: 1 });
    const runner = new LabRunner();
    const lab = session(runner, []);
    const signal = new AbortController().signal;
    const forward = (netns: string) => [
      "nsenter",
      `--net=/run/netns/${netns}`,
      "iptables-save",
      "-c",
      "-t",
      "filter",
    ];
    const readers = () =>
      runner.calls
        .splice(0)
        .filter((c) => !c.argv.includes("netperf"))
        .map((c) => c.argv);
    expect((await lab.runTrial(rr("cross-node"), signal)).path?.ok).toBe(true);
    expect(readers()).toEqual([
      forward("rb-node1"),
      forward("rb-node2"),
      forward("rb-node1"),
      forward("rb-node2"),
    ]);
    // same-node crosses node1 only: it starts from node1's count, and reads node1 after
    expect((await lab.runTrial(rr("same-node"), signal)).path).toMatchObject({
      ok: true,
      iptablesForwardPackets: 100,
    });
    expect(readers()).toEqual([forward("rb-node1")]);
    // node2's count is still the one the first trial ended with: nothing crossed node2 since
    expect((await lab.runTrial(rr("cross-node"), signal)).path).toMatchObject({
      ok: true,
      iptablesForwardPackets: 200,
    });
    expect(readers()).toEqual([forward("rb-node1"), forward("rb-node2")]);
    // a witness sends its own packets through the nodes: the next trial reads its start afresh
    await lab.runWitness(rr("cross-node"), "sockperf", signal);
    runner.calls.splice(0);
    expect((await lab.runTrial(rr("same-node"), signal)).path?.ok).toBe(true);
    expect(readers()).toEqual([forward("rb-node1"), forward("rb-node1")]);
    // a netserver restarted on the path: the next trial reads its start afresh
    dead.add(1002); // rb-node1-pod2's
    runner.calls.splice(0);
    expect(await lab.runTrial(rr("same-node"), signal)).toMatchObject({
      restarts: ["rb-node1-pod2"],
      path: { ok: true },
    });
    expect(readers()).toEqual([forward("rb-node1"), forward("rb-node1")]);
    // a trial whose closing reading failed moved the counters unseen: the next one reads its start afresh
    runner.failForward = true;
    await expect(lab.runTrial(rr("same-node"), signal)).rejects.toThrow(/iptables-save/);
    runner.failForward = false;
    runner.calls.splice(0);
    expect((await lab.runTrial(rr("same-node"), signal)).path?.ok).toBe(true);
    expect(readers()).toEqual([forward("rb-node1"), forward("rb-node1")]);
  });

  it("the sockperf witness: its server pinned on the server's CPU, its client on the client's, in their pods", async () => {
    const runner = new LabRunner();
    const started: Started = [];
    const lab = session(runner, started);
    const rr = trial("legacy", {
      placement: "same-node",
      test: "TCP_RR",
      size: "1,1",
      requestSize: 1,
      responseSize: 1,
    });
    const witness = await lab.runWitness(rr, "sockperf", new AbortController().signal);
    expect(started).toEqual([
      {
        netns: "rb-node1-pod2",
        argv: ["taskset", "-c", "0", "sockperf", "server", "--tcp", "-i", "0.0.0.0", "-p", "12867"],
        port: 12867,
      },
    ]);
    const argv = [
      "nsenter",
      "--net=/run/netns/rb-node1-pod1",
      "taskset",
      "-c",
      "1",
      "sockperf",
      "ping-pong",
      "--tcp",
      "-i",
      "198.19.1.11",
      "-p",
      "12867",
      "-t",
      "2",
      "-m",
      "14",
      "--full-rtt",
    ];
    expect(runner.calls).toEqual([{ argv, timeoutMs: 22_000 }]);
    expect(witness.argv).toEqual(argv);
  });
});
