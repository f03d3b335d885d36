/**
 * `npm run bench:soak`: a long run on the lab, to see whether anything grows. It runs
 * sweeps/full-datapath.yaml (every test, TCP_CRR included, both placements, 1 and 4 streams,
 * the witnesses) with 2 s trials and as many repetitions as fit, in this process, and stops it
 * after `--minutes` as Ctrl-C would (after the running trial). Every `--every` seconds, between
 * two trials, it samples:
 * - this process's (the harness's) RSS and V8 heap;
 * - in each lab namespace: its conntrack entries (nf_conntrack_count), its TCP sockets and those
 *   in TIME_WAIT (`ss`);
 * - the size of the run's trials.jsonl;
 * and for every attempt, its overhead: the attempt's wall time minus netperf's own test time
 * (ELAPSED_TIME), this script's sampling left out (TCP_CRR's includes netserver's 4 s pad).
 * It prints one table row per `--window` minutes and a least-squares slope per quantity (per
 * hour), then the legacy TCP_RR level it saw. Asserts nothing.
 *
 *   sudo npm run bench:soak [-- --minutes 40] [--every 30] [--window 5] [--out DIR]
 *   npm run bench:soak -- --report DIR    (prints a finished soak's figures again from its files)
 *
 * Over 300 lines on purpose: one script, sampling, running and reporting a soak, printed in the
 * order a reader checks it; nothing in it is imported elsewhere.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { linearRegression, median } from "simple-statistics";
import { z } from "zod";
import type { Backend, BackendSession } from "../backends/backend.js";
import { labBackend } from "../backends/lab/backend.js";
import { readResults } from "../results/read.js";
import type { Results, TrialRecord } from "../results/schema.js";
import type { RunControl } from "../run/execute.js";
import { runSweep } from "../run/run.js";
import { loadSweep } from "../sweep/load.js";
import { parseJsonFile } from "../util/validate.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";

const { values: options } = parseArgs({
  options: {
    minutes: { type: "string", default: "40" },
    every: { type: "string", default: "30" },
    window: { type: "string", default: "5" },
    out: { type: "string" },
    report: { type: "string" },
  },
});
const minutes = Number(options.minutes);
const everyMs = Number(options.every) * 1000;
const windowMin = Number(options.window);
const dir = options.report ?? options.out ?? mkdtempSync(join(tmpdir(), "routebench-soak-"));
const samplesFile = join(dir, "samples.jsonl");
const attemptsFile = join(dir, "attempts.jsonl");

const sweepFile = join(dir, "soak.yaml");
if (!options.report)
  writeFileSync(
    sweepFile,
    readFileSync(join(PACKAGE_ROOT, "sweeps", "full-datapath.yaml"), "utf8")
      .replace(/^name: .*$/m, "name: soak")
      .replace(/^profile: .*$/m, "duration: 2\nrepetitions: 1000"),
  );

const namespaceSampleSchema = z.object({
  conntrack: z.number().nullable(),
  tcpSockets: z.number(),
  timeWait: z.number(),
});
type NamespaceSample = z.output<typeof namespaceSampleSchema>;
/** One line of the soak's samples file. */
const sampleSchema = z.object({
  tSec: z.number(),
  attempts: z.number(),
  rssMB: z.number(),
  heapMB: z.number(),
  trialsFileMB: z.number(),
  namespaces: z.record(z.string(), namespaceSampleSchema),
  sampleMs: z.number(),
});
type Sample = z.output<typeof sampleSchema>;

/** The lab's namespaces (rb-*), read from /run/netns. */
function labNamespaces(): string[] {
  try {
    return readdirSync("/run/netns")
      .filter((n) => n.startsWith("rb-"))
      .sort();
  } catch {
    return [];
  }
}

