import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  configUpdateCommands,
  endpointUpdateCommand,
  parseBatchOutput,
  parseConfigDump,
  parseCountersDump,
  redirects,
  stackPasses,
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

describe("BPF map decoding (real bpftool output)", () => {
  it("sums per-CPU counters with BTF", () => {
    const counters = parseCountersDump(fixture("counters-btf.json"));
    // The capture followed a 1 s same-node TCP_RR in legacy mode: every IPv4 packet passed to the stack.
    expect(counters.passLegacy).toBeGreaterThan(1000);
    expect(redirects(counters)).toBe(0);
    expect(stackPasses(counters)).toBe(counters.passLegacy);
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
  });

  it("refuses what it cannot read instead of reading zeros", () => {
    const entries = JSON.parse(fixture("counters-btf.json")) as { formatted?: unknown }[];
    expect(() => parseCountersDump(JSON.stringify(entries.slice(0, 3)))).toThrow(
      /no value for redirectNeigh/,
    );
    const broken = entries.map((e, i) =>
      i === 1 ? { ...e, formatted: { key: 1, values: [{ cpu: 0, value: "x" }] } } : e,
    );
    expect(() => parseCountersDump(JSON.stringify(broken))).toThrow(/non-negative integer/);
    const noFields = entries.map(() => ({}));
    expect(() => parseCountersDump(JSON.stringify(noFields))).toThrow(/raw bytes missing/);
    expect(() => parseCountersDump("Error: bpf obj get (/sys/fs/bpf/x): No such file")).toThrow(
      /printed no JSON/,
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
