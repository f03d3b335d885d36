/** The lab's BPF map encodings and readers. Over 300 lines: one file per module under test, its encoders and parsers together. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  addCounters,
  BpfDumpError,
  COUNTER_NAMES,
  type Counters,
  configUpdateCommands,
  dumpCommands,
  endpointUpdateCommand,
  parseBatchOutput,
  parseConfigDump,
  parseCountersDump,
  parsePinnedConfig,
  parsePinnedCounters,
  pinnedMapPaths,
  redirects,
  stackPasses,
  subtractCounters,
  zeroCounters,
} from "../../../harness/backends/lab/bpf-maps.js";
import { planLab } from "../../../harness/backends/lab/plan.js";
import { judgeDirectPath, judgeTrialPath, type ProbeDelta } from "../../../harness/backends/lab/probe.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");

describe("BPF map encoding", () => {
  const pod = planLab().nodes[0]?.pods[1];
  if (!pod) throw new Error("plan shape");

  it("encodes struct rb_endpoint: little-endian ifindex, pod MAC, node-side MAC; key in network order", () => {
    expect(endpointUpdateCommand("/sys/fs/bpf/rb-node1", pod, 0x0104)).toBe(
      "map update pinned /sys/fs/bpf/rb-node1/maps/rb_endpoints key 0xc6 0x13 0x01 0x0b value 0x04 0x01 0x00 0x00 0x02 0x00 0xc6 0x13 0x01 0x02 0x02 0x01 0xc6 0x13 0x01 0x02",
    );
  });

  it("writes the generation before the mode, each a u32 in its rb_config slot", () => {
    expect(configUpdateCommands("/p", "ebpf", 7)).toEqual([
      "map update pinned /p/maps/rb_config key 0x01 0x00 0x00 0x00 value 0x07 0x00 0x00 0x00",
      "map update pinned /p/maps/rb_config key 0x00 0x00 0x00 0x00 value 0x01 0x00 0x00 0x00",
    ]);
  });
});

// Captured from the real bpftool (test/fixtures/bpftool/VERSION.txt) on this project's lab:
// *-btf.json from the lab's maps (BTF present: bpftool adds `formatted`), *-nobtf.json from maps
// made with `bpftool map create` (no BTF: raw little-endian bytes only).
const fixture = (name: string) => readFileSync(join(FIXTURES, "bpftool", name), "utf8");

// Read from the lab's pinned maps (`cat /sys/fs/bpf/rb-node1/maps/rb_counters`, kernel 6.18,
// test/fixtures/bpftool/VERSION.txt) while the lab ran eBPF trials, at generation 113.
const pinned = (name: string) => readFileSync(join(FIXTURES, "bpffs", name), "utf8");
const PINNED_HEADER =
  "# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n";

describe("BPF maps read from their pinned files (bpffs pretty print)", () => {
  it("sums each slot's per-CPU values to the fixture's exact totals", () => {
    expect(parsePinnedCounters(pinned("rb_counters.txt"))).toEqual({
      ...zeroCounters(),
      passLegacy: 1 + 11003708,
      redirectPeer: 8444186,
      redirectFib: 3463355,
      stackNonIpv4: 27 + 37,
    });
    expect(parsePinnedConfig(pinned("rb_config.txt"))).toEqual({ mode: "ebpf", generation: 113 });
    expect(pinnedMapPaths("/sys/fs/bpf/rb-node1")).toEqual([
      "/sys/fs/bpf/rb-node1/maps/rb_counters",
      "/sys/fs/bpf/rb-node1/maps/rb_config",
    ]);
  });

  it("keeps each slot to itself and sums every CPU (synthetic, distinct per CPU and slot)", () => {
    // slot k, CPU c holds 10^c * (k + 1), as in the bpftool test above
    const text = (slots: number) =>
      PINNED_HEADER +
      Array.from(
        { length: slots },
        (_, k) => `${k}: {\n${[0, 1, 2].map((c) => `\tcpu${c}: ${10 ** c * (k + 1)}\n`).join("")}}\n`,
      ).join("");
    const n = COUNTER_NAMES.length;
    const expected = Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 111 * (k + 1)]));
    expect(parsePinnedCounters(text(n))).toEqual(expected);
    // a newer program's extra slot is ignored; a missing one is an error
    expect(parsePinnedCounters(text(n + 1))).toEqual(expected);
    expect(() => parsePinnedCounters(text(7))).toThrow("rb_counters: no value for stackIpOptions");
    // an object from before IPv6 (the first 8 slots): its IPv6 slots read as 0
    expect(parsePinnedCounters(text(8))).toEqual({
      ...expected,
      ...Object.fromEntries(COUNTER_NAMES.slice(8).map((name) => [name, 0])),
    });
    expect(parsePinnedConfig(`${PINNED_HEADER}0: 0\n1: 4294967295\n`)).toEqual({
      mode: "legacy",
      generation: 4294967295,
    });
    expect(parsePinnedConfig("0: 7\n1: 1\n")).toEqual({ mode: "unknown", generation: 1 });
  });

  it("refuses any other shape, so the reader falls back to bpftool instead of reading a wrong number", () => {
    const entry = (body: string) => `${PINNED_HEADER}0: {\n${body}}\n`;
    const refused = (text: string) => {
      try {
        parsePinnedCounters(text);
      } catch (error) {
        expect(error).toBeInstanceOf(BpfDumpError);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refused(PINNED_HEADER)).toBe("rb_counters: the pinned map printed no entries");
    expect(refused("")).toBe("rb_counters: the pinned map printed no entries");
    expect(refused(entry(""))).toBe("rb_counters[passLegacy]: no per-CPU values");
    expect(refused(entry("\tcpu0: -1\n"))).toBe(
      'rb_counters[passLegacy]: expected a non-negative integer, got "-1"',
    );
    expect(refused(entry("\tcpu0: 0x10\n"))).toMatch(/got "0x10"/);
    expect(refused(entry(`\tcpu0: ${2 ** 53}\n`))).toMatch(/non-negative integer/);
    expect(refused(entry("\tcpu0: {1}\n"))).toMatch(/got "\{1\}"/);
    expect(refused(entry("\tcpu0:  1\n"))).toBe(
      'rb_counters: unexpected line in the pinned map: "\\tcpu0:  1"',
    );
    expect(refused(entry("cpu0: 1\n"))).toMatch(/unexpected line in the pinned map: "cpu0: 1"/);
    expect(refused(`${PINNED_HEADER}0: {\n\tcpu0: 1\n`)).toBe(
      "rb_counters: the pinned map's last entry is cut short",
    );
    expect(refused(`${PINNED_HEADER}0: {\n0: {\n`)).toMatch(/unexpected line in the pinned map: "0: \{"/);
    expect(refused(`${PINNED_HEADER}\tcpu0: 1\n`)).toMatch(/unexpected line/);
    expect(refused(`${PINNED_HEADER}}\n`)).toMatch(/unexpected line in the pinned map: "}"/);
    expect(refused(`${PINNED_HEADER}0: 5\n`)).toMatch(/unexpected line in the pinned map: "0: 5"/);
    expect(refused(`${PINNED_HEADER}x0: {\n`)).toMatch(/unexpected line/);
    expect(() => parsePinnedConfig(`${PINNED_HEADER}0: {\n`)).toThrow(
      /rb_config: expected a non-negative integer, got "\{"/,
    );
    expect(() => parsePinnedConfig(`${PINNED_HEADER}0: 1 2\n`)).toThrow(
      'rb_config: unexpected line in the pinned map: "0: 1 2"',
    );
    expect(() => parsePinnedConfig(`${PINNED_HEADER}1: 3\n`)).toThrow(
      /the mode or generation slot is missing/,
    );
    expect(() => parsePinnedConfig(PINNED_HEADER)).toThrow("rb_config: the pinned map printed no entries");
    expect(() => parsePinnedConfig("0: 1\n1: -2\n")).toThrow(
      'rb_config: expected a non-negative integer, got "-2"',
    );
  });
});

describe("BPF map decoding (real bpftool output)", () => {
  it("sums per-CPU counters with BTF", () => {
    const counters = parseCountersDump(fixture("counters-btf.json"));
    // The capture followed a 1 s same-node TCP_RR in legacy mode: every IPv4 packet passed to the
    // stack. Exact totals of the fixture's two CPUs (slot 0: 109337 + 342; slot 4: 15 + 1).
    expect(counters).toEqual({ ...zeroCounters(), passLegacy: 109337 + 342, stackNonIpv4: 15 + 1 });
    expect(redirects(counters)).toBe(0);
    expect(stackPasses(counters)).toBe(109679);
  });

  it("reads the same totals from the raw bytes of the same dump (BTF stripped)", () => {
    const entries = JSON.parse(fixture("counters-btf.json")) as { formatted?: unknown }[];
    const raw = entries.map(({ formatted: _, ...rest }) => rest);
    expect(parseCountersDump(JSON.stringify(raw))).toEqual(parseCountersDump(fixture("counters-btf.json")));
  });

  it("sums every CPU's value and keeps each slot to itself (synthetic, distinct per CPU and slot)", () => {
    // slot k, CPU c holds 10^c * (k + 1): a sum over some CPUs only, or a slot read for another, shows
    const dump = (btf: boolean) =>
      JSON.stringify(
        COUNTER_NAMES.map((_, k) => {
          const values = [0, 1, 2].map((c) => 10 ** c * (k + 1));
          const le = (n: number) =>
            Array.from({ length: 8 }, (_, b) => `0x${(b < 4 ? (n >>> (8 * b)) & 0xff : 0).toString(16)}`);
          return btf
            ? { formatted: { key: k, values: values.map((value, cpu) => ({ cpu, value })) } }
            : { key: le(k).slice(0, 4), values: values.map((value, cpu) => ({ cpu, value: le(value) })) };
        }),
      );
    const expected = Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 111 * (k + 1)]));
    expect(parseCountersDump(dump(true))).toEqual(expected);
    expect(parseCountersDump(dump(false))).toEqual(expected);
    // a newer program's extra slot is ignored; the known ones still count
    const extra = [...JSON.parse(dump(true)), { formatted: { key: 15, values: [{ cpu: 0, value: 5 }] } }];
    expect(parseCountersDump(JSON.stringify(extra))).toEqual(expected);
  });

  it("adds and subtracts counters slot by slot; redirects and stack passes sum their own slots", () => {
    const a = Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 2 ** (k + 10)])) as Counters;
    const b = Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 2 ** k])) as Counters;
    expect(addCounters(a, b)).toEqual(
      Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 2 ** (k + 10) + 2 ** k])),
    );
    expect(subtractCounters(a, b)).toEqual(
      Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, 2 ** (k + 10) - 2 ** k])),
    );
    expect(zeroCounters()).toEqual(Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])));
    // slots 1-3 and 9-11 redirect; slots 0, 5, 6, 7 and 8, 12, 13 pass to the stack; slot 4
    // (non-IP) and slot 14 (ICMPv6, extension headers) are neither
    expect(redirects(b)).toBe(2 + 4 + 8 + 2 ** 9 + 2 ** 10 + 2 ** 11);
    expect(stackPasses(b)).toBe(1 + 32 + 64 + 128 + 2 ** 8 + 2 ** 12 + 2 ** 13);
  });

  it("names the dump commands of a node's pin directory, counters first", () => {
    expect(dumpCommands("/sys/fs/bpf/rb-node1")).toEqual([
      "map dump pinned /sys/fs/bpf/rb-node1/maps/rb_counters",
      "map dump pinned /sys/fs/bpf/rb-node1/maps/rb_config",
    ]);
  });

  it("decodes raw bytes when the map has no BTF", () => {
    const counters = parseCountersDump(fixture("counters-nobtf.json"));
    // slot 0 was set to 0x3039 = 12345 on each of the 2 CPUs
    expect(counters.passLegacy).toBe(2 * 12345);
    expect(counters.redirectPeer).toBe(0);
    expect(parseConfigDump(fixture("config-nobtf.json"))).toEqual({ mode: "ebpf", generation: 7 });
    expect(parseConfigDump(fixture("config-btf.json"))).toEqual({ mode: "legacy", generation: 0 });
  });

  it("splits a bpftool batch into each command's output", () => {
    const outputs = parseBatchOutput(fixture("batch-btf.json"), 4);
    expect(parseConfigDump(outputs[1] as string).mode).toBe("legacy");
    expect(() => parseCountersDump(outputs[2] as string)).not.toThrow();
    expect(() => parseBatchOutput(fixture("batch-btf.json"), 3)).toThrow(/expected 3 results, got 4/);
    const batch = JSON.parse(fixture("batch-btf.json")) as unknown[];
    const failed = batch.map((r, i) => (i === 2 ? { error: "No such file" } : r));
    expect(() => parseBatchOutput(JSON.stringify(failed), 4)).toThrow(
      'bpftool batch: command 3 failed: "No such file"',
    );
    const both = batch.map((r, i) => (i === 0 ? { ...(r as object), error: "partial" } : r));
    expect(() => parseBatchOutput(JSON.stringify(both), 4)).toThrow(/command 1 failed: "partial"/);
    const silent = batch.map((r, i) => (i === 3 ? {} : r));
    expect(() => parseBatchOutput(JSON.stringify(silent), 4)).toThrow(/command 4 failed: "no output"/);
  });

  it("refuses what it cannot read instead of reading zeros", () => {
    const entries = JSON.parse(fixture("counters-btf.json")) as { formatted?: unknown }[];
    expect(() => parseCountersDump(JSON.stringify(entries.slice(0, 3)))).toThrow(
      "rb_counters: no value for redirectNeigh, stackNonIpv4, stackNotRouted, stackTtl, stackIpOptions",
    );
    // the IPv6 slots are absent as a group from an object built before IPv6 routing (read as 0),
    // but one present without the others is a damaged dump
    const withOne6 = [...entries, { formatted: { key: 9, values: [{ cpu: 0, value: 3 }] } }];
    expect(() => parseCountersDump(JSON.stringify(withOne6))).toThrow(
      "rb_counters: no value for passLegacy6, redirectFib6, redirectNeigh6, stackNotRouted6, stackHopLimit6, stackOther6",
    );
    expect(new BpfDumpError("x").name).toBe("BpfDumpError");
    const withValue = (value: unknown) =>
      JSON.stringify(
        entries.map((e, i) => (i === 1 ? { ...e, formatted: { key: 1, values: [{ cpu: 0, value }] } } : e)),
      );
    expect(() => parseCountersDump(withValue("x"))).toThrow(
      'rb_counters[redirectPeer]: expected a non-negative integer, got "x"',
    );
    expect(() => parseCountersDump(withValue(-1))).toThrow(/got -1/);
    expect(() => parseCountersDump(withValue(1.5))).toThrow(/got 1.5/);
    expect(() => parseCountersDump(withValue(2 ** 53))).toThrow(/non-negative integer/);
    expect(parseCountersDump(withValue(0)).redirectPeer).toBe(0);
    const noValues = entries.map((e, i) => (i === 2 ? { formatted: { key: 2, values: [] } } : e));
    expect(() => parseCountersDump(JSON.stringify(noValues))).toThrow(
      "rb_counters[redirectFib]: no per-CPU values",
    );
    const noList = entries.map((e, i) => (i === 2 ? { formatted: { key: 2 } } : e));
    expect(() => parseCountersDump(JSON.stringify(noList))).toThrow(/redirectFib\]: no per-CPU values/);
    const nullCpu = entries.map((e, i) => (i === 2 ? { formatted: { key: 2, values: [null] } } : e));
    expect(() => parseCountersDump(JSON.stringify(nullCpu))).toThrow(BpfDumpError);
    const noFields = entries.map(() => ({}));
    expect(() => parseCountersDump(JSON.stringify(noFields))).toThrow("rb_counters key: raw bytes missing");
    // raw bytes: each must be one byte in hex, at most 8 of them, at least one
    const rawWith = (value: unknown) =>
      JSON.stringify([{ key: ["0x00", "0x00", "0x00", "0x00"], values: [{ cpu: 0, value }] }]);
    const rawError = (value: unknown) => {
      try {
        parseCountersDump(rawWith(value));
      } catch (error) {
        return String(error);
      }
      return "no error";
    };
    // a single slot parses, then the other slots are missing: the byte itself was accepted
    expect(rawError(["0xff"])).toMatch(/no value for redirectPeer/);
    expect(rawError(["0x100"])).toBe("BpfDumpError: rb_counters[passLegacy]: unreadable byte 0x100");
    expect(rawError(["-0x1"])).toMatch(/unreadable byte -0x1/);
    expect(rawError(["zz"])).toMatch(/unreadable byte zz/);
    expect(rawError([])).toMatch(/passLegacy\]: raw bytes missing or of an unexpected size/);
    expect(rawError(Array(9).fill("0x00"))).toMatch(/unexpected size/);
    expect(rawError(Array(8).fill("0x00"))).toMatch(/no value for redirectPeer/);
    expect(rawError("0x00")).toMatch(/raw bytes missing/);
    expect(() => parseCountersDump("Error: bpf obj get (/sys/fs/bpf/x): No such file")).toThrow(
      'rb_counters: bpftool printed no JSON: "Error: bpf obj get (/sys/fs/bpf/x): No such file"',
    );
    expect(() => parseCountersDump(`x${"y".repeat(200)}`)).toThrow(`printed no JSON: "x${"y".repeat(119)}"`);
    expect(() => parseCountersDump('{"key": 1}')).toThrow(
      "rb_counters: expected a JSON array of map entries",
    );
    expect(() => parseConfigDump("{}")).toThrow("rb_config: expected a JSON array of map entries");
    expect(() => parseConfigDump(JSON.stringify([{ formatted: { key: -1, value: 1 } }]))).toThrow(
      "rb_config key: expected a non-negative integer, got -1",
    );
    expect(() => parseConfigDump(JSON.stringify([{ formatted: { key: 0, value: "1" } }]))).toThrow(
      'rb_config: expected a non-negative integer, got "1"',
    );
    expect(() => parseConfigDump(JSON.stringify([{ formatted: { key: 1, value: 1 } }]))).toThrow(
      /the mode or generation slot is missing/,
    );
    expect(() => parseConfigDump(JSON.stringify([{ formatted: { key: 0, value: 1 } }]))).toThrow(
      /generation slot/,
    );
    expect(
      parseConfigDump(
        JSON.stringify([{ formatted: { key: 0, value: 9 } }, { formatted: { key: 1, value: 2 } }]),
      ).mode,
    ).toBe("unknown");
  });
});

describe("judgeTrialPath", () => {
  const config = (mode: "legacy" | "ebpf", before = 3, after = 3) => ({
    node1: { before: { mode, generation: before }, after: { mode, generation: after } },
  });
  const delta = (overrides: Partial<ProbeDelta>): ProbeDelta => ({
    bpfRedirects: 0,
    stackPasses: 0,
    iptablesForwardPackets: 0,
    ipForwarded: 0,
    config: config("legacy"),
    client: null,
    drops: {},
    rxPackets: {},
    ...overrides,
  });
  const inBpf = delta({ bpfRedirects: 1000, config: config("ebpf") });
  const byStack = delta({ stackPasses: 1000, iptablesForwardPackets: 998, ipForwarded: 998 });

  it("accepts each mode's own path on positive evidence and rejects the other", () => {
    expect(judgeTrialPath("ebpf", 3, inBpf)).toMatchObject({ ok: true, kind: "ok" });
    expect(judgeTrialPath("legacy", 3, byStack)).toMatchObject({ ok: true, kind: "ok" });
    expect(judgeTrialPath("ebpf", 3, { ...byStack, config: config("ebpf") })).toMatchObject({
      ok: false,
      kind: "path",
      reason: "no packet was redirected in BPF",
    });
    expect(judgeTrialPath("legacy", 3, { ...inBpf, config: config("legacy") }).ok).toBe(false);
  });

  it("needs evidence, not the absence of it: silent counters prove neither mode", () => {
    expect(judgeTrialPath("legacy", 3, delta({})).ok).toBe(false);
    expect(judgeTrialPath("ebpf", 3, delta({ config: config("ebpf") })).ok).toBe(false);
    expect(judgeTrialPath("legacy", 3, delta({ stackPasses: 10 }))).toMatchObject({
      reason: "no packet went through iptables FORWARD",
    });
  });

  it("fails eBPF when FORWARD or the IP stack forwarded even though packets were redirected", () => {
    expect(judgeTrialPath("ebpf", 3, { ...inBpf, iptablesForwardPackets: 3 }).ok).toBe(false);
    expect(judgeTrialPath("ebpf", 3, { ...inBpf, ipForwarded: 2 }).ok).toBe(false);
  });

  it("rejects a trial whose mode was switched under it, even back to the same mode", () => {
    expect(judgeTrialPath("ebpf", 3, { ...inBpf, config: config("ebpf", 3, 4) })).toMatchObject({
      ok: false,
      kind: "mode",
    });
    expect(judgeTrialPath("ebpf", 3, { ...inBpf, config: config("ebpf", 2, 2) }).kind).toBe("mode");
    expect(judgeTrialPath("legacy", 3, { ...byStack, config: config("ebpf") }).kind).toBe("mode");
  });
});

describe("judgeDirectPath", () => {
  const base: ProbeDelta = {
    bpfRedirects: 0,
    stackPasses: 0,
    iptablesForwardPackets: 0,
    ipForwarded: 0,
    config: {},
    client: null,
    drops: {},
    rxPackets: { "rb-node1-pod2/dn1p1": 5000, "rb-node1-pod1/dn1p2": 2500 },
  };
  const device = "rb-node1-pod2/dn1p1";

  it("accepts traffic that reached the server's end of the link while no node saw any", () => {
    expect(judgeDirectPath(base, device)).toMatchObject({ ok: true, kind: "ok" });
  });

  it("rejects a trial whose packets crossed a node, naming what moved", () => {
    expect(judgeDirectPath({ ...base, iptablesForwardPackets: 7 }, device)).toMatchObject({
      ok: false,
      kind: "path",
      reason: "the nodes saw the direct trial's traffic: 7 iptables FORWARD packets",
    });
    expect(judgeDirectPath({ ...base, bpfRedirects: 3, ipForwarded: 2 }, device).reason).toMatch(
      /3 BPF redirects, 2 IP-forwarded packets/,
    );
    // the kernel's own stray packets pass the nodes' programs without being routed
    expect(judgeDirectPath({ ...base, stackPasses: 1 }, device).ok).toBe(true);
  });

  it("needs positive evidence: a silent direct device proves nothing", () => {
    expect(judgeDirectPath({ ...base, rxPackets: {} }, device)).toMatchObject({
      ok: false,
      reason: `${device} received no packet`,
    });
  });
});
