/**
 * Over 300 lines on purpose: every encoding of the program's maps (bpftool JSON, the pinned
 * bpffs print, the IPv4 and IPv6 endpoint keys) in one place, so the readers cannot disagree.
 *
 * Encoding and decoding of the lab program's BPF maps (bpf/rb_host.bpf.c), as bpftool
 * commands and bpftool JSON. Pure: the lab runs the commands.
 */
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import type { PodPlan } from "./plan.js";

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
  "passLegacy6",
  "redirectPeer6",
  "redirectFib6",
  "redirectNeigh6",
  "stackNotRouted6",
  "stackHopLimit6",
  "stackOther6",
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

/** Packets the program redirected (eBPF host routing), both families. */
export function redirects(counters: Counters): number {
  return redirects4(counters) + redirects6(counters);
}

export function redirects4(counters: Counters): number {
  return counters.redirectPeer + counters.redirectFib + counters.redirectNeigh;
}

export function redirects6(counters: Counters): number {
  return counters.redirectPeer6 + counters.redirectFib6 + counters.redirectNeigh6;
}

/** IP packets handed to the kernel stack for routing (legacy host routing or not routable in BPF), both families. */
export function stackPasses(counters: Counters): number {
  return stackPasses4(counters) + stackPasses6(counters);
}

export function stackPasses4(counters: Counters): number {
  return counters.passLegacy + counters.stackNotRouted + counters.stackTtl + counters.stackIpOptions;
}

