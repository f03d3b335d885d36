/**
 * `npm run bench:unsteady`: the in-trial steadiness detector (netperf/interim.ts) side by side
 * on planted slowdowns and quiet trials, on loopback only. It starts its own netserver on a
 * free port of 127.0.0.1 (stopped by its pid at the end), runs TRIALS netperf trials of TEST
 * (TCP_RR 1,1 or TCP_STREAM of MESSAGE bytes, 16384 unless set) of SECONDS each with `-D 0.25`
 * (both ends on CPU `CPU` with -T when it is set, as the lab's one-CPU placement), and in every other one
 * stops the netperf client by its pid (SIGSTOP) for STOP_MS at a random moment inside the test,
 * then continues it (SIGCONT). It prints each group's rate and dip, and the false-alarm rate
 * (quiet trials called unsteady) and detection rate (planted ones called unsteady) per
 * threshold. With OVERHEAD=1 it also alternates trials with and without -D (its cost).
 * It prints figures and asserts nothing; it needs netperf and netserver on PATH.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dipThresholdPct, INTERIM_SEC, interimDipPct, parseInterim } from "../netperf/interim.js";
import { seededRandom } from "../util/random.js";
import type { NetperfTest } from "../vocabulary/vocabulary.js";
import { plantStop } from "./timing.js";

const TRIALS = Number(process.env.TRIALS ?? 40);
const SECONDS = Number(process.env.SECONDS ?? 2);
const STOP_MS = Number(process.env.STOP_MS ?? 300);
const TEST = (process.env.TEST ?? "TCP_RR") as NetperfTest;
const MESSAGE = process.env.MESSAGE ?? "16384";
const CPU = process.env.CPU;
const random = seededRandom(Number(process.env.SEED ?? 21));

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function run(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve) => child.on("close", () => resolve(out)));
}

interface Outcome {
  rate: number;
  dip: number | null;
}

async function trial(port: number, interim: boolean, stopMs: number): Promise<Outcome> {
  const testArgs = TEST === "TCP_STREAM" ? ["-m", MESSAGE] : ["-r", "1,1"];
  const argv = [
    "-H",
    "127.0.0.1",
    "-p",
    String(port),
    "-t",
    TEST,
    "-l",
    String(SECONDS),
    ...(interim ? ["-D", String(INTERIM_SEC)] : []),
    ...(CPU === undefined ? [] : ["-T", `${CPU},${CPU}`]),
    "-P",
    "0",
    "--",
    ...testArgs,
    "-o",
    "THROUGHPUT,ELAPSED_TIME",
  ];
  const child = spawn("netperf", argv, { stdio: ["ignore", "pipe", "ignore"] });
  const done = run(child);
  if (stopMs > 0 && child.pid !== undefined) plantStop(child.pid, random, stopMs, SECONDS);
  const stdout = await done;
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return { rate: Number(last.split(",")[0]), dip: interimDipPct(parseInterim(stdout)) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2
    : Number.NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : Number.NaN;
};

const port = await freePort();
const server = spawn("netserver", ["-D", "-4", "-p", String(port)], { stdio: "ignore" });
await new Promise((resolve) => setTimeout(resolve, 500));
try {
  const quiet: Outcome[] = [];
  const planted: Outcome[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const stop = i % 2 === 1;
    const outcome = await trial(port, true, stop ? STOP_MS : 0);
    (stop ? planted : quiet).push(outcome);
  }
  console.log(
    `loopback ${TEST}${TEST === "TCP_STREAM" ? ` ${MESSAGE} B` : ""}${CPU === undefined ? "" : `, both ends on CPU ${CPU}`}, ${SECONDS} s trials, -D ${INTERIM_SEC}; ${quiet.length} quiet and ${planted.length} with the client stopped ${STOP_MS} ms`,
  );
  for (const [name, group] of [
    ["quiet", quiet],
    ["planted", planted],
  ] as const) {
    const dips = group.map((o) => o.dip).filter((d): d is number => d !== null);
    console.log(
      `${name.padEnd(8)} median rate ${median(group.map((o) => o.rate)).toFixed(0)}; dip median ${median(dips).toFixed(1)}%, p90 ${quantile(dips, 0.9).toFixed(1)}%, max ${Math.max(...dips).toFixed(1)}% (${group.length - dips.length} without interim lines)`,
    );
  }
  console.log("threshold  false alarms (quiet)  detected (planted)");
  for (const threshold of [15, 20, 25, 30, 35, 40, 50, 60, 70, 80]) {
    const called = (group: Outcome[]) => group.filter((o) => o.dip !== null && o.dip > threshold).length;
    console.log(
      `${`${threshold}%`.padStart(9)}${threshold === dipThresholdPct(TEST) ? "*" : " "}  ${`${called(quiet)}/${quiet.length}`.padStart(20)}  ${`${called(planted)}/${planted.length}`.padStart(18)}`,
    );
  }
  console.log(`* the threshold routebench uses for ${TEST} (dipThresholdPct)`);
  if (process.env.OVERHEAD === "1") {
    const withD: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      (i % 2 ? withD : without).push((await trial(port, i % 2 === 1, 0)).rate);
    }
    console.log(
      `cost of -D: median rate ${median(withD).toFixed(0)} with, ${median(without).toFixed(0)} without (ratio ${(median(withD) / median(without)).toFixed(3)}, ${withD.length} trials each, alternated)`,
    );
  }
} finally {
  if (server.pid !== undefined) process.kill(server.pid, "SIGTERM");
}
