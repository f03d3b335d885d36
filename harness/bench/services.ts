/**
 * `npm run bench:services`: pod → pod against pod → Service, kube-proxy iptables (legacy) against
 * the eBPF socket LB, at a small and a large number of Services, on the lab. It drives the lab
 * backend's session directly: each block runs every cell once, the two modes in a seeded random order, and every trial must
 * prove its path (routing, and for a Service trial the DNAT counters and conntrack, or the
 * socket LB's hits and no DNAT) or it is dropped and reported.
 *
 * Prints, per Service count, test and destination: each mode's median with its 95% interval
 * (distribution-free, stats/median-interval.ts) and eBPF/legacy with its 95% interval (paired
 * by block, stats/ratio.ts); then Service/pod per mode (paired by block) and the large count
 * against the small per mode and destination (unpaired); and how long writing the Services
 * took. Environment: SERVICES (default "100,10000"), TESTS ("TCP_CRR,TCP_RR"), DESTINATIONS
 * ("pod,service"), PLACEMENT (cross-node), FAMILY (ipv4), DURATION (s, 3), BLOCKS (6), SEED.
 * Asserts nothing.
 */
import { labBackend } from "../backends/lab/backend.js";
import type { ServicesWritten } from "../backends/lab/service-lab.js";
import { parseNetperfOutput } from "../netperf/parse.js";
import { describe } from "../stats/describe.js";
import { medianInterval } from "../stats/median-interval.js";
import { pairedRatio, type RatioEstimate, unpairedRatio } from "../stats/ratio.js";
import { parseSweep } from "../sweep/load.js";
import type { Trial } from "../sweep/plan.js";
import { type PointKey, PointMap, planKey } from "../sweep/point.js";
import { UsageError } from "../util/errors.js";
import { seededRandom } from "../util/random.js";
import {
  DESTINATIONS,
  type Destination,
  IP_FAMILIES,
  type NetperfTest,
  PLACEMENTS,
  type RoutingMode,
} from "../vocabulary/vocabulary.js";

const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const counts = list("SERVICES", "100,10000").map(Number);
const tests = list("TESTS", "TCP_CRR,TCP_RR") as NetperfTest[];
/** An environment value that must be one of `allowed`. */
function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`bench:services: ${name}=${value}: expected one of ${allowed.join(", ")}`);
}
const destinations = list("DESTINATIONS", "pod,service").map((d) => oneOf("DESTINATIONS", d, DESTINATIONS));
const placement = oneOf("PLACEMENT", process.env.PLACEMENT ?? "cross-node", PLACEMENTS);
const family = oneOf("FAMILY", process.env.FAMILY ?? "ipv4", IP_FAMILIES);
const duration = Number(process.env.DURATION ?? 3);
const blocks = Number(process.env.BLOCKS ?? 6);
const random = seededRandom(Number(process.env.SEED ?? 23));
const modes: RoutingMode[] = ["legacy", "ebpf"];

const sweep = parseSweep(
  [
    "name: bench-services",
    "backend: lab",
    "modes: [legacy, ebpf]",
    `placements: [${placement}]`,
    "tests:",
    ...tests.map((t) => `  - test: ${t}\n    sizes: ["1,1"]`),
    `duration: ${duration}`,
    `repetitions: ${blocks}`,
    `lab: {iptablesServices: ${counts[0]}}`,
  ].join("\n"),
  "bench:services",
);

/** The figure each test is judged on: TCP_CRR connections per second, TCP_RR mean latency. */
const metricOf = (test: NetperfTest) => (test === "TCP_CRR" ? "connectionsPerSec" : "meanLatencyUs");
const unitOf = (test: NetperfTest) => (test === "TCP_CRR" ? "conn/s" : "µs mean latency");

/** A cell's point: this bench's placement and family, a Service count, a test and a destination. */
const pointAt = (services: number, test: NetperfTest, destination: Destination): PointKey => ({
  placement,
  test,
  size: "1,1",
  destination,
  ipFamily: family,
  services,
});
/** Each cell's value by block, by point and mode. */
const values = new PointMap<Map<RoutingMode, (number | null)[]>>();
const cell = (services: number, test: NetperfTest, destination: Destination, mode: RoutingMode) =>
  values.get(pointAt(services, test, destination))?.get(mode);
const dropped: string[] = [];