/** IPv6 TCP/UDP packets handed to the stack (ICMPv6 and extension headers are not: stackOther6). */
export function stackPasses6(counters: Counters): number {
  return counters.passLegacy6 + counters.stackNotRouted6 + counters.stackHopLimit6;
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

/** The 16 bytes of an IPv6 address in network order (`::` expanded). */
export function ip6Bytes(ip: string): number[] {
  const [head = "", tail] = ip.split("::");
  const groups = (text: string) => (text === "" ? [] : text.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) throw new Error(`not an IPv6 address: ${ip}`);
  const words = [...left, ...Array<string>(missing).fill("0"), ...right].map((g) => {
    const word = Number.parseInt(g, 16);
    if (!/^[0-9a-f]{1,4}$/i.test(g) || !Number.isInteger(word)) throw new Error(`not an IPv6 address: ${ip}`);
    return word;
  });
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** The 4 bytes of an IPv4 address in network order. */
export function ip4Bytes(ip: string): number[] {
  const parts = ipBytes(ip);
  if (parts.length !== 4 || parts.some((b) => !Number.isInteger(b) || b < 0 || b > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return parts;
}

/** bpftool-style byte list (`0x0a 0x01 …`). */
export function byteList(values: readonly number[]): string {
  return bytes([...values]);
}

/** bpftool batch line adding a local pod to the node's endpoints map (struct rb_endpoint). */
export function endpointUpdateCommand(pinDir: string, pod: PodPlan, hostIfindex: number): string {
  const key = bytes(ipBytes(pod.ip));
  const value = bytes([...u32le(hostIfindex), ...macBytes(pod.mac), ...macBytes(pod.hostMac)]);
  return `map update pinned ${pinDir}/maps/rb_endpoints key ${key} value ${value}`;
}

/** bpftool batch line adding a local pod's IPv6 address to the node's rb_endpoints6 map. */
export function endpoint6UpdateCommand(pinDir: string, pod: PodPlan, hostIfindex: number): string {
  const key = bytes(ip6Bytes(pod.ip6));
  const value = bytes([...u32le(hostIfindex), ...macBytes(pod.mac), ...macBytes(pod.hostMac)]);
  return `map update pinned ${pinDir}/maps/rb_endpoints6 key ${key} value ${value}`;
}

/** rb_config slots (enum rb_config_slot in bpf/rb_host.bpf.c). */
export const CONFIG_SLOTS = { mode: 0, generation: 1 } as const;

/**
 * bpftool batch lines setting a node's routing mode and the switch generation. The
 * generation is written first: a reader that sees the new mode also sees its generation.
 */
export function configUpdateCommands(pinDir: string, mode: RoutingMode, generation: number): string[] {
  const line = (slot: number, value: number) =>
    `map update pinned ${pinDir}/maps/rb_config key ${bytes(u32le(slot))} value ${bytes(u32le(value))}`;
  return [line(CONFIG_SLOTS.generation, generation >>> 0), line(CONFIG_SLOTS.mode, MODE_VALUES[mode])];
}

/** One entry of `bpftool -j map dump`: raw bytes always, `formatted` only when the map has BTF. */
export interface BpftoolEntry {
  key?: unknown;
  value?: unknown;
  values?: unknown;
  formatted?: { key?: unknown; value?: unknown; values?: unknown };
}

/** Why a bpftool dump could not be read: an error, never a zero. */
export class BpfDumpError extends Error {
  override name = "BpfDumpError";
}

export function dumpEntries(json: string, what: string): BpftoolEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new BpfDumpError(`${what}: bpftool printed no JSON: ${JSON.stringify(json.slice(0, 120))}`);
  }
  if (!Array.isArray(parsed)) throw new BpfDumpError(`${what}: expected a JSON array of map entries`);
  return parsed as BpftoolEntry[];
}

/** Little-endian integer from bpftool's raw byte strings ("0x2a"), as the map stores it on x86 and arm64. */
export function fromBytes(bytes: unknown, what: string): number {
  if (!Array.isArray(bytes) || bytes.length === 0 || bytes.length > 8)
    throw new BpfDumpError(`${what}: raw bytes missing or of an unexpected size`);
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = Number.parseInt(String(bytes[i]), 16);
    if (!Number.isInteger(byte) || byte < 0 || byte > 255)
      throw new BpfDumpError(`${what}: unreadable byte ${String(bytes[i])}`);
    value = value * 256 + byte;
  }
  return value;
}

function wholeNumber(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new BpfDumpError(`${what}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

/** An entry's key, from BTF when bpftool formatted it, else from its raw bytes. */
function entryKey(entry: BpftoolEntry, what: string): number {
  return entry.formatted
    ? wholeNumber(entry.formatted.key, `${what} key`)
    : fromBytes(entry.key, `${what} key`);
}

/** A plain array entry's value. */
function entryValue(entry: BpftoolEntry, what: string): number {
  if (entry.formatted) return wholeNumber(entry.formatted.value, what);
  return fromBytes(entry.value, what);
}

/** A per-CPU entry's values, summed over CPUs. */
function perCpuSum(entry: BpftoolEntry, what: string): number {
  const list = entry.formatted ? entry.formatted.values : entry.values;
  if (!Array.isArray(list) || list.length === 0) throw new BpfDumpError(`${what}: no per-CPU values`);
  return list.reduce<number>((sum, cpu: { value?: unknown }) => {
    const value = entry.formatted ? wholeNumber(cpu?.value, what) : fromBytes(cpu?.value, what);
    return sum + value;
  }, 0);
}

/**
 * Sums a per-CPU array dump into named slots (`names[k]` is slot k). Reads BTF-formatted and
 * raw dumps alike; a slot in `names` with no entry is a BpfDumpError, except the `optional`
 * names when none of them is there (an object older than those slots). Slots past `names`
 * are ignored (a newer program: the known ones still count).
 */
export function parsePerCpuArrayDump<N extends string>(
  json: string,
  names: readonly N[],
  map: string,
  optional: readonly N[] = [],
): Record<N, number> {
  const counters: Partial<Record<N, number>> = {};
  for (const entry of dumpEntries(json, map)) {
    const key = entryKey(entry, map);
    const name = names[key];
    if (!name) continue;
    counters[name] = perCpuSum(entry, `${map}[${name}]`);
  }
  if (optional.every((name) => counters[name] === undefined)) for (const name of optional) counters[name] = 0;
  const missing = names.filter((name) => counters[name] === undefined);
  if (missing.length > 0) throw new BpfDumpError(`${map}: no value for ${missing.join(", ")}`);
  return counters as Record<N, number>;
}

/** The IPv6 slots (8 and up): absent as a group from an object built before IPv6 routing, they read 0. */
const IPV6_COUNTERS = COUNTER_NAMES.filter((name) => name.endsWith("6"));

/**
 * Parses `bpftool -j map dump` of rb_counters (a per-CPU array) into summed counters. Reads
 * BTF-formatted and raw dumps alike; a missing slot or an unreadable value is a BpfDumpError.
 * An object without the IPv6 slots reads them as 0: no IPv6 trial can pass on it.
 */
export function parseCountersDump(json: string): Counters {
  return parsePerCpuArrayDump(json, COUNTER_NAMES, "rb_counters", IPV6_COUNTERS);
}

/** What rb_config holds: the mode the program routes in and the generation of the last switch. */
export interface ConfigReading {
  mode: RoutingMode | "unknown";
  generation: number;
}

/** Parses `bpftool -j map dump` of rb_config (slot 0 the mode, slot 1 the switch generation). */
export function parseConfigDump(json: string, map = "rb_config"): ConfigReading {
  const slots = new Map<number, number>();
  for (const entry of dumpEntries(json, map)) slots.set(entryKey(entry, map), entryValue(entry, map));
  return configFromSlots(slots, map);
}

function configFromSlots(slots: ReadonlyMap<number, number>, map = "rb_config"): ConfigReading {
  const modeValue = slots.get(CONFIG_SLOTS.mode);
  const generation = slots.get(CONFIG_SLOTS.generation);
  if (modeValue === undefined || generation === undefined)
    throw new BpfDumpError(
      `${map}: the mode or generation slot is missing (a BPF object older than this harness?)`,
    );
  const mode = (Object.keys(MODE_VALUES) as RoutingMode[]).find((name) => MODE_VALUES[name] === modeValue);
  return { mode: mode ?? "unknown", generation };
}

/** Parses `bpftool -j batch file -`: each command's output, in order, as JSON text for the parsers above. */
export function parseBatchOutput(json: string, expected: number): string[] {
  const results = dumpEntries(json, "bpftool batch") as { output?: unknown; error?: unknown }[];
  if (results.length !== expected)
    throw new BpfDumpError(`bpftool batch: expected ${expected} results, got ${results.length}`);
  return results.map((result, i) => {
    if (result.error !== undefined || result.output === undefined)
      throw new BpfDumpError(
        `bpftool batch: command ${i + 1} failed: ${JSON.stringify(result.error ?? "no output")}`,
      );
    return JSON.stringify(result.output);
  });
}

/** bpftool batch lines that dump a node's counters and config, in that order. */
export function dumpCommands(pinDir: string): string[] {
  return [`map dump pinned ${pinDir}/maps/rb_counters`, `map dump pinned ${pinDir}/maps/rb_config`];
}

/**
 * The same maps read from their pinned files: a map with BTF pinned in bpffs prints its entries
 * when read (the kernel's bpffs "pretty print", kernel/bpf/inode.c map_seq_show; per-CPU arrays
 * since 4.20), with no process to start. The kernel warns that this format may change, so the
 * parsers below accept exactly the shape seen (test/fixtures/bpffs) and throw a BpfDumpError on
 * anything else; the reader then falls back to bpftool (probe.ts).
 */
const PINNED_HEADER = /^# WARNING!! .*$/;

/** A node's pinned rb_counters and rb_config files, in that order. */
export function pinnedMapPaths(pinDir: string): [string, string] {
  return [`${pinDir}/maps/rb_counters`, `${pinDir}/maps/rb_config`];
}

function pinnedLines(text: string, what: string): string[] {
  const lines = text.split("\n").filter((line) => line !== "" && !PINNED_HEADER.test(line));
  if (lines.length === 0) throw new BpfDumpError(`${what}: the pinned map printed no entries`);
  return lines;
}

function pinnedNumber(text: string | undefined, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text ?? "") || !Number.isSafeInteger(value))
    throw new BpfDumpError(`${what}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}

/** Parses the pinned rb_counters file (`slot: {` / `\tcpuN: value` / `}`) into summed counters. */
export function parsePinnedCounters(text: string): Counters {
  const counters: Partial<Counters> = {};
  let slot: { name: CounterName | undefined; sum: number; cpus: number } | null = null;
  for (const line of pinnedLines(text, "rb_counters")) {
    const open = /^(\d+): \{$/.exec(line);
    const cpu = /^\tcpu\d+: (\S+)$/.exec(line);
    if (open && !slot) {
      const key = pinnedNumber(open[1], "rb_counters key");
      slot = { name: COUNTER_NAMES[key], sum: 0, cpus: 0 };
    } else if (cpu && slot) {
      slot.sum += pinnedNumber(cpu[1], `rb_counters[${slot.name ?? "?"}]`);
      slot.cpus++;
    } else if (line === "}" && slot) {
      if (slot.cpus === 0) throw new BpfDumpError(`rb_counters[${slot.name ?? "?"}]: no per-CPU values`);
      if (slot.name) counters[slot.name] = slot.sum; // a newer program's extra slot: the known ones still count
      slot = null;
    } else throw new BpfDumpError(`rb_counters: unexpected line in the pinned map: ${JSON.stringify(line)}`);
  }
  if (slot) throw new BpfDumpError("rb_counters: the pinned map's last entry is cut short");
  // as parseCountersDump: an object without the IPv6 slots reads them as 0 (no IPv6 trial can pass on it)
  for (const name of IPV6_COUNTERS) counters[name] ??= 0;
  const missing = COUNTER_NAMES.filter((name) => counters[name] === undefined);
  if (missing.length > 0) throw new BpfDumpError(`rb_counters: no value for ${missing.join(", ")}`);
  return counters as Counters;
}

/** Parses the pinned rb_config file (`slot: value` lines). */
export function parsePinnedConfig(text: string): ConfigReading {
  const slots = new Map<number, number>();
  for (const line of pinnedLines(text, "rb_config")) {
    const entry = /^(\d+): (\S+)$/.exec(line);
    if (!entry)
      throw new BpfDumpError(`rb_config: unexpected line in the pinned map: ${JSON.stringify(line)}`);
    slots.set(pinnedNumber(entry[1], "rb_config key"), pinnedNumber(entry[2], "rb_config"));
  }
  return configFromSlots(slots);
}
