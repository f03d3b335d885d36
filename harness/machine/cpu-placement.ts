/**
 * Where netperf and netserver run. On the lab both ends share one CPU by default: every
 * packet of a flow is then sent, routed (softirq runs where the packet is sent on veth) and
 * received on that CPU, in order, with no cross-CPU wake-ups and no idle CPU to wake, so the
 * trial measures the per-packet cost of the host routing and not the scheduler. Measured on a
 * 2-core VM (bench:precision): same-node TCP_RR eBPF/legacy per-pair sd 0.005–0.01 pinned
 * against 0.02–0.2 unpinned, and a busy loop on the other core leaves the pinned ratio as it was.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import type { cpuPlacementSchema } from "../results/schema.js";
import type { Sweep } from "../sweep/schema.js";
import type { Runner } from "../util/runner.js";
import { cpuShares, readProcStat } from "./noise.js";

/** Where netperf and netserver run, as the lab's topology records it (results/schema.ts). */
export type CpuPlacement = z.output<typeof cpuPlacementSchema>;

/** Parses a CPU list such as "0-3,6" (Cpus_allowed_list). Pure. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [from, to] = part.split("-").map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    for (let c = from; c <= (to ?? from); c++) cpus.push(c);
  }
  return cpus;
}

/** The CPUs this process may run on (its children inherit them). */
export function allowedCpus(): number[] {
  const status = readFileSync("/proc/self/status", "utf8");
  const line = status.split("\n").find((l) => l.startsWith("Cpus_allowed_list:"));
  return line ? parseCpuList(line.split(":")[1] ?? "") : [0];
}

/** The least busy of `candidates` over `sampleMs`; ties go to the highest index (CPU 0 tends to take more interrupts). */
export async function quietestCpu(
  candidates: readonly number[],
  sampleMs = 300,
): Promise<{ cpu: number; busyPct: Record<string, number> }> {
  const before = readProcStat();
  await sleep(sampleMs);
  const after = readProcStat();
  const busyPct: Record<string, number> = {};
  let best = candidates[0] ?? 0;
  let bestBusy = Number.POSITIVE_INFINITY;
  for (const cpu of candidates) {
    const b = before.cpus.get(cpu);
    const a = after.cpus.get(cpu);
    if (!a || !b) continue;
    const busy = Math.round(cpuShares(b, a).busyPct * 10) / 10;
    busyPct[String(cpu)] = busy;
    if (busy <= bestBusy) {
      best = cpu;
      bestBusy = busy;
    }
  }
  return { cpu: best, busyPct };
}

/** The sweep's explicit client/server CPUs, or null when it names none. */
function explicitPlacement(cpu: Sweep["cpu"]): CpuPlacement | null {
  if (cpu.client === undefined && cpu.server === undefined) return null;
  const cpus = [...new Set([cpu.client, cpu.server].filter((c): c is number => c !== undefined))];
  return {
    policy: "explicit",
    client: cpu.client ?? null,
    server: cpu.server ?? null,
    cpus,
    reason: `netperf on CPU ${cpu.client ?? "any"} and netserver on CPU ${cpu.server ?? "any"}, as the sweep's cpu setting asks`,
  };
}

function unpinned(reason: string): CpuPlacement {
  return { policy: "unpinned", client: null, server: null, cpus: null, reason };
}

/** For a backend whose CPUs are not this machine's (Kubernetes): explicit CPUs or none. */
export function cpuPlacementWithoutPinning(cpu: Sweep["cpu"]): CpuPlacement {
  return (
    explicitPlacement(cpu) ??
    unpinned(
      "unpinned: the pods' CPUs belong to the cluster's nodes, and the scheduler places netperf and netserver",
    )
  );
}

/** The lab's placement: explicit CPUs, unpinned when asked, else both ends on the quietest CPU (one-cpu). */
export async function resolveCpuPlacement(cpu: Sweep["cpu"]): Promise<CpuPlacement> {
  const explicit = explicitPlacement(cpu);
  if (explicit) return explicit;
  if (cpu.placement === "unpinned") {
    return unpinned(
      "unpinned, as the sweep asks: each transaction may pay cross-CPU wake-ups and idle-CPU exit latency, which dilute the routing difference and change with other load, and one flow's packets may be processed on several CPUs and arrive out of order",
    );
  }
  const candidates = allowedCpus();
  const { cpu: chosen, busyPct } = await quietestCpu(candidates);
  return {
    policy: "one-cpu",
    client: chosen,
    server: chosen,
    cpus: [chosen],
    busyPct,
    reason: `netperf and netserver share CPU ${chosen} (the least busy of CPUs ${candidates.join(",")} at the start: ${Object.entries(
      busyPct,
    )
      .map(([c, b]) => `CPU ${c} ${b}% busy`)
      .join(
        ", ",
      )}), so each flow is sent, routed and received on one CPU, in order: the figures isolate the per-packet cost of host routing from cross-CPU wake-ups and idle-CPU exit latency. Absolute rates are those of one CPU doing both ends' work; the ratios are what to read.`,
  };
}

/**
 * Moves this process (every thread, and so the children it starts later: bpftool, iptables-save,
 * the noise sampler) off the benchmark's CPUs, so the harness never competes with netperf and
 * netserver there. Only this process: no other process's placement changes. Returns a function
 * that restores the previous placement; a no-op when no CPU would be left.
 */
export async function keepHarnessOff(
  runner: Runner,
  benchCpus: readonly number[] | null,
): Promise<() => Promise<void>> {
  const allowed = allowedCpus();
  const rest = allowed.filter((cpu) => !(benchCpus ?? []).includes(cpu));
  if (!benchCpus || rest.length === 0 || rest.length === allowed.length) return async () => {};
  const set = async (cpus: readonly number[]) => {
    await runner.run(["taskset", "-a", "-p", "-c", cpus.join(","), String(process.pid)]);
  };
  await set(rest);
  return () => set(allowed);
}
