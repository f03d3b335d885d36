/** Judging a Service trial's path from the counters read around it, and reading those counters. */
import { describe, expect, it } from "vitest";
import {
  judgeServicePath,
  parseConntrackShown,
  parseDnatPackets,
  type ServiceReading,
} from "../../../harness/backends/lab/service-path.js";
import { SOCK_COUNTER_NAMES, type SockCounters } from "../../../harness/backends/lab/sock-lb.js";

const sock = (values: Partial<SockCounters> = {}): SockCounters => ({
  ...(Object.fromEntries(SOCK_COUNTER_NAMES.map((n) => [n, 0])) as SockCounters),
  ...values,
});
const reading = (mode: "legacy" | "ebpf", r: Partial<ServiceReading> = {}): ServiceReading => ({
  dnatPackets: 0,
  conntrackEntries: 0,
  sock: sock(),
  serviceHits: 0,
  sockConfig: { mode, generation: 3 },
  ...r,
});

describe("judgeServicePath", () => {
  it("passes legacy on DNAT counters and conntrack entries that moved, with the socket LB idle", () => {
    const before = reading("legacy", { dnatPackets: 10, conntrackEntries: 4 });
    const after = reading("legacy", { dnatPackets: 2010, conntrackEntries: 1990 });
    expect(judgeServicePath("legacy", before, after)).toEqual({
      ok: true,
      reason: "kube-proxy iptables: 2000 connections DNATed, 1990 conntrack entries for the ClusterIP",
    });
    expect(judgeServicePath("legacy", before, { ...after, dnatPackets: 10 }).reason).toBe(
      "no packet hit the Service's DNAT rules",
    );
    expect(judgeServicePath("legacy", before, { ...after, conntrackEntries: 0 }).ok).toBe(false);
    expect(judgeServicePath("legacy", before, { ...after, sock: sock({ connect4Xlate: 1 }) }).reason).toBe(
      "the socket LB translated 1 connections",
    );
  });

  it("passes eBPF on socket-LB hits with no DNAT movement", () => {
    const before = reading("ebpf", {
      dnatPackets: 2010,
      conntrackEntries: 500,
      serviceHits: 5,
      sock: sock({ connect4Xlate: 5 }),
    });
    const after = reading("ebpf", {
      dnatPackets: 2010,
      conntrackEntries: 480,
      serviceHits: 905,
      sock: sock({ connect4Xlate: 905 }),
    });
    expect(judgeServicePath("ebpf", before, after)).toEqual({
      ok: true,
      reason: "socket LB: 900 connections translated at connect(), no DNAT on the node",
    });
    expect(judgeServicePath("ebpf", before, { ...after, dnatPackets: 2011 }).reason).toBe(
      "1 packets hit the Service's DNAT rules on the node",
    );
    expect(judgeServicePath("ebpf", before, { ...after, serviceHits: 5 }).ok).toBe(false);
    // the Service's own hits must be matched by the hooks' counters
    expect(judgeServicePath("ebpf", before, { ...after, sock: sock({ connect4Xlate: 6 }) }).ok).toBe(false);
  });

  it("fails either mode when the socket LB's switch disagrees", () => {
    expect(judgeServicePath("ebpf", reading("legacy"), reading("ebpf")).reason).toBe(
      "the socket LB was legacy → ebpf, not ebpf",
    );
    expect(judgeServicePath("legacy", reading("legacy"), reading("ebpf")).ok).toBe(false);
  });
});

describe("reading the counters", () => {
  it("sums the DNAT rules' packets of an `iptables -L -v -x -n` listing", () => {
    const listing = `Chain KUBE-SEP-RB0000000001P0E00 (1 references)
    pkts      bytes target     prot opt in     out     source               destination
       0        0 KUBE-MARK-MASQ  all  --  *      *       198.19.2.10          0.0.0.0/0            /* rb-lab: rb/netserver-node2-pod1:netperf */
    2042   122520 DNAT       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            /* rb-lab: rb/netserver-node2-pod1:netperf */ tcp to:198.19.2.10:12865
`;
    expect(parseDnatPackets(listing, "KUBE-SEP-X")).toBe(2042);
    expect(() => parseDnatPackets("Chain X (0 references)\n", "KUBE-SEP-X")).toThrow(
      /KUBE-SEP-X: no DNAT rule/,
    );
  });

  it("reads conntrack's count from its closing line", () => {
    expect(
      parseConntrackShown("conntrack v1.4.7 (conntrack-tools): 12 flow entries have been shown.\n"),
    ).toBe(12);
    expect(parseConntrackShown("conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n")).toBe(
      0,
    );
    expect(() => parseConntrackShown("")).toThrow(/printed no count/);
  });
});
