import { describe, expect, it } from "vitest";
import {
  endpointUpdateCommand,
  modeUpdateArgs,
  parseCountersDump,
  parseModeDump,
  redirects,
  stackPasses,
} from "../../../harness/backends/lab/bpf-maps.js";
import { judgePath } from "../../../harness/backends/lab/lab.js";
import { planLab } from "../../../harness/backends/lab/plan.js";

describe("BPF map encoding", () => {
  const pod = planLab().nodes[0]?.pods[1];
  if (!pod) throw new Error("plan shape");

  it("encodes struct rb_endpoint: little-endian ifindex, pod MAC, node-side MAC; key in network order", () => {
    expect(endpointUpdateCommand("/sys/fs/bpf/rb-node1", pod, 0x0104)).toBe(
      "map update pinned /sys/fs/bpf/rb-node1/maps/rb_endpoints key 0xc6 0x13 0x01 0x0b value 0x04 0x01 0x00 0x00 0x02 0x00 0xc6 0x13 0x01 0x02 0x02 0x01 0xc6 0x13 0x01 0x02",
    );
  });

  it("encodes the mode as a u32 in rb_config[0]", () => {
    expect(modeUpdateArgs("/p", "ebpf").join(" ")).toBe(
      "map update pinned /p/maps/rb_config key 0x00 0x00 0x00 0x00 value 0x01 0x00 0x00 0x00",
    );
  });

  it("sums per-CPU counters from bpftool JSON", () => {
    // Shape as printed by `bpftool -j map dump` (v7.x) for a BPF_MAP_TYPE_PERCPU_ARRAY.
    const dump = JSON.stringify([
      {
        key: ["0x00"],
        values: [],
        formatted: {
          key: 0,
          values: [
            { cpu: 0, value: 5 },
            { cpu: 1, value: 7 },
          ],
        },
      },
      {
        key: ["0x01"],
        values: [],
        formatted: {
          key: 1,
          values: [
            { cpu: 0, value: 100 },
            { cpu: 1, value: 1 },
          ],
        },
      },
      {
        key: ["0x04"],
        values: [],
        formatted: {
          key: 4,
          values: [
            { cpu: 0, value: 3 },
            { cpu: 1, value: 0 },
          ],
        },
      },
    ]);
    const counters = parseCountersDump(dump);
    expect(counters.passLegacy).toBe(12);
    expect(counters.redirectPeer).toBe(101);
    expect(redirects(counters)).toBe(101);
    expect(stackPasses(counters)).toBe(12); // non-IPv4 (ARP) is not a routing decision
  });

  it("reads the mode back", () => {
    expect(parseModeDump(JSON.stringify([{ formatted: { key: 0, value: 1 } }]))).toBe("ebpf");
    expect(parseModeDump(JSON.stringify([{ formatted: { key: 0, value: 0 } }]))).toBe("legacy");
    expect(parseModeDump(JSON.stringify([{ formatted: { key: 0, value: 9 } }]))).toBe("unknown");
  });
});

describe("judgePath", () => {
  const routedInBpf = { bpfRedirects: 1000, stackPasses: 0, iptablesForwardPackets: 0, conntrackEntries: 0 };
  const routedByStack = {
    bpfRedirects: 0,
    stackPasses: 1000,
    iptablesForwardPackets: 998,
    conntrackEntries: 4,
  };

  it("accepts each mode's own path and rejects the other", () => {
    expect(judgePath("ebpf", routedInBpf).ok).toBe(true);
    expect(judgePath("legacy", routedByStack).ok).toBe(true);
    expect(judgePath("ebpf", routedByStack)).toMatchObject({
      ok: false,
      reason: "no packet was redirected in BPF",
    });
    expect(judgePath("legacy", routedInBpf).ok).toBe(false);
  });

  it("fails eBPF when FORWARD moved even though packets were redirected", () => {
    expect(judgePath("ebpf", { ...routedInBpf, iptablesForwardPackets: 3 }).ok).toBe(false);
    expect(judgePath("ebpf", { ...routedInBpf, conntrackEntries: 1 }).ok).toBe(false);
  });
});
