/**
 * The sweep file's schema. Everything has a default except what makes a sweep yours;
 * `resolveSweep` applies the profile so the rest of routebench sees one resolved value.
 *
 * Over 300 lines on purpose: it is the sweep file's whole schema with its field documentation
 * (what `routebench run` accepts), and `resolveSweep` beside the profiles it applies.
 */
import { z } from "zod";
import { UsageError } from "../util/errors.js";
import {
  BACKENDS,
  type BackendKind,
  DEFAULT_PERCENTILES,
  DESTINATIONS,
  IP_FAMILIES,
  LAB_SIZE,
  MODES,
  NETPERF_TESTS,
  type NetperfTest,
  PLACEMENTS,
  type RequestResponseTest,
  ROUTING_MODES,
  type StreamTest,
  switchesRouting,
} from "../vocabulary/vocabulary.js";
import { WITNESSES } from "../witness/witness.js";
import { kubernetesOptions } from "./kubernetes-options.js";
import { SLOW_SWITCH_SEC, SWITCH_COSTS, switchKind } from "./switch-cost.js";
export const PROFILES = ["quick", "standard", "full"] as const;
export type Profile = (typeof PROFILES)[number];

/** The designs (sweep/plan.ts): how trials of the modes are ordered in time. */
export const ORDERS = ["interleaved", "segmented", "blocked"] as const;

export interface ProfileSettings {
  durationSec: number;
  /** Blocks every point runs; with a target, the minimum before the stopping rule looks. */
  repetitions: number;
  /** Adaptive: add blocks to a point until every eBPF/legacy interval is within ±targetCiPct %. */
  targetCiPct?: number;
  maxRepetitions?: number;
  /** Adaptive: stop adding blocks when the trials have used this many minutes. */
  timeBudgetMin?: number;
}

/**
 * Test length and repetitions of each profile; a sweep's own `duration`/`repetitions` win.
 * quick is a first look that decides: the key points only (sweep/quick.ts: per placement and
 * test the smallest and largest message size, the first request/response size, one stream),
 * 1 s × 8 pairs, so each gets an interval and a verdict (about 2 minutes for blog.yaml); it
 * names what it left out. standard is precision by design: short trials, at least 8 pairs (the stopping
 * rule keeps its coverage from 8, ratio.test.ts), then blocks only where the eBPF/legacy
 * interval is still wider than ±3%, within a time budget. full runs the seed's 20 s tests.
 */
export const PROFILE_SETTINGS: Record<Profile, ProfileSettings> = {
  quick: { durationSec: 1, repetitions: 8 },
  standard: { durationSec: 2, repetitions: 8, targetCiPct: 3, maxRepetitions: 40, timeBudgetMin: 14 },
  full: { durationSec: 20, repetitions: 8 },
};

/** Largest message netperf's -m/-r take here (1 MiB). */
const MAX_MESSAGE = 1_048_576;
/** Largest UDP payload over IPv4: 65535 minus the IP and UDP headers; netperf's send fails above it (EMSGSIZE). */
const MAX_UDP_PAYLOAD = 65_507;

