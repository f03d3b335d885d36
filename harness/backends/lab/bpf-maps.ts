/**
 * Encoding and decoding of the lab program's BPF maps (bpf/rb_host.bpf.c), as bpftool
 * commands and bpftool JSON. Pure: the lab runs the commands.
 */
import type { PodPlan, RoutingMode } from "./plan.js";

export const BPF_OBJECT = "bpf/build/rb_host.bpf.o";

/** Counter slots, in the order of `enum rb_counter` in bpf/rb_host.bpf.c. */
export const COUNTER_NAMES = [
  "passLegacy",
  "redirectPeer",
  "redirectFib",
  "redirectNeigh",
  "stackNonIpv4",
  "stackNotRouted",
  "stackTtl",
  "stackIpOptions",
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

const MODE_VALUES: Record<RoutingMode, number> = { legacy: 0, ebpf: 1 };

export function zeroCounters(): Counters {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Counters;
}

export function addCounters(a: Counters, b: Counters): Counters {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, a[name] + b[name]])) as Counters;
}

export function subtractCounters(after: Counters, before: Counters): Counters {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, after[name] - before[name]])) as Counters;
}

/** Packets the program redirected (eBPF host routing). */
export function redirects(counters: Counters): number {
  return counters.redirectPeer + counters.redirectFib + counters.redirectNeigh;
}

/** IPv4 packets handed to the kernel stack for routing (legacy host routing or not routable in BPF). */
export function stackPasses(counters: Counters): number {
  return counters.passLegacy + counters.stackNotRouted + counters.stackTtl + counters.stackIpOptions;
}

function bytes(values: number[]): string {
  return values.map((value) => `0x${value.toString(16).padStart(2, "0")}`).join(" ");
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function macBytes(mac: string): number[] {
  return mac.split(":").map((part) => Number.parseInt(part, 16));
}

function ipBytes(ip: string): number[] {
  return ip.split(".").map((part) => Number.parseInt(part, 10));
}

/** bpftool batch line adding a local pod to the node's endpoints map (struct rb_endpoint). */
export function endpointUpdateCommand(pinDir: string, pod: PodPlan, hostIfindex: number): string {
  const key = bytes(ipBytes(pod.ip));
  const value = bytes([...u32le(hostIfindex), ...macBytes(pod.mac), ...macBytes(pod.hostMac)]);
  return `map update pinned ${pinDir}/maps/rb_endpoints key ${key} value ${value}`;
}

/** bpftool arguments setting the node's routing mode (rb_config[0]). */
export function modeUpdateArgs(pinDir: string, mode: RoutingMode): string[] {
  return [
    "map",
    "update",
    "pinned",
    `${pinDir}/maps/rb_config`,
    "key",
    ...bytes(u32le(0)).split(" "),
    "value",
    ...bytes(u32le(MODE_VALUES[mode])).split(" "),
  ];
}

interface BpftoolFormatted<V> {
  formatted?: { key: number; value?: V; values?: { cpu: number; value: number }[] };
}

/** Parses `bpftool -j map dump` of rb_counters (a per-CPU array) into summed counters. */
export function parseCountersDump(json: string): Counters {
  const entries = JSON.parse(json) as BpftoolFormatted<number>[];
  const counters = zeroCounters();
  for (const entry of entries) {
    const formatted = entry.formatted;
    const name = formatted ? COUNTER_NAMES[formatted.key] : undefined;
    if (!formatted || !name) continue;
    counters[name] = (formatted.values ?? []).reduce((sum, cpu) => sum + cpu.value, 0);
  }
  return counters;
}

/** Parses `bpftool -j map dump` of rb_config into the routing mode it holds. */
export function parseModeDump(json: string): RoutingMode | "unknown" {
  const entries = JSON.parse(json) as BpftoolFormatted<number>[];
  const value = entries.find((entry) => entry.formatted?.key === 0)?.formatted?.value;
  const mode = (Object.keys(MODE_VALUES) as RoutingMode[]).find((name) => MODE_VALUES[name] === value);
  return mode ?? "unknown";
}
