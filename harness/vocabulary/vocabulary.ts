/**
 * routebench's words, declared once: the modes, placements, netperf tests and metrics a
 * sweep, a results file and a report speak of, the ports netserver listens on, the lab's
 * size limits and where the package's own files are. Every layer imports them from here;
 * none declares its own copy. Values only: no logic beyond reading them.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MetricName } from "./metrics.js";

/** The systems under test: the embedded lab, or a real Kubernetes cluster. */
export const BACKENDS = ["lab", "kubernetes"] as const;
export type BackendKind = (typeof BACKENDS)[number];

/** What a sweep can measure: the two host routing datapaths, and baselines beside them. */
export const MODES = ["legacy", "ebpf", "host", "direct"] as const;
export type Mode = (typeof MODES)[number];

/**
 * Baselines beside the two routing modes, which switch nothing: `host` runs between node
 * namespaces over the underlay, `direct` between the same two pods over one veth pair of
 * their own (lab only): the floor any host routing can reach on this machine.
 */
export const BASELINE_MODES: readonly Mode[] = ["host", "direct"];

/** The modes a backend switches between: legacy (iptables + conntrack) and eBPF host routing. */
export const ROUTING_MODES = ["legacy", "ebpf"] as const satisfies readonly Mode[];
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** Whether trials in `mode` need the nodes' host routing switched to it (it is not a baseline). */
export function switchesRouting(mode: Mode): mode is RoutingMode {
  return !BASELINE_MODES.includes(mode);
}

/** Whether a sweep's modes include both routing modes, so that eBPF is compared with legacy. */
export function comparesRouting(modes: readonly Mode[]): boolean {
  return ROUTING_MODES.every((mode) => modes.includes(mode));
}

/** Where the server pod runs relative to the client pod. */
export const PLACEMENTS = ["same-node", "cross-node"] as const;
export type Placement = (typeof PLACEMENTS)[number];

/**
 * Where a point's client connects: the server pod's own address (the default), or a Service in
 * front of it (Kubernetes' service translation on the path). A point names it only when it is not
 * the default, so that points of earlier sweeps keep their keys.
 */
export const DESTINATIONS = ["pod", "service"] as const;
export type Destination = (typeof DESTINATIONS)[number];

/** The IP family a point's traffic uses; IPv4 is the default and is not named in a point's key. */
export const IP_FAMILIES = ["ipv4", "ipv6"] as const;
export type IpFamily = (typeof IP_FAMILIES)[number];

/**
 * The netperf tests routebench runs (netperf -t). Bulk transfer: TCP_STREAM, UDP_STREAM (`-m`
 * bytes per send). Request/response (`-r request,response`): TCP_RR on one connection, TCP_CRR
 * with a new connection per transaction (connect, request, response, close), UDP_RR.
 */
export const NETPERF_TESTS = ["TCP_STREAM", "TCP_RR", "TCP_CRR", "UDP_RR", "UDP_STREAM"] as const;
export type NetperfTest = (typeof NETPERF_TESTS)[number];

/** The bulk-transfer tests: sized by bytes per send, measured in Mbit/s. */
export const STREAM_TESTS = ["TCP_STREAM", "UDP_STREAM"] as const satisfies readonly NetperfTest[];
export type StreamTest = (typeof STREAM_TESTS)[number];
/** The request/response tests: sized by request,response bytes, measured per transaction. */
export type RequestResponseTest = Exclude<NetperfTest, StreamTest>;

/** True for TCP_STREAM and UDP_STREAM. */
export function isStreamTest(test: NetperfTest): test is StreamTest {
  return (STREAM_TESTS as readonly NetperfTest[]).includes(test);
}

/** The rate a request/response test is judged by: TCP_CRR's transactions are whole connections. */
export function rateMetric(test: RequestResponseTest): "transactionsPerSec" | "connectionsPerSec" {
  return test === "TCP_CRR" ? "connectionsPerSec" : "transactionsPerSec";
}

/** The figure a test is about: its rate for request/response, its (received) throughput for streams. */
export function mainMetric(test: NetperfTest): MetricName {
  return isStreamTest(test) ? "throughputMbps" : rateMetric(test);
}

/** The request/response tests, in NETPERF_TESTS order. */
export const REQUEST_RESPONSE_TESTS = NETPERF_TESTS.filter((t): t is RequestResponseTest => !isStreamTest(t));

export * from "./metrics.js";

