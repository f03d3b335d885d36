/**
 * Encoding of the lab's socket-level load balancer's maps (bpf/rb_sock.bpf.c) as bpftool batch
 * lines, and decoding of what it counted. Pure: the lab runs the commands (service-lab.ts).
 *
 * Layout, after Cilium's lb4/lb6 service maps: per Service port and family, a service entry
 * (slot 0: backend count, and the entry's translation hits) and one slot per backend (slot
 * n: backend id); rb_backends maps an id to an address and port.
 */
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import {
  BpfDumpError,
  byteList,
  CONFIG_SLOTS,
  dumpEntries,
  fromBytes,
  ip4Bytes,
  ip6Bytes,
  parsePerCpuArrayDump,
} from "./bpf-maps.js";
import { BPF_PIN_ROOT, LAB_PREFIX } from "./plan.js";
import type { IpFamily, LabService } from "./services.js";

/** Where the socket LB's programs and maps are pinned (lab-wide: one set for the lab's cgroup). */
export const SOCK_PIN_DIR = `${BPF_PIN_ROOT}/${LAB_PREFIX}sock`;

/** The programs of rb_sock.bpf.c and the cgroup attach type of each (bpftool's names). */
export const SOCK_PROGRAMS = [
  ["rb_connect4", "connect4"],
  ["rb_sendmsg4", "sendmsg4"],
  ["rb_recvmsg4", "recvmsg4"],
  ["rb_getpeername4", "getpeername4"],
  ["rb_connect6", "connect6"],
  ["rb_sendmsg6", "sendmsg6"],
  ["rb_recvmsg6", "recvmsg6"],
  ["rb_getpeername6", "getpeername6"],
] as const;

/** Counter slots, in the order of `enum rb_sock_counter`. */
export const SOCK_COUNTER_NAMES = [
  "connect4Xlate",
  "connect4Pass",
  "sendmsg4Xlate",
  "recvmsg4Revnat",
  "getpeername4Revnat",
  "connect6Xlate",
  "connect6Pass",
  "sendmsg6Xlate",
  "recvmsg6Revnat",
  "getpeername6Revnat",
  "noBackend",
] as const;
export type SockCounterName = (typeof SOCK_COUNTER_NAMES)[number];
export type SockCounters = Record<SockCounterName, number>;

export function parseSockCountersDump(json: string): SockCounters {
  return parsePerCpuArrayDump(json, SOCK_COUNTER_NAMES, "rb_sock_counters");
}

export function subtractSockCounters(after: SockCounters, before: SockCounters): SockCounters {
  return Object.fromEntries(SOCK_COUNTER_NAMES.map((n) => [n, after[n] - before[n]])) as SockCounters;
}

/** Connections (and UDP sends) the socket LB translated, both families. */
export function sockTranslations(counters: SockCounters): number {
  return counters.connect4Xlate + counters.sendmsg4Xlate + counters.connect6Xlate + counters.sendmsg6Xlate;
}

const IPPROTO_TCP = 6;

function u16le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** An address as the maps hold it: 16 bytes, IPv4 in the first four, network order. */
export function addrBytes(ip: string, family: IpFamily): number[] {
  return family === "ipv4" ? [...ip4Bytes(ip), ...Array<number>(12).fill(0)] : ip6Bytes(ip);
}

/** struct rb_svc_key (24 bytes): address, port (network order), family 4|6, protocol, slot (host order), pad. */
export function serviceKey(ip: string, port: number, family: IpFamily, slot: number): number[] {
  return [
    ...addrBytes(ip, family),
    (port >>> 8) & 0xff,
    port & 0xff,
    family === "ipv4" ? 4 : 6,
    IPPROTO_TCP,
    ...u16le(slot),
    0,
    0,
  ];
}

/** struct rb_backend (20 bytes): address, port (network order), family, pad. */
export function backendValue(ip: string, port: number, family: IpFamily): number[] {
  return [...addrBytes(ip, family), (port >>> 8) & 0xff, port & 0xff, family === "ipv4" ? 4 : 6, 0];
}