const messageSize = (max: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(max, { message: `must be at most ${max} bytes` });

const rrSize = (max: number) =>
  z.string().superRefine((text, ctx) => {
    const match = /^(\d+),(\d+)$/.exec(text);
    if (!match) {
      ctx.addIssue({
        code: "custom",
        message: 'expected a request,response pair of byte counts, e.g. "1,1"',
      });
    } else if ([match[1], match[2]].some((n) => Number(n) < 1 || Number(n) > max)) {
      ctx.addIssue({ code: "custom", message: `request and response sizes must be from 1 to ${max} bytes` });
    }
  });

/** TCP_STREAM, UDP_STREAM: bytes per send() (netperf -m). */
const streamTest = <T extends StreamTest>(test: T, max: number) =>
  z.strictObject({
    test: z.literal(test),
    messageSizes: z.array(messageSize(max)).min(1, { message: "needs at least one message size" }),
  });

/** TCP_RR, TCP_CRR, UDP_RR: "request,response" byte counts (netperf -r) and the percentiles to report. */
const rrTest = <T extends RequestResponseTest>(test: T, max: number) =>
  z.strictObject({
    test: z.literal(test),
    sizes: z
      .array(rrSize(max))
      .min(1, { message: "needs at least one request,response size" })
      .default(["1,1"]),
    /** Latency percentiles to report: netperf 2.7 measures P50, P90 and P99. */
    percentiles: z
      .array(
        z.union([z.literal(50), z.literal(90), z.literal(99)], {
          message: "netperf 2.7 reports percentiles 50, 90 and 99",
        }),
      )
      .min(0)
      .default([...DEFAULT_PERCENTILES]),
  });

const netperfTest = z.discriminatedUnion(
  "test",
  [
    streamTest("TCP_STREAM", MAX_MESSAGE),
    rrTest("TCP_RR", MAX_MESSAGE),
    rrTest("TCP_CRR", MAX_MESSAGE),
    rrTest("UDP_RR", MAX_UDP_PAYLOAD),
    streamTest("UDP_STREAM", MAX_UDP_PAYLOAD),
  ],
  { message: `test must be one of ${NETPERF_TESTS.join(", ")}` },
);
export type SweepTest = z.output<typeof netperfTest>;

/** The latency percentiles a sweep's request/response test reports (none for a stream test). */
export function testPercentiles(
  sweep: { tests: readonly SweepTest[] },
  test: NetperfTest,
): readonly number[] {
  const entry = sweep.tests.find((t) => t.test === test);
  return entry && "percentiles" in entry ? entry.percentiles : DEFAULT_PERCENTILES;
}

const labCount = (size: { min: number; max: number; default: number }) =>
  z.number().int().min(size.min).max(size.max).default(size.default);

const labOptions = z.strictObject({
  nodes: labCount(LAB_SIZE.nodes),
  podsPerNode: labCount(LAB_SIZE.podsPerNode),
  iptablesServices: labCount(LAB_SIZE.iptablesServices),
  /**
   * The Service count as a sweep axis (issue 23): each point runs with this many kube-proxy
   * Services (legacy: iptables chains; eBPF: socket-LB map entries) set up on the client's
   * node, one point per value. Absent: iptablesServices, and points name no count.
   */
  services: z
    .array(z.number().int().min(1).max(LAB_SIZE.iptablesServices.max))
    .min(1, { message: "needs at least one Service count, e.g. [100]" })
    .refine((list) => new Set(list).size === list.length, { message: "lists a Service count twice" })
    .optional(),
});

/**
 * Where netperf and netserver run, and what their CPU time is used for. placement auto: on the
 * lab both ends share the least busy CPU (one-cpu), on Kubernetes the scheduler decides
 * (unpinned); client/server pin explicitly (netperf -T client,server) and win over placement.
 */
const cpuPinning = z.strictObject({
  placement: z.enum(["auto", "one-cpu", "unpinned"]).default("auto"),
  client: z.number().int().min(0).optional(),
  server: z.number().int().min(0).optional(),
  /**
   * Summarise and compare CPU cost per unit of work between modes (lower is better): netperf's
   * service demand (CPU µs per KB or per transaction, from -c -C) and, on the lab, the
   * benchmark CPU's busy time per transaction or per GB. Every trial records them.
   */
  serviceDemand: z.boolean().default(false),
});

/**
 * Second witnesses beside netperf (harness/witness), one name or a list: sockperf runs at the
 * TCP_RR points and iperf3 at the TCP_STREAM points, in the same blocks. Always a list once parsed.
 */
const witnesses = z
  .union([z.enum(WITNESSES), z.array(z.enum(WITNESSES)).min(1, { message: "names at least one witness" })], {
    message: `witness must be ${WITNESSES.join(" or ")}, or a list of them`,
  })
  .transform((value) => (typeof value === "string" ? [value] : value))
  .refine((list) => new Set(list).size === list.length, { message: "lists a witness twice" });

export const sweepSchema = z.strictObject({
  name: z.string().min(1).default("sweep"),
  description: z.string().optional(),
  backend: z.enum(BACKENDS).default("lab"),
  // parsed from {} so the defaults are LAB_SIZE's
  lab: labOptions.prefault({}),
  kubernetes: kubernetesOptions.optional(),
  modes: z
    .array(z.enum(MODES))
    .min(1, { message: `needs at least one mode (${MODES.join(", ")})` })
    .refine((modes) => new Set(modes).size === modes.length, { message: "lists a mode twice" })
    .default([...ROUTING_MODES]),
  placements: z
    .array(z.enum(PLACEMENTS))
    .min(1, { message: `needs at least one placement (${PLACEMENTS.join(", ")})` })
    .refine((list) => new Set(list).size === list.length, { message: "lists a placement twice" })
    .default([...PLACEMENTS]),
  tests: z.array(netperfTest).min(1, { message: "needs at least one test" }),
  /**
   * Where the client connects, one point per value (issue 23): `pod`, the server pod's own
   * address; `service`, a ClusterIP in front of it (kube-proxy's iptables DNAT in legacy,
   * socket-level load balancing in eBPF). Absent: [pod], and points name no destination.
   */
  destinations: z
    .array(z.enum(DESTINATIONS))
    .min(1, { message: `needs at least one destination (${DESTINATIONS.join(", ")})` })
    .refine((list) => new Set(list).size === list.length, { message: "lists a destination twice" })
    .optional(),
  /** The IP families to measure, one point per value (issue 23). Absent: [ipv4], and points name no family. */
  ipFamilies: z
    .array(z.enum(IP_FAMILIES))
    .min(1, { message: `needs at least one IP family (${IP_FAMILIES.join(", ")})` })
    .refine((list) => new Set(list).size === list.length, { message: "lists an IP family twice" })
    .optional(),
  /**
   * netperf instances run at once in each trial, one point per value (issue 14). Rates are
   * summed and latency percentiles merged from the pooled distribution (stats/merge-streams.ts).
   * Absent means [1]: it is not filled in, so the sweeps that run.json and results.json store
   * stay as they were, and so do the points and trial ids of sweeps written before it.
   */
  streams: z
    .array(z.number().int().min(1).max(64))
    .min(1, { message: "needs at least one stream count, e.g. [1]" })
    .refine((list) => new Set(list).size === list.length, { message: "lists a stream count twice" })
    .optional(),
  profile: z.enum(PROFILES).default("standard"),
  /** Seconds per netperf test (netperf -l); default from the profile. */
  duration: z.number().int().min(1).max(3600).optional(),
  /** Repetitions of every point; default from the profile. */
  repetitions: z.number().int().min(1).max(1000).optional(),
  /**
   * The design (sweep/plan.ts). interleaved: each block runs every point and mode once in
   * seeded random order. segmented: few replicated segments per routing mode mirrored in time
   * (A BB A), for slow switches. blocked: mode by mode, a before/after design that cannot
   * separate drift from the mode: only when written here. Default: from the switch cost of the
   * backend and strategy (sweep/switch-cost.ts): segmented where one switch takes
   * SLOW_SWITCH_SEC or more, else interleaved.
   */
  order: z.enum(ORDERS).optional(),
  /** The most mode switches the plan may make (the first setting counts); default 4 where switches are slow. */
  maxSwitches: z.number().int().min(1).max(10_000).optional(),
  /** Seconds one switch is expected to take, instead of the strategy's declared figure (sweep/switch-cost.ts). */
  switchCostSec: z.number().min(0).max(86_400).optional(),
  seed: z.number().int().min(0).default(1),
  /**
   * TCP_STREAM socket buffers (netperf -s/-S on both ends): bytes, `autotune` (TCP's own), or
   * `auto`: fixed at 4 MiB where netperf and netserver share one CPU (the lab's default), where
   * autotuning lands in random regimes (backends/backend.ts ONE_CPU_SOCKET_BUFFER_BYTES), else autotuning.
   */
  socketBuffers: z
    .union(
      [
        z.enum(["auto", "autotune"]),
        z
          .number()
          .int()
          .min(4096)
          .max(1 << 30),
      ],
      {
        message: "socketBuffers must be auto, autotune or a byte count from 4096",
      },
    )
    .default("auto"),
  cpu: cpuPinning.default({ placement: "auto", serviceDemand: false }),
  witness: witnesses.optional(),
  /**
   * Attribute each mode's CPU time to kernel subsystems: after each measured trial a profiled
   * twin runs with the benchmark CPU sampled by call chain (perf; on Kubernetes from a privileged
   * profiling pod per test node, with cpu.client and cpu.server named; CLI --explain).
   */
  explain: z.boolean().optional(),
  /** Extra attempts for a failed trial. */
  retries: z.number().int().min(0).max(10).default(1),
  /** --target-ci: keep adding repetitions until each comparison's CI is within ±targetCiPct %. */
  targetCiPct: z.number().positive().max(100).optional(),
  maxRepetitions: z.number().int().min(1).max(1000).optional(),
  /** With a target: stop adding blocks once the trials have used this many minutes. */
  timeBudgetMin: z.number().positive().max(10_000).optional(),
});

export type ParsedSweep = z.output<typeof sweepSchema>;

/**
 * A sweep with the profile applied: what gets planned, run and written into results.json and
 * run.json (and read back from them with this schema).
 */
export const resolvedSweepSchema = sweepSchema
  .omit({
    duration: true,
    repetitions: true,
    maxRepetitions: true,
    order: true,
    kubernetes: true,
    timeBudgetMin: true,
  })
  .extend({
    timeBudgetMin: z.number().positive().optional(),
    order: z.enum(ORDERS),
    kubernetes: kubernetesOptions,
    durationSec: z.number().int().min(1),
    repetitions: z.number().int().min(1),
    maxRepetitions: z.number().int().min(1),
    /**
     * How a point's modes are ordered in a block (sweep/plan.ts `pointModeOrder`): `routing-pair`,
     * the routing modes back to back and baselines before or after them (every sweep resolved
     * now); absent in runs planned before, whose modes were shuffled freely, so that such a run is
     * resumed and re-planned in the order it ran.
     */
    modeOrder: z.literal("routing-pair").optional(),
  });

export type Sweep = z.output<typeof resolvedSweepSchema>;

export interface SweepOverrides {
  profile?: Profile;
  seed?: number;
  targetCiPct?: number;
  backend?: BackendKind;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/**
 * Applies overrides and the profile. A profile given on the command line wins over the
 * file's duration and repetitions (that is what `--profile quick` is for).
 */
export function resolveSweep(parsed: ParsedSweep, overrides: SweepOverrides = {}): Sweep {
  const profile = overrides.profile ?? parsed.profile;
  const fromProfile = PROFILE_SETTINGS[profile];
  const cliProfile = overrides.profile !== undefined;
  const durationSec = cliProfile ? fromProfile.durationSec : (parsed.duration ?? fromProfile.durationSec);
  const repetitions = cliProfile ? fromProfile.repetitions : (parsed.repetitions ?? fromProfile.repetitions);
  const { duration: _d, repetitions: _r, maxRepetitions, order, kubernetes, timeBudgetMin, ...rest } = parsed;
  // the profile's adaptive settings apply where the profile sets the repetitions
  const profileDrives = cliProfile || parsed.repetitions === undefined;
  const backend = overrides.backend ?? parsed.backend;
  const k8s = kubernetesOptions.parse(kubernetes ?? {});
  if (overrides.kubeconfig) k8s.kubeconfig = overrides.kubeconfig;
  if (overrides.context) k8s.context = overrides.context;
  if (overrides.namespace) k8s.namespace = overrides.namespace;
  if (backend === "kubernetes" && parsed.modes.includes("direct"))
    throw new UsageError(
      "mode direct is a lab baseline (two pods joined by a veth pair of their own): a cluster has no such path",
      "remove direct from modes for a Kubernetes run; use host for a node-to-node baseline",
    );
  const service = parsed.destinations?.includes("service");
  const baselines = parsed.modes.filter((m) => m === "host" || m === "direct");
  if (service && baselines.length > 0)
    throw new UsageError(
      `destinations: service with modes ${baselines.join(", ")}: a baseline has no Service in front of the server`,
      "measure the baselines in a sweep of their own, or remove service from destinations",
    );
  if (parsed.ipFamilies?.includes("ipv6") && parsed.modes.includes("direct"))
    throw new UsageError(
      "ipFamilies: ipv6 with mode direct: the direct pair is IPv4 only",
      "remove direct from modes, or ipv6 from ipFamilies",
    );
  if (backend === "lab" && service && parsed.streams?.some((n) => n > 1))
    throw new UsageError(
      "destinations: service with streams above 1 on the lab: its netserver Service rotates one data port per trial",
      "measure several streams to the pod only, in a sweep of their own",
    );
  // destinations: service and ipFamilies: ipv6 run on Kubernetes too (a ClusterIP Service per
  // netserver; the pods' IPv6 addresses on a dual-stack cluster); the Service count is the lab's
  if (backend === "kubernetes" && parsed.lab.services)
    throw new UsageError(
      "lab.services: measured on the lab only; on Kubernetes the cluster's own Services are what they are",
      "run this sweep on the lab (--backend lab), or remove lab.services for a Kubernetes run",
    );
  const cost = SWITCH_COSTS[switchKind(backend, k8s.routing.strategy)];
  const slow = cost.switches && (parsed.switchCostSec ?? cost.typicalSec) >= SLOW_SWITCH_SEC;
  const resolvedOrder =
    order ?? (slow && parsed.modes.filter(switchesRouting).length > 1 ? "segmented" : "interleaved");
  const adaptive: Partial<ProfileSettings> =
    profileDrives && resolvedOrder === "interleaved" ? fromProfile : {};
  const targetCiPct = overrides.targetCiPct ?? parsed.targetCiPct ?? adaptive.targetCiPct;
  const budget = timeBudgetMin ?? adaptive.timeBudgetMin;
  return {
    ...rest,
    backend,
    kubernetes: k8s,
    order: resolvedOrder,
    profile,
    seed: overrides.seed ?? parsed.seed,
    targetCiPct,
    ...(budget !== undefined ? { timeBudgetMin: budget } : {}),
    durationSec,
    repetitions,
    maxRepetitions: Math.max(maxRepetitions ?? adaptive.maxRepetitions ?? repetitions * 4, repetitions),
    modeOrder: "routing-pair",
  };
}