// The ports routebench's servers listen on, one plan so none takes another's: all below
// Linux's ephemeral range (32768–60999), where netperf's lab data connections take theirs.
/** netserver's control port: netperf's default (netperf -p, netserver -p). */
export const NETSERVER_PORT = 12865;
/**
 * netserver's data port on Kubernetes, fixed by netperf's test option `-P ,12866` so a
 * NetworkPolicy or host firewall can allow it (see manifests/netserver-pod.yaml).
 */
export const NETSERVER_DATA_PORT = 12866;
/**
 * The first data port of a Kubernetes trial with several netperf instances: instance i takes
 * STREAMS_DATA_PORT_BASE + i (at most 64), clear of the single-instance data port and of the
 * witnesses' servers.
 */
export const STREAMS_DATA_PORT_BASE = 12870;
/**
 * Data ports a netserver Service serves, one per Service trial in turn (netperf's `-P ,port`),
 * on the lab and on Kubernetes. One fixed port would make consecutive TCP_CRR trials reuse the
 * same 4-tuples while the previous trial's tens of thousands of connections still sit in
 * TIME_WAIT (60 s): measured on the lab, Service TCP_CRR then fell from ~11,000 to ~160 conn/s
 * in both modes. Pod trials keep one port: three back-to-back pod TCP_CRR trials on one fixed
 * data port kept their rate on the lab (1.3k, 7.1k, 6.6k conn/s, legacy cross-node). With 16
 * ports taken in turn, a port comes back after 16 Service trials, over a minute even at 4 s a
 * trial.
 */
export const SERVICE_DATA_PORTS: readonly number[] = Array.from(
  { length: 16 },
  (_, i) => STREAMS_DATA_PORT_BASE + i,
);

/** sockperf's server (TCP). */
export const SOCKPERF_PORT = 12867;
/** iperf3's server: its control and data connections alike. */
export const IPERF3_PORT = 12868;

/**
 * The kernel subsystems a profiled trial's CPU samples are attributed to (profile/subsystems.ts
 * holds which symbols belong to each, and the precedence when a call chain passes several).
 * `user` is netperf's and netserver's own code; `other` is what no rule claims (memory
 * management, timers, interrupts).
 */
export const SUBSYSTEMS = [
  "netfilter",
  "conntrack",
  "forwarding",
  "route",
  "neighbour",
  "ebpf",
  "devices",
  "tcp-udp",
  "socket",
  "scheduler",
  "user",
  "other",
] as const;
export type Subsystem = (typeof SUBSYSTEMS)[number];

/** What a report calls each subsystem. */
export const SUBSYSTEM_NAMES: Record<Subsystem, string> = {
  netfilter: "netfilter (iptables)",
  conntrack: "conntrack",
  forwarding: "IP forwarding",
  route: "route lookup",
  neighbour: "neighbour",
  ebpf: "eBPF program and helpers",
  devices: "veth, bridge and backlog",
  "tcp-udp": "TCP/UDP",
  socket: "socket and syscall",
  scheduler: "scheduler and idle",
  user: "user space (netperf, netserver)",
  other: "other",
};

/** The lab's size: the limits `lab up` and a sweep's `lab:` section accept, and the default. */
export const LAB_SIZE = {
  nodes: { min: 1, max: 16, default: 2 },
  podsPerNode: { min: 1, max: 64, default: 2 },
  /** Synthetic kube-proxy service chains per node (nat table). */
  iptablesServices: { min: 0, max: 10000, default: 100 },
} as const;

// Resolved from this module and never from the working directory, so the CLI works from any
// folder and from an installed package; the same relative layout holds for the TypeScript
// sources (harness/vocabulary) and the build (dist/vocabulary).
/** The package root: the folder holding package.json, sweeps/, manifests/ and bpf/. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The lab's BPF object, built by scripts/setup.sh. */
export const BPF_OBJECT = join(PACKAGE_ROOT, "bpf", "build", "rb_host.bpf.o");

/** The lab's socket-level load balancer (cgroup programs, bpf/rb_sock.bpf.c), built by scripts/setup.sh. */
export const SOCK_BPF_OBJECT = join(PACKAGE_ROOT, "bpf", "build", "rb_sock.bpf.o");

/** The sweep `routebench run` measures when given none: the seed's blog sweep. */
export const DEFAULT_SWEEP = join(PACKAGE_ROOT, "sweeps", "blog.yaml");

/** The sweep the `k8s` commands use when given none. */
export const DEFAULT_K8S_SWEEP = join(PACKAGE_ROOT, "sweeps", "cilium.yaml");

/** Where a run writes its folder when given no --out. */
export const RESULTS_DIR = join(PACKAGE_ROOT, "results");