const session = await labBackend().open(sweep, (m) => console.error(`bench:services: ${m}`));
const written: ServicesWritten[] = [];
const started = performance.now();
try {
  for (const services of counts) {
    for (let block = 0; block < blocks; block++) {
      for (const test of tests) {
        for (const destination of destinations) {
          const order = random() < 0.5 ? modes : [...modes].reverse();
          for (const mode of order) {
            await session.useMode(mode);
            const key = pointAt(services, test, destination);
            const point = { ...key, key: planKey(key, "1,1"), requestSize: 1, responseSize: 1 };
            const trial: Trial = {
              id: `${block}:${mode}:${point.key}`,
              block,
              mode,
              durationSec: duration,
              point,
            };
            const outcome = await session.runTrial(trial, new AbortController().signal);
            const byMode = values.upsert(key, () => new Map());
            const row = byMode.get(mode) ?? Array<number | null>(blocks).fill(null);
            byMode.set(mode, row);
            if (outcome.result.exitCode !== 0 || !outcome.path?.ok) {
              dropped.push(
                `${trial.id}: ${outcome.result.exitCode !== 0 ? `netperf exit ${outcome.result.exitCode}: ${outcome.result.stderr.slice(0, 200)}` : outcome.path?.reason}`,
              );
              continue;
            }
            const metrics = parseNetperfOutput(test, outcome.result.stdout).metrics;
            row[block] = metrics[metricOf(test)] ?? null;
            const s = outcome.path.service;
            console.error(
              `  ${trial.id}: ${row[block]?.toFixed(1)} ${unitOf(test)}${s ? ` (DNAT ${s.dnatPackets}, conntrack ${s.conntrackEntries} (${s.conntrackDelta >= 0 ? "+" : ""}${s.conntrackDelta}), socket-LB ${s.socketLbTranslations}/${s.serviceHits})` : ""}`,
            );
          }
        }
      }
    }
  }
  const lab = session.topology() as { servicesWritten?: typeof written };
  written.push(...(lab.servicesWritten ?? []));
} catch (error) {
  console.error("bench:services: stopped by an error:", error);
  process.exitCode = 1;
} finally {
  try {
    await session.close();
  } catch (error) {
    console.error("bench:services: closing the lab session failed:", error);
    process.exitCode = 1;
  }
}

const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)}%`;
const ratioText = (r: RatioEstimate | null) =>
  !r
    ? "n/a"
    : r.ciLow === null || r.ciHigh === null
      ? `${r.ratio.toFixed(3)} (n=${r.n}, too few for an interval)`
      : `${r.ratio.toFixed(3)} [${r.ciLow.toFixed(3)}, ${r.ciHigh.toFixed(3)}] (${pct(r.ratio)}, n=${r.n})`;
const medianText = (xs: number[]) => {
  if (xs.length === 0) return "no trial";
  const d = describe(xs);
  const ci = medianInterval(xs);
  return `${d.median.toFixed(1)}${ci ? ` [${ci.low.toFixed(1)}, ${ci.high.toFixed(1)}]` : ""} (n=${d.n})`;
};
/** Blocks where both cells have a value: paired samples. */
const paired = (a: (number | null)[] = [], b: (number | null)[] = []) => {
  const x: number[] = [];
  const y: number[] = [];
  a.forEach((v, i) => {
    const w = b[i];
    if (v !== null && v !== undefined && w !== null && w !== undefined) {
      x.push(v);
      y.push(w);
    }
  });
  return [x, y] as const;
};
const present = (a: (number | null)[] = []) => a.filter((v): v is number => v !== null);

console.log(
  `bench:services — lab, ${placement}, ${family}, ${duration} s trials × ${blocks} blocks, modes in seeded random order per block (${((performance.now() - started) / 60000).toFixed(1)} min)`,
);
console.log(
  "  medians with 95% distribution-free intervals; ratios eBPF/legacy with 95% t intervals, paired by block",
);
for (const services of counts)
  for (const test of tests)
    for (const destination of destinations) {
      const [l, e] = [cell(services, test, destination, "legacy"), cell(services, test, destination, "ebpf")];
      console.log(
        `  ${String(services).padStart(5)} Services  ${test.padEnd(7)} → ${destination.padEnd(7)} legacy ${medianText(present(l))}  eBPF ${medianText(present(e))}  ${unitOf(test)}`,
      );
      console.log(`${" ".repeat(39)}eBPF/legacy ${ratioText(pairedRatio(...paired(l, e)))}`);
    }
if (destinations.includes("service") && destinations.includes("pod")) {
  console.log("  Service/pod, same mode (paired by block):");
  for (const services of counts)
    for (const test of tests)
      for (const mode of modes)
        console.log(
          `    ${String(services).padStart(5)} ${test.padEnd(7)} ${mode.padEnd(6)} ${ratioText(pairedRatio(...paired(cell(services, test, "pod", mode), cell(services, test, "service", mode))))}`,
        );
}
if (counts.length >= 2) {
  const [small, large] = [counts[0] as number, counts.at(-1) as number];
  console.log(`  ${large} Services / ${small} Services, same mode and destination (unpaired):`);
  for (const test of tests)
    for (const destination of destinations)
      for (const mode of modes)
        console.log(
          `    ${test.padEnd(7)} → ${destination.padEnd(7)} ${mode.padEnd(6)} ${ratioText(unpairedRatio(present(cell(small, test, destination, mode)), present(cell(large, test, destination, mode))))}`,
        );
}
for (const w of written)
  console.log(
    `  Services ${w.from} → ${w.count}: iptables-restore ${(w.iptablesMs / 1000).toFixed(2)} s + ip6tables-restore ${(w.ip6tablesMs / 1000).toFixed(2)} s (all nodes, ${w.rulesPerNode} nat rules per node and family); socket-LB map ${(w.mapMs / 1000).toFixed(2)} s (${w.mapCommands} updates, one bpftool batch)`,
  );
if (dropped.length > 0) {
  console.log(`  ${dropped.length} trials dropped (no proof of their path, or netperf failed):`);
  for (const d of dropped) console.log(`    ${d}`);
}
