/**
 * The lab's Services: which exist for a count, and the nat table kube-proxy's iptables mode
 * would write for them (checked against the layout of kubernetes/kubernetes
 * pkg/proxy/iptables/proxier.go: KUBE-SERVICES → KUBE-SVC per Service port → KUBE-SEP per
 * endpoint with DNAT, `statistic --mode random --probability 1/n` over several endpoints,
 * the masquerade mark for traffic from outside the pod CIDR, KUBE-NODEPORTS last).
 */
import { describe, expect, it } from "vitest";
import { isLabRule, parseIptablesSave } from "../../../harness/backends/lab/iptables.js";
import { planLab } from "../../../harness/backends/lab/plan.js";
import {
  labServices,
  natRestore,
  netserverServiceFor,
  netserverServices,
  probability,
  serviceIp,
  serviceIp6,
  serviceOptionsOf,
  serviceSepChains,
  trialTarget,
} from "../../../harness/backends/lab/services.js";
import type { Trial } from "../../../harness/sweep/plan.js";
import { UsageError } from "../../../harness/util/errors.js";
import { SERVICE_DATA_PORTS } from "../../../harness/vocabulary/vocabulary.js";

const plan = planLab({ nodes: 2, podsPerNode: 2, iptablesServices: 4 });
const pod = (name: string) => {
  const found = plan.nodes.flatMap((n) => n.pods).find((p) => p.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe("labServices", () => {
  it("gives the netserver of each placement's server pod a Service of its own, first", () => {
    const own = netserverServices(plan);
    expect(own.map((s) => [s.name, s.clusterIp, s.clusterIp6, s.endpoints.map((e) => e.name)])).toEqual([
      ["rb/netserver-node1-pod2", "198.18.128.1", "fd00:c612:8000::1", ["node1-pod2"]],
      ["rb/netserver-node2-pod1", "198.18.128.2", "fd00:c612:8000::2", ["node2-pod1"]],
    ]);
    // control and data ports served, netperf's -P ,port fixing a trial's data port (one of 16 in turn)
    expect(own[0]?.ports.map((p) => `${p.port}->${p.targetPort}`)).toEqual([
      "12865->12865",
      ...SERVICE_DATA_PORTS.map((p) => `${p}->${p}`),
    ]);
    expect(SERVICE_DATA_PORTS).toEqual(Array.from({ length: 16 }, (_, i) => 12870 + i));
  });

  it("fills up to the count with synthetic Services of two endpoints", () => {
    const services = labServices(plan, 4);
    expect(services.map((s) => s.name)).toEqual([
      "rb/netserver-node1-pod2",
      "rb/netserver-node2-pod1",
      "rb/svc-2",
      "rb/svc-3",
    ]);
    expect(services[2]?.endpoints.map((e) => e.name)).toEqual(["node2-pod1", "node2-pod2"]);
    expect(labServices(plan, 1).map((s) => s.name)).toEqual(["rb/netserver-node1-pod2"]);
    expect(labServices(plan, 0)).toEqual([]);
  });

  it("numbers ClusterIPs inside the lab's service ranges, for 10,000 Services and more", () => {
    expect(serviceIp(0)).toBe("198.18.128.1");
    expect(serviceIp(255)).toBe("198.18.129.0");
    expect(serviceIp(9999)).toBe("198.18.167.16");
    expect(serviceIp6(9999)).toBe("fd00:c612:8000::2710");
    const ips = new Set(labServices(plan, 10000).map((s) => s.clusterIp));
    expect(ips.size).toBe(10000);
  });

  it("refuses a Service trial when the count leaves out the server's Service", () => {
    expect(netserverServiceFor(plan, pod("node2-pod1"), 100).name).toBe("rb/netserver-node2-pod1");
    expect(() => netserverServiceFor(plan, pod("node2-pod1"), 1)).toThrow(UsageError);
    expect(() => netserverServiceFor(plan, pod("node2-pod1"), 1)).toThrow(/1 Services, too few/);
    try {
      netserverServiceFor(plan, pod("node2-pod1"), 1);
    } catch (error) {
      expect((error as UsageError).hint).toBe("use services: 2 or more");
    }
  });
});

describe("natRestore (kube-proxy's iptables mode)", () => {
  const services = labServices(plan, 4);
  const text = natRestore(services, "ipv4");
  const rules = parseIptablesSave(text);

  it("writes the exact chain of a two-endpoint Service, kube-proxy's way", () => {
    const svc = services[3];
    if (!svc) throw new Error("shape");
    expect(rules.filter((r) => r.spec.includes("rb/svc-3")).map((r) => r.spec)).toEqual([
      '-A KUBE-SERVICES -m comment --comment "rb-lab: rb/svc-3:http cluster IP" -m tcp -p tcp -d 198.18.128.4/32 --dport 80 -j KUBE-SVC-RB0000000003P000',
      '-A KUBE-SVC-RB0000000003P000 -m comment --comment "rb-lab: rb/svc-3:http cluster IP" -m tcp -p tcp -d 198.18.128.4/32 --dport 80 ! -s 198.19.0.0/16 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-RB0000000003P000 -m comment --comment "rb-lab: rb/svc-3:http -> 198.19.2.11:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RB0000000003P0E00',
      '-A KUBE-SEP-RB0000000003P0E00 -m comment --comment "rb-lab: rb/svc-3:http" -s 198.19.2.11/32 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-RB0000000003P0E00 -m comment --comment "rb-lab: rb/svc-3:http" -m tcp -p tcp -j DNAT --to-destination 198.19.2.11:8080',
      '-A KUBE-SVC-RB0000000003P000 -m comment --comment "rb-lab: rb/svc-3:http -> 198.19.1.10:8080" -j KUBE-SEP-RB0000000003P0E01',
      '-A KUBE-SEP-RB0000000003P0E01 -m comment --comment "rb-lab: rb/svc-3:http" -s 198.19.1.10/32 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-RB0000000003P0E01 -m comment --comment "rb-lab: rb/svc-3:http" -m tcp -p tcp -j DNAT --to-destination 198.19.1.10:8080',
    ]);
  });

  it("computes kube-proxy's probabilities: 1/n, 1/(n-1), … with ten decimals", () => {
    expect([4, 3, 2].map(probability)).toEqual(["0.2500000000", "0.3333333333", "0.5000000000"]);
  });

  it("walks every synthetic Service before the netserver's, and ends with KUBE-NODEPORTS", () => {
    const order = rules
      .filter((r) => r.chain === "KUBE-SERVICES")
      .map((r) => /--comment "rb-lab: (\S+)/.exec(r.spec)?.[1]);
    const own = (name: string) => [
      `${name}:netperf`,
      ...SERVICE_DATA_PORTS.map((_, i) => `${name}:data-${i}`),
    ];
    expect(order).toEqual([
      "rb/svc-2:http",
      "rb/svc-3:http",
      ...own("rb/netserver-node1-pod2"),
      ...own("rb/netserver-node2-pod1"),
      "kubernetes",
    ]);
    expect(rules.at(-1)?.chain).not.toBe("KUBE-SERVICES");
    expect(rules.filter((r) => r.chain === "KUBE-SERVICES").at(-1)?.spec).toContain("-j KUBE-NODEPORTS");
  });

  it("tags every rule as the lab's, declares every chain before a rule uses it, and replaces the whole nat table", () => {
    expect(rules.every(isLabRule)).toBe(true);
    expect(rules.every((r) => r.table === "nat")).toBe(true);
    const lines = text.split("\n");
    const declared = new Set(lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1).split(" ")[0]));
    const firstRule = lines.findIndex((l) => l.startsWith("-A"));
    expect(lines.slice(firstRule).some((l) => l.startsWith(":"))).toBe(false);
    for (const r of rules) {
      expect(declared.has(r.chain)).toBe(true);
      const jump = /-j (KUBE-\S+)/.exec(r.spec)?.[1];
      if (jump) expect(declared.has(jump)).toBe(true);
    }
    expect(lines[0]).toBe("*nat");
    expect(lines.at(-2)).toBe("COMMIT");
    // chain names fit iptables' limit (28 characters)
    expect(Math.max(...[...declared].map((c) => (c ?? "").length))).toBeLessThanOrEqual(28);
  });

  it("serves netperf's control and data ports with one endpoint, whose DNAT chains a trial reads", () => {
    const own = services[1];
    if (!own) throw new Error("shape");
    expect(serviceSepChains(own, pod("node2-pod1"), [12865, 12871])).toEqual([
      "KUBE-SEP-RB0000000001P0E00",
      "KUBE-SEP-RB0000000001P2E00",
    ]);
    expect(serviceSepChains(own, pod("node2-pod1"))).toHaveLength(17);
    expect(
      rules
        .filter((r) => /DNAT --to-destination 198\.19\.2\.10:12[89]/.test(r.spec))
        .map((r) => r.spec.split("DNAT ")[1]),
    ).toEqual([
      "--to-destination 198.19.2.10:12865",
      ...SERVICE_DATA_PORTS.map((p) => `--to-destination 198.19.2.10:${p}`),
    ]);
    // one endpoint: no statistic match
    expect(
      rules.filter((r) => r.chain === "KUBE-SVC-RB0000000001P000" && r.spec.includes("statistic")),
    ).toEqual([]);
  });

  it("writes the IPv6 table with the v6 ClusterIPs, /128s and bracketed DNAT targets", () => {
    const v6 = parseIptablesSave(natRestore(services, "ipv6"));
    expect(v6.map((r) => r.spec)).toContain(
      '-A KUBE-SERVICES -m comment --comment "rb-lab: rb/netserver-node2-pod1:netperf cluster IP" -m tcp -p tcp -d fd00:c612:8000::2/128 --dport 12865 -j KUBE-SVC-RB0000000001P000',
    );
    expect(v6.map((r) => r.spec)).toContain(
      '-A KUBE-SEP-RB0000000001P1E00 -m comment --comment "rb-lab: rb/netserver-node2-pod1:data-0" -m tcp -p tcp -j DNAT --to-destination [fd00:c613:0:2::a]:12870',
    );
    expect(v6.some((r) => r.spec.includes("! -s fd00:c613::/32 -j KUBE-MARK-MASQ"))).toBe(true);
  });

  it("grows with the count: about 9 rules per synthetic Service", () => {
    const big = parseIptablesSave(natRestore(labServices(plan, 1000), "ipv4"));
    expect(big.filter((r) => r.spec.includes("-j DNAT"))).toHaveLength(998 * 2 + 2 * 17);
    expect(big.filter((r) => r.chain === "KUBE-SERVICES")).toHaveLength(998 + 2 * 17 + 1);
  });
});

describe("serviceOptionsOf and trialTarget", () => {
  const trial = (point: object, mode: Trial["mode"] = "legacy"): Trial =>
    ({
      id: "t",
      block: 0,
      mode,
      durationSec: 1,
      point: { placement: "cross-node", test: "TCP_RR", requestSize: 1, responseSize: 1, ...point },
    }) as unknown as Trial;

  it("defaults to the pod over IPv4 with the lab's own Service count", () => {
    expect(serviceOptionsOf({}, 100)).toEqual({ destination: "pod", ipFamily: "ipv4", services: 100 });
    expect(serviceOptionsOf({ destination: "service", ipFamily: "ipv6", services: 10000 }, 100)).toEqual({
      destination: "service",
      ipFamily: "ipv6",
      services: 10000,
    });
    expect(() => serviceOptionsOf({ destination: "svc" }, 1)).toThrow(
      /point.destination must be one of pod, service/,
    );
    expect(() => serviceOptionsOf({ ipFamily: "v6" }, 1)).toThrow(/point.ipFamily/);
    expect(() => serviceOptionsOf({ services: -1 }, 1)).toThrow(/point.services/);
  });

  it("targets the pod's address in either family, or its netserver Service's ClusterIP with a fixed data port", () => {
    const options = { destination: "pod", ipFamily: "ipv4", services: 4 } as const;
    expect(trialTarget(plan, trial({}), options).serverIp).toBe("198.19.2.10");
    expect(trialTarget(plan, trial({}), { ...options, ipFamily: "ipv6" }).serverIp).toBe("fd00:c613:0:2::a");
    const service = trialTarget(plan, trial({}), { ...options, destination: "service" });
    expect(service.serverIp).toBe("198.18.128.2");
    expect(service.dataPort).toBe(12870);
    expect(trialTarget(plan, trial({}), { ...options, destination: "service" }, 17).dataPort).toBe(12871);
    expect(service.service?.clientNode.name).toBe("node1");
    expect(service.service?.service.name).toBe("rb/netserver-node2-pod1");
    const v6 = trialTarget(plan, trial({}), { ...options, destination: "service", ipFamily: "ipv6" });
    expect(v6.serverIp).toBe("fd00:c612:8000::2");
    expect(trialTarget(plan, trial({}, "host"), { ...options, ipFamily: "ipv6" }).serverIp).toBe(
      "fd00:c612::2",
    );
  });

  it("refuses what the lab cannot measure, saying why", () => {
    const service = { destination: "service", ipFamily: "ipv4", services: 4 } as const;
    expect(() => trialTarget(plan, trial({}, "direct"), service)).toThrow(/direct baseline has no Service/);
    expect(() =>
      trialTarget(plan, trial({}, "direct"), { ...service, destination: "pod", ipFamily: "ipv6" }),
    ).toThrow(/no IPv6 address/);
    expect(() => trialTarget(plan, trial({}, "host"), service)).toThrow(/no Service to reach/);
    expect(() => trialTarget(plan, trial({ streams: 2 }), service)).toThrow(/one netperf stream/);
    expect(() => trialTarget(plan, trial({}), { ...service, services: 1 })).toThrow(UsageError);
  });
});