/** A backend's id: one per Service, port (up to 32), endpoint (up to 4) and family, never 0. */
export function backendId(service: LabService, port: number, endpoint: number, family: IpFamily): number {
  return ((service.index * 32 + port) * 4 + endpoint) * 2 + (family === "ipv4" ? 0 : 1) + 1;
}

/** The service-entry (slot 0) key of each port of a Service in one family (only `ports` when given). */
export function serviceEntryKeys(
  service: LabService,
  family: IpFamily,
  ports?: readonly number[],
): number[][] {
  const ip = family === "ipv4" ? service.clusterIp : service.clusterIp6;
  return service.ports
    .filter((port) => !ports || ports.includes(port.port))
    .map((port) => serviceKey(ip, port.port, family, 0));
}

const FAMILIES: readonly IpFamily[] = ["ipv4", "ipv6"];

/** bpftool batch lines writing a Service's entries in both families: backends first, then slots, then the service entry. */
export function serviceUpdateCommands(pinDir: string, service: LabService): string[] {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const ip = family === "ipv4" ? service.clusterIp : service.clusterIp6;
    service.ports.forEach((port, p) => {
      service.endpoints.forEach((endpoint, e) => {
        const id = backendId(service, p, e, family);
        const address = family === "ipv4" ? endpoint.ip : endpoint.ip6;
        lines.push(
          `map update pinned ${pinDir}/maps/rb_backends key ${byteList(u32le(id))} value ${byteList(backendValue(address, port.targetPort, family))}`,
          `map update pinned ${pinDir}/maps/rb_services key ${byteList(serviceKey(ip, port.port, family, e + 1))} value ${byteList([...u32le(id), 0, 0, 0, 0])}`,
        );
      });
      lines.push(
        `map update pinned ${pinDir}/maps/rb_services key ${byteList(serviceKey(ip, port.port, family, 0))} value ${byteList([...u32le(service.endpoints.length), 0, 0, 0, 0])}`,
      );
    });
  }
  return lines;
}

/** bpftool batch lines removing a Service's entries in both families: the service entry first. */
export function serviceDeleteCommands(pinDir: string, service: LabService): string[] {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const ip = family === "ipv4" ? service.clusterIp : service.clusterIp6;
    service.ports.forEach((port, p) => {
      lines.push(
        `map delete pinned ${pinDir}/maps/rb_services key ${byteList(serviceKey(ip, port.port, family, 0))}`,
      );
      service.endpoints.forEach((_, e) => {
        lines.push(
          `map delete pinned ${pinDir}/maps/rb_services key ${byteList(serviceKey(ip, port.port, family, e + 1))}`,
          `map delete pinned ${pinDir}/maps/rb_backends key ${byteList(u32le(backendId(service, p, e, family)))}`,
        );
      });
    });
  }
  return lines;
}

/** rb_sock_config lines: translation on in eBPF mode, off in legacy; the generation written first. */
export function sockConfigCommands(pinDir: string, mode: RoutingMode, generation: number): string[] {
  const line = (slot: number, value: number) =>
    `map update pinned ${pinDir}/maps/rb_sock_config key ${byteList(u32le(slot))} value ${byteList(u32le(value))}`;
  return [line(CONFIG_SLOTS.generation, generation >>> 0), line(CONFIG_SLOTS.mode, mode === "ebpf" ? 1 : 0)];
}

/** A service entry's translation hits from `bpftool -j map lookup` (one entry object, or a one-entry list). */
export function parseServiceHits(json: string): number {
  const trimmed = json.trim();
  const list = dumpEntries(trimmed.startsWith("[") ? trimmed : `[${trimmed}]`, "rb_services");
  const entry = list[0];
  if (!entry) throw new BpfDumpError("rb_services: the lookup printed no entry");
  const formatted = entry.formatted?.value as { hits?: unknown } | undefined;
  if (formatted && typeof formatted.hits === "number") return formatted.hits;
  if (!Array.isArray(entry.value) || entry.value.length !== 8)
    throw new BpfDumpError("rb_services: a service entry's value is not 8 bytes");
  return fromBytes(entry.value.slice(4), "rb_services hits");
}
