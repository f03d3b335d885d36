/**
 * perf in explain's profiling pods on the test API server, simulated (no lab, no perf run on
 * this machine): `perf record … -o F -- sleep W` waits W seconds and remembers what it was asked
 * to sample, `perf script -i F` prints perf script output captured in the lab
 * (test/fixtures/profile/ebpf-same-perf-script.txt), `rm -f` forgets it. What a real node
 * would do otherwise is injectable: no perf in the image, perf_event_open refused (a pod that is
 * not privileged with hostPID), kernel symbols hidden (kptr_restrict).
 */
import { readFileSync } from "node:fs";
import type { WebSocket } from "ws";
import type { FakeApiServer } from "./fake-apiserver.js";
import type { Json } from "./fake-wire.js";

/** What perf does in a profiling pod: works, is not in the image, is refused by the kernel, or sees no kernel symbols. */
export type PerfFault = "ok" | "missing" | "denied" | "no-symbols";

/** One `perf record` a profiling pod ran: its node, CPUs and seconds. */
export interface PerfRecording {
  pod: string;
  node: string;
  cpus: string;
  windowSec: number;
  file: string;
}

/**
 * A replayed trial for a whole explain run without a lab: a measuring netperf waits its `-l`
 * seconds and prints this captured output; the nodes' /proc/stat is a clock whose CPUs are each
 * `busyShare` busy (so the CPU per transaction is known).
 */
export interface TrialReplay {
  netperf: string;
  busyShare: number;
}

/** The profiling pods' perf on one test API server (`perfOf`), and the trial replay beside it. */
class PerfState {
  fault: PerfFault = "ok";
  replay: TrialReplay | null = null;
  /** Every `perf record` run, in order. */
  readonly recordings: PerfRecording[] = [];
  /** The data files recorded and not yet removed, by namespace/pod:file. */
  readonly data = new Map<string, PerfRecording>();
}

const states = new WeakMap<FakeApiServer, PerfState>();

/** The perf of a test API server's profiling pods: its fault to inject, what it recorded. */
export function perfOf(s: FakeApiServer): PerfState {
  const state = states.get(s) ?? new PerfState();
  states.set(s, state);
  return state;
}

const SCRIPT = readFileSync(
  new URL("../fixtures/profile/ebpf-same-perf-script.txt", import.meta.url),
  "utf8",
);

const after = (name: string, argv: readonly string[]) => argv[argv.indexOf(name) + 1] ?? "";

/** True for a profiling pod (its one container is `perf`). */
export function isProfiler(pod: Json): boolean {
  return pod.spec?.containers?.[0]?.name === "perf";
}

export function perfExec(
  s: FakeApiServer,
  pod: Json,
  argv: readonly string[],
  ws: WebSocket,
  finish: (code: number, stderr?: string) => void,
) {
  const send = (text: string) =>
    ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
  const [name, verb] = argv;
  const key = (file: string) => `${pod.metadata.namespace}/${pod.metadata.name}:${file}`;
  if (name === "rm") {
    for (const file of argv.slice(2)) perfOf(s).data.delete(key(file));
    return finish(0);
  }
  if (name !== "perf") return finish(127, `sh: 1: ${name}: not found\n`);
  if (perfOf(s).fault === "missing")
    return finish(
      127,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "perf": executable file not found in $PATH: unknown\n',
    );
  if (verb === "--version") {
    send("perf version 6.1.192\n");
    return finish(0);
  }
  // the kernel refuses perf_event_open on another task's CPU without CAP_PERFMON (a pod that is not privileged, or no hostPID)
  const privileged =
    pod.spec?.hostPID === true && pod.spec?.containers?.[0]?.securityContext?.privileged === true;
  if (verb === "record") {
    if (perfOf(s).fault === "denied" || !privileged)
      return finish(
        255,
        "Error:\nNo permission to enable cpu-clock event.\n\nYou may not have permission to collect system-wide stats.\n\nConsider tweaking /proc/sys/kernel/perf_event_paranoid\n",
      );
    const recording: PerfRecording = {
      pod: pod.metadata.name,
      node: pod.spec?.nodeName,
      cpus: after("-C", argv),
      windowSec: Number(argv.at(-1)),
      file: after("-o", argv),
    };
    perfOf(s).recordings.push(recording);
    setTimeout(() => {
      perfOf(s).data.set(key(recording.file), recording);
      finish(0);
    }, recording.windowSec * 1000);
    return;
  }
  if (verb === "script") {
    const file = after("-i", argv);
    if (!perfOf(s).data.has(key(file)))
      return finish(255, `failed to open ${file}: No such file or directory\n`);
    // kptr_restrict: no kernel address (the BPF programs' neither) resolves to a symbol
    const text =
      perfOf(s).fault === "no-symbols"
        ? SCRIPT.replace(/^\s+ffff[0-9a-f]{12} .*$/gm, "\tffffffffffffffff [unknown] ([unknown])")
        : SCRIPT;
    send(text);
    return finish(0);
  }
  return finish(1, `perf: '${verb}' is not a perf-command\n`);
}

/** /proc/stat (two CPUs, each `busyShare` busy since the epoch in USER_HZ ticks) and /proc/loadavg. */
function replayedStat(busyShare: number): string {
  const ticks = Math.floor(Date.now() / 10);
  const busy = Math.floor(ticks * busyShare);
  const line = (name: string, n: number) => `${name} ${busy * n} 0 0 ${(ticks - busy) * n} 0 0 0 0 0 0`;
  return `${[line("cpu ", 2), line("cpu0", 1), line("cpu1", 1), "procs_running 1"].join("\n")}\n0.10 0.20 0.30 1/100 1234\n`;
}

/**
 * The trial replay, where the test set one: a measuring netperf and the nodes' /proc/stat. True
 * when it answered the exec.
 */
export function replayExec(
  s: FakeApiServer,
  argv: readonly string[],
  ws: WebSocket,
  finish: (code: number, stderr?: string) => void,
): boolean {
  const replay = perfOf(s).replay;
  if (!replay) return false;
  const send = (text: string) =>
    ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
  if (argv[0] === "cat" && argv[1] === "/proc/stat") {
    send(replayedStat(replay.busyShare));
    finish(0);
    return true;
  }
  if (argv[0] !== "netperf" || !argv.includes("-l")) return false;
  setTimeout(
    () => {
      send(replay.netperf);
      finish(0);
    },
    Number(after("-l", argv)) * 1000,
  );
  return true;
}
