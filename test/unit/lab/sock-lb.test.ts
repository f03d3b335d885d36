/**
 * The socket LB's map entries, byte by byte against the structs of bpf/rb_sock.bpf.c
 * (rb_svc_key: 16 address bytes, port in network order, family, protocol, slot little-endian,
 * pad; rb_svc_value: count or backend id, hits; rb_backend: address, port, family, pad), and
 * the decoding of its counters and a Service entry's hits.
 */
import { describe, expect, it } from "vitest";
import { endpoint6UpdateCommand, ip6Bytes } from "../../../harness/backends/lab/bpf-maps.js";
import { planLab } from "../../../harness/backends/lab/plan.js";
import { labServices } from "../../../harness/backends/lab/services.js";
import {
  backendId,
  backendValue,
  parseServiceHits,
  parseSockCountersDump,
  SOCK_COUNTER_NAMES,
  serviceDeleteCommands,
  serviceKey,
  serviceUpdateCommands,
  sockConfigCommands,
  sockTranslations,
} from "../../../harness/backends/lab/sock-lb.js";

const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 4 });
const le32 = (n: number) =>
  [0, 8, 16, 24].map((shift) => `0x${((n >>> shift) & 0xff).toString(16).padStart(2, "0")}`).join(" ");
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

describe("IPv6 addresses as map bytes", () => {
  it("expands :: and keeps network order", () => {
    expect(hex(ip6Bytes("fd00:c613:0:2::a"))).toBe("fd00c61300000002000000000000000a");
    expect(hex(ip6Bytes("::1"))).toBe(`${"00".repeat(15)}01`);
    expect(hex(ip6Bytes("fd00:c612:8000::2710"))).toBe("fd00c612800000000000000000002710");
    expect(() => ip6Bytes("1:2:3")).toThrow(/not an IPv6 address/);
    expect(() => ip6Bytes("fd00::g")).toThrow(/not an IPv6 address/);
  });

  it("adds a pod's IPv6 address to the node's rb_endpoints6 with the same value as IPv4", () => {
    const pod = plan.nodes[0]?.pods[0];
    if (!pod) throw new Error("shape");
    expect(endpoint6UpdateCommand("/sys/fs/bpf/rb-node1", pod, 7)).toBe(
      "map update pinned /sys/fs/bpf/rb-node1/maps/rb_endpoints6 key 0xfd 0x00 0xc6 0x13 0x00 0x00 0x00 0x01 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x0a value 0x07 0x00 0x00 0x00 0x02 0x00 0xc6 0x13 0x01 0x01 0x02 0x01 0xc6 0x13 0x01 0x01",
    );
  });
});

describe("service map entries", () => {
  it("encodes struct rb_svc_key in 24 bytes", () => {
    expect(hex(serviceKey("198.18.128.2", 12865, "ipv4", 0))).toBe(
      `c6128002${"00".repeat(12)}3241${"04"}${"06"}0000${"0000"}`,
    );
    expect(serviceKey("fd00:c612:8000::2", 80, "ipv6", 258)).toHaveLength(24);
    expect(hex(serviceKey("fd00:c612:8000::2", 80, "ipv6", 258).slice(16))).toBe("0050060602010000");
  });

  it("encodes struct rb_backend in 20 bytes", () => {
    expect(hex(backendValue("198.19.2.10", 12866, "ipv4"))).toBe(`c613020a${"00".repeat(12)}32420400`);
  });

  it("gives every backend a distinct non-zero id", () => {
    const services = labServices(plan, 10000);
    const ids = new Set<number>();
    for (const s of services)
      s.ports.forEach((_, p) => {
        s.endpoints.forEach((_, e) => {
          for (const family of ["ipv4", "ipv6"] as const) ids.add(backendId(s, p, e, family));
        });
      });
    expect(ids.has(0)).toBe(false);
    expect(ids.size).toBe(2 * (2 * 17 + 9998 * 2));
    expect(Math.max(...ids)).toBeLessThan(2 ** 32);
  });

  it("writes a Service's backends, then its slots, then its service entry, in both families", () => {
    const service = labServices(plan, 2)[1];
    if (!service) throw new Error("shape");
    const lines = serviceUpdateCommands("/p", service);
    // 2 families × 17 ports (control, 16 data) × (backend + slot + service entry)
    expect(lines).toHaveLength(2 * 17 * 3);
    expect(lines[0]).toBe(
      `map update pinned /p/maps/rb_backends key ${le32(backendId(service, 0, 0, "ipv4"))} value 0xc6 0x13 0x02 0x0a ${"0x00 ".repeat(12)}0x32 0x41 0x04 0x00`,
    );
    expect(lines[1]).toMatch(
      /^map update pinned \/p\/maps\/rb_services key 0xc6 0x12 0x80 0x02 .* 0x32 0x41 0x04 0x06 0x01 0x00 0x00 0x00 value /,
    );
    expect(lines[2]).toBe(
      `map update pinned /p/maps/rb_services key 0xc6 0x12 0x80 0x02 ${"0x00 ".repeat(12)}0x32 0x41 0x04 0x06 0x00 0x00 0x00 0x00 value 0x01 0x00 0x00 0x00 0x00 0x00 0x00 0x00`,
    );
    const deletes = serviceDeleteCommands("/p", service);
    expect(deletes).toHaveLength(2 * 17 * 3);
    expect(deletes[0]).toBe(
      `map delete pinned /p/maps/rb_services key ${lines[2]?.split(" key ")[1]?.split(" value")[0]}`,
    );
  });

  it("turns translation on in eBPF mode only, the generation first", () => {
    expect(sockConfigCommands("/p", "ebpf", 7)).toEqual([
      "map update pinned /p/maps/rb_sock_config key 0x01 0x00 0x00 0x00 value 0x07 0x00 0x00 0x00",
      "map update pinned /p/maps/rb_sock_config key 0x00 0x00 0x00 0x00 value 0x01 0x00 0x00 0x00",
    ]);
    expect(sockConfigCommands("/p", "legacy", 8)[1]).toMatch(/value 0x00 0x00 0x00 0x00$/);
  });
});

describe("socket LB readings", () => {
  it("sums per-CPU counters and counts translations of both families", () => {
    const dump = JSON.stringify(
      SOCK_COUNTER_NAMES.map((_, k) => ({
        formatted: {
          key: k,
          values: [
            { cpu: 0, value: k },
            { cpu: 1, value: 10 * k },
          ],
        },
      })),
    );
    const counters = parseSockCountersDump(dump);
    expect(counters.connect4Pass).toBe(11);
    expect(sockTranslations(counters)).toBe(11 * (0 + 2 + 5 + 7));
    expect(() => parseSockCountersDump("[]")).toThrow(/rb_sock_counters: no value for connect4Xlate/);
  });

  it("reads a Service entry's hits, with BTF or from raw bytes", () => {
    expect(
      parseServiceHits(
        JSON.stringify({
          key: [],
          value: [],
          formatted: { key: {}, value: { count_or_backend: 1, hits: 42 } },
        }),
      ),
    ).toBe(42);
    expect(
      parseServiceHits(
        JSON.stringify({ key: [], value: ["0x01", "0x00", "0x00", "0x00", "0x2a", "0x01", "0x00", "0x00"] }),
      ),
    ).toBe(298);
    expect(() => parseServiceHits(JSON.stringify({ key: [], value: ["0x01"] }))).toThrow(/not 8 bytes/);
  });
});