/** One shell per sample (not one per namespace and figure): conntrack count, TCP sockets, TIME_WAIT. */
function sampleNamespaces(): Record<string, NamespaceSample> {
  const names = labNamespaces();
  if (names.length === 0) return {};
  const script = names
    .map(
      (n) =>
        `nsenter --net=/run/netns/${n} sh -c 'echo "${n} $(cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo -) $(ss -tanH | wc -l) $(ss -tanH state time-wait | wc -l)"'`,
    )
    .join("\n");
  const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
  const result: Record<string, NamespaceSample> = {};
  for (const line of out.trim().split("\n")) {
    const [name, conntrack, sockets, timeWait] = line.split(" ");
    if (!name) continue;
    result[name] = {
      conntrack: conntrack === "-" ? null : Number(conntrack),
      tcpSockets: Number(sockets),
      timeWait: Number(timeWait),
    };
  }
  return result;
}

const started = performance.now();
const samples: Sample[] = [];
let attempts = 0;
let runDir = "";
function takeSample(): number {
  const t0 = performance.now();
  const memory = process.memoryUsage();
  let trialsFileMB = 0;
  try {
    trialsFileMB = statSync(join(runDir, "trials.jsonl")).size / 2 ** 20;
  } catch {}
  const sample: Sample = {
    tSec: (t0 - started) / 1000,
    attempts,
    rssMB: memory.rss / 2 ** 20,
    heapMB: memory.heapUsed / 2 ** 20,
    trialsFileMB,
    namespaces: sampleNamespaces(),
    sampleMs: 0,
  };
  sample.sampleMs = performance.now() - t0;
  samples.push(sample);
  appendFileSync(samplesFile, `${JSON.stringify(sample)}\n`);
  return sample.sampleMs;
}

/** Time this script's sampling took inside the running attempt (a record's finishedAt is taken before its witness runs). */
let extraMs = 0;
let lastSampleAt = -Infinity;

/** The lab session, sampled after a trial's netperf, before the attempt ends (its time is left out of the overhead). */
function sampled(session: BackendSession): BackendSession {
  return new Proxy(session, {
    get(target, key, receiver) {
      if (key === "runTrial")
        return async (...args: Parameters<BackendSession["runTrial"]>) => {
          extraMs = 0;
          try {
            return await target.runTrial(...args);
          } finally {
            if (performance.now() - lastSampleAt >= everyMs) {
              lastSampleAt = performance.now();
              extraMs += takeSample();
            }
          }
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** One line of the soak's attempts file. */
const attemptSchema = z.object({
  tSec: z.number(),
  test: z.string(),
  streams: z.number(),
  mode: z.string(),
  state: z.string(),
  overheadMs: z.number(),
  elapsedSec: z.number().optional(),
  phasesMs: z.record(z.string(), z.number()).optional(),
  restarts: z.array(z.string()).optional(),
});
type Attempt = z.output<typeof attemptSchema>;
const attemptList: Attempt[] = [];
function onAttempt(record: TrialRecord): void {
  attempts++;
  const wallMs = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  const attempt: Attempt = {
    tSec: (performance.now() - started) / 1000,
    test: record.point.test,
    streams: record.point.streams ?? 1,
    mode: record.mode,
    state: record.state,
    overheadMs: wallMs - (record.elapsedSec ?? 0) * 1000 - extraMs,
    ...(record.elapsedSec !== undefined ? { elapsedSec: record.elapsedSec } : {}),
    ...(record.phasesMs ? { phasesMs: record.phasesMs } : {}),
    ...(record.restarts ? { restarts: record.restarts } : {}),
  };
  if (record.elapsedSec !== undefined) attemptList.push(attempt);
  appendFileSync(attemptsFile, `${JSON.stringify(attempt)}\n`);
}

/** Runs the soak; the samples and attempts are also appended to their files as they come. */
async function soak(): Promise<Results> {
  const sweep = await loadSweep(sweepFile);
  const lab = labBackend();
  const backend: Backend = { open: async (s, log) => sampled(await lab.open(s, log)) };
  const control: RunControl = { stopRequested: false, kill: new AbortController() };
  const stop = () => {
    control.stopRequested = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const timer = setTimeout(stop, minutes * 60_000);
  console.log(
    `bench:soak — sweeps/full-datapath.yaml, 2 s trials, looped for ${minutes} min, sampled every ${options.every} s; raw samples in ${samplesFile}`,
  );
  const outcome = await runSweep({
    sweep,
    backend,
    outDir: runDir,
    command: ["bench:soak"],
    control,
    log: (message) => console.error(message),
    onProgress: (event) => {
      if (event.kind === "trial-end" && event.record) onAttempt(event.record);
    },
  });
  clearTimeout(timer);
  takeSample(); // after the run: the lab is down again (when this run brought it up); the harness's memory after results.json
  return outcome.results;
}

/** A finished soak's samples and attempts, from its files. */
function load(): void {
  const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  samples.push(
    ...lines(samplesFile).map((l, i) => parseJsonFile(sampleSchema, l, `${samplesFile}:${i + 1}`)),
  );
  // attempts that ran netperf (older files lack elapsedSec: those have their phases)
  const all = lines(attemptsFile).map((l, i) => parseJsonFile(attemptSchema, l, `${attemptsFile}:${i + 1}`));
  attemptList.push(...all.filter((a) => a.elapsedSec !== undefined || a.phasesMs?.netperf !== undefined));
  attempts = all.length;
}

runDir = join(dir, "run");
let results: Results;
if (options.report) {
  load();
  results = await readResults(runDir);
} else results = await soak();
const resultsMB = statSync(join(runDir, "results.json")).size / 2 ** 20;

// ---- the curve ----
const fmt = (x: number | null | undefined, digits = 1) => (x == null ? "–" : x.toFixed(digits));
const during = samples.slice(0, -1);
const namespaces = [...new Set(during.flatMap((s) => Object.keys(s.namespaces)))];
const nodeNamespaces = namespaces.filter((n) => /^rb-node\d+$/.test(n));
const podNamespaces = namespaces.filter((n) => /-pod\d+$/.test(n));
const sum = (s: Sample, names: string[], field: keyof NamespaceSample) =>
  names.reduce((acc, n) => acc + (s.namespaces[n]?.[field] ?? 0), 0);
const isCrr = (a: Attempt) => a.test === "TCP_CRR";
/** Overhead groups: TCP_CRR carries netserver's 4 s pad; 4 streams carry netperf's -s start delay. */
const GROUPS: [string, (a: Attempt) => boolean][] = [
  ["1 stream", (a) => !isCrr(a) && a.streams === 1],
  ["4 streams", (a) => !isCrr(a) && a.streams > 1],
  ["TCP_CRR", isCrr],
];

console.log(
  `\n  window    attempts  RSS MB  heap MB  trials.jsonl MB  conntrack (${nodeNamespaces.join(", ")}) max  pods' conntrack max  TIME_WAIT nodes/pods max  TCP sockets max  overhead ms median (${GROUPS.map(([name]) => name).join(" | ")})`,
);
const windows = Math.ceil(Math.max(...during.map((s) => s.tSec), 1) / (windowMin * 60));
for (let w = 0; w < windows; w++) {
  const from = w * windowMin * 60;
  const to = from + windowMin * 60;
  const inWindow = during.filter((s) => s.tSec >= from && s.tSec < to);
  const last = inWindow.at(-1);
  if (!last) continue;
  const max = (f: (s: Sample) => number) => Math.max(...inWindow.map(f));
  const mine = attemptList.filter((a) => a.tSec >= from && a.tSec < to);
  const medianOf = (list: Attempt[]) =>
    list.length > 0 ? median(list.map((a) => a.overheadMs)).toFixed(0) : "–";
  console.log(
    `  ${`${from / 60}-${to / 60} min`.padEnd(10)}${String(last.attempts).padStart(8)}  ${fmt(last.rssMB).padStart(6)}  ${fmt(last.heapMB).padStart(7)}  ${fmt(last.trialsFileMB, 2).padStart(15)}  ${nodeNamespaces.map((n) => String(max((s) => s.namespaces[n]?.conntrack ?? 0))).join(" / ")}  ${String(max((s) => Math.max(0, ...podNamespaces.map((n) => s.namespaces[n]?.conntrack ?? 0))))}  ${max((s) => sum(s, nodeNamespaces, "timeWait"))} / ${max((s) => sum(s, podNamespaces, "timeWait"))}  ${max((s) => sum(s, namespaces, "tcpSockets"))}  ${GROUPS.map(([, member]) => medianOf(mine.filter(member))).join(" | ")}`,
  );
}

/** Least-squares slope per hour, beside the range of the values: flat when the slope times the run is small against the range. */
function slope(name: string, points: [number, number][], unit: string): void {
  if (points.length < 3) {
    console.log(`  ${name.padEnd(40)} too few samples`);
    return;
  }
  const { m } = linearRegression(points.map(([t, v]) => [t / 3600, v]));
  const values = points.map(([, v]) => v);
  console.log(
    `  ${name.padEnd(40)} ${m >= 0 ? "+" : ""}${m.toFixed(2)} ${unit}/h   (min ${fmt(Math.min(...values))}, median ${fmt(median(values))}, max ${fmt(Math.max(...values))}, n=${points.length})`,
  );
}
// skip the first window's samples for the memory slopes: V8's heap and the lab's tables warm up
const warm = during.filter((s) => s.tSec >= windowMin * 60);
console.log("\n  slopes (least squares over the samples after the first window):");
slope(
  "harness RSS",
  warm.map((s) => [s.tSec, s.rssMB]),
  "MB",
);
slope(
  "harness heap used",
  warm.map((s) => [s.tSec, s.heapMB]),
  "MB",
);
slope(
  "trials.jsonl",
  warm.map((s) => [s.tSec, s.trialsFileMB]),
  "MB",
);
for (const n of [...nodeNamespaces, ...podNamespaces])
  slope(
    `conntrack entries ${n}`,
    warm.map((s) => [s.tSec, s.namespaces[n]?.conntrack ?? 0]),
    "entries",
  );
slope(
  "TIME_WAIT sockets, all namespaces",
  warm.map((s) => [s.tSec, sum(s, namespaces, "timeWait")]),
  "sockets",
);
slope(
  "TCP sockets, all namespaces",
  warm.map((s) => [s.tSec, sum(s, namespaces, "tcpSockets")]),
  "sockets",
);
const warmAttempts = attemptList.filter((a) => a.tSec >= windowMin * 60);
for (const [name, member] of GROUPS)
  slope(
    `overhead per attempt, ${name}`,
    warmAttempts.filter(member).map((a) => [a.tSec, a.overheadMs]),
    "ms",
  );
for (const phase of ["supervise", "readBefore", "readAfter"])
  slope(
    `phase ${phase}`,
    warmAttempts.flatMap((a) => (a.phasesMs?.[phase] !== undefined ? [[a.tSec, a.phasesMs[phase]]] : [])) as [
      number,
      number,
    ][],
    "ms",
  );
const kbPerAttempt = attempts > 0 ? ((samples.at(-1)?.trialsFileMB ?? 0) * 1024) / attempts : 0;
console.log(
  `\n  ${attempts} attempts (${results.summary.completedTrials} completed trials), state ${results.state}; trials.jsonl ${fmt(kbPerAttempt)} kB per attempt, results.json ${fmt(resultsMB, 2)} MB`,
);
const restarts = attemptList.flatMap((a) => a.restarts ?? []);
console.log(`  netserver restarts: ${restarts.length}${restarts.length ? ` (${restarts.join(", ")})` : ""}`);
const after = samples.at(-1);
console.log(
  `  after the run: harness RSS ${fmt(after?.rssMB)} MB, heap ${fmt(after?.heapMB)} MB; lab namespaces left: ${Object.keys(after?.namespaces ?? {}).length}`,
);
const legacyRr = results.trials.filter(
  (t) =>
    t.state === "completed" &&
    t.mode === "legacy" &&
    t.point.test === "TCP_RR" &&
    (t.point.streams ?? 1) === 1,
);
for (const placement of ["same-node", "cross-node"]) {
  const rates = legacyRr
    .filter((t) => t.point.placement === placement)
    .flatMap((t) => (t.metrics?.transactionsPerSec ? [t.metrics.transactionsPerSec] : []));
  if (rates.length > 0)
    console.log(
      `  legacy TCP_RR 1,1 ${placement}, 1 stream: median ${median(rates).toFixed(0)} trans/s (n=${rates.length})`,
    );
}
let cpu = "";
try {
  cpu = /Model name:\s*(.*)/.exec(execFileSync("lscpu", { encoding: "utf8" }))?.[1] ?? "";
} catch {}
console.log(`  machine: ${cpu}; results: ${runDir}`);
