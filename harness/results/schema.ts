/**
 * The files of a run folder, as zod schemas with the types derived from them: results.json
 * (everything a report, a comparison or a reviewer needs, raw data included), run.json and
 * each line of trials.jsonl. Reading a file parses it with its schema (read.ts, log.ts), so a
 * field that is missing, mistyped or unknown is refused with its path. Objects are strict: a
 * field this version does not know means another version or a damaged file.
 *
 * Over 300 lines on purpose: every stored field of run.json, trials.jsonl and results.json with
 * its documentation, in one file a reviewer reads from top to bottom (the summary's own shapes
 * are in summary-schema.ts).
 */
import { z } from "zod";
import { pointKeyShape } from "../sweep/point.js";
import { resolvedSweepSchema } from "../sweep/schema.js";
import { BACKENDS, METRIC_NAMES, MODES } from "../vocabulary/vocabulary.js";
import { WITNESSES } from "../witness/witness.js";
import { explainSchema, trialProfileSchema } from "./profile-schema.js";
import { summarySchema } from "./summary-schema.js";

/**
 * The version of results.json, run.json and trials.jsonl (its lines are results.json's trials).
 * 2: trials can be `rejected` (path, mode or noise), carry datapath counters and netperf's
 * elapsed time; one paired estimator; run.json carries the version.
 * 3: a comparison that was not tested, or cannot decide, is `undecided` with its
 * `undecidedReason` (2 called it "no significant difference" with a caveat; read.ts reads 2).
 */
export const RESULTS_SCHEMA_VERSION = 3;

const mode = z.enum(MODES);
const timestamp = z.string();

/** One point of the sweep (sweep/plan.ts's `Point`): its plan id, its key (sweep/point.ts) and sizes. */
export const pointSchema = z.strictObject({
  /** e.g. `cross-node/TCP_STREAM/1024` or `same-node/TCP_RR/1,1` (sweep/point.ts `planKey`) */
  key: z.string(),
  ...pointKeyShape,
  messageSize: z.number().int().optional(),
  requestSize: z.number().int().optional(),
  responseSize: z.number().int().optional(),
  /** netperf instances run at once; absent for one. */
  streams: z.number().int().min(2).optional(),
});

/** CPU and load over one trial, from /proc/stat and /proc/loadavg. */
export const noiseSampleSchema = z.strictObject({
  cpuBusyPct: z.number(),
  cpuStealPct: z.number(),
  loadAvg1: z.number(),
  loadPerCpu: z.number(),
  /** The CPUs netperf and netserver were pinned to, when they were. */
  benchCpus: z.array(z.number().int()).optional(),
  /** Steal on the benchmark's CPUs (percent of their time): what slows the trial itself. */
  benchCpuStealPct: z.number().optional(),
  /**
   * Runnable tasks that are not the benchmark's, on its CPUs (any CPU when unpinned),
   * averaged over samples taken every 200 ms from /proc/<pid>/stat.
   */
  competingTasks: z.number().optional(),
  /**
   * Busy share of the CPUs the benchmark does not use (percent): other work on the machine.
   * Pairs whose two trials differ in it by more than 20 points are not counted.
   */
  otherCpusBusyPct: z.number().optional(),
  samples: z.number().int().optional(),
  /**
   * CPU seconds the benchmark's CPUs spent during the trial, from /proc/stat: user (netperf and
   * netserver), system (their system calls, the transmit path) and softirq (the receive
   * path: veth backlogs, routing, iptables or BPF). With one-CPU placement and the harness
   * kept off, that is the benchmark's whole cost: both ends and the nodes' datapath. The input
   * of the CPU cost metrics (run/cpu-cost.ts: busy seconds per transaction or per GB); the stored
   * name stays as results files have it.
   */
  benchCpuSec: z
    .strictObject({ user: z.number(), system: z.number(), softirq: z.number(), busy: z.number() })
    .optional(),
  /**
   * The CPU speed probe (machine/cpu-probe.ts) on the benchmark CPU right before and right
   * after the trial: CPU nanoseconds of its fixed multiply chain and memory walk. A host that
   * slows the guest shows here when nothing else in the guest does.
   */
  cpuProbe: z
    .strictObject({
      before: z.strictObject({ multiplyNs: z.number(), memoryNs: z.number() }),
      after: z.strictObject({ multiplyNs: z.number(), memoryNs: z.number() }),
    })
    .optional(),
});
export type NoiseSample = z.output<typeof noiseSampleSchema>;

/** Why a trial that ran is not counted: wrong path, the mode moved under it, or the machine was too busy. */
export const rejectionSchema = z.strictObject({
  kind: z.enum(["path", "mode", "noise"]),
  reason: z.string(),
  /** noise: the rule that fired, with its threshold and the measured value. */
  rule: z.strictObject({ name: z.string(), threshold: z.number(), value: z.number() }).optional(),
});
export type Rejection = z.output<typeof rejectionSchema>;

/** What the lab's own devices and stacks did during a trial: is the lab itself misbehaving? */
export const datapathCountersSchema = z.strictObject({
  /** TCP segments the client retransmitted (its namespace's Tcp RetransSegs). */
  tcpRetransSegs: z.number(),
  /** Reordering the client's stack detected (TcpExt TCP{SACK,TS,Reno}Reorder). */
  tcpReorder: z.number(),
  /** Duplicate segments the peer reported (TcpExt TCPDSACKRecv): spurious retransmissions. */
  tcpDsackRecv: z.number(),
  /** Device drops that moved, per `namespace/device`. */
  drops: z.record(z.string(), z.number()),
});
export type DatapathCounters = z.output<typeof datapathCountersSchema>;

/** Which path a trial's packets took, from the backend's counters (lab: BPF, FORWARD). */
export const pathCheckSchema = z.strictObject({
  bpfRedirects: z.number(),
  stackPasses: z.number(),
  iptablesForwardPackets: z.number(),
  /** Packets the nodes' IP stacks forwarded (Ip ForwDatagrams). */
  ipForwarded: z.number().optional(),
  /** The mode generation the trial was expected to run in (seen before and after). */
  generation: z.number().int().optional(),
  ok: z.boolean(),
  /** What failed: the packets' path, or the mode (switched during the trial). */
  kind: z.enum(["ok", "path", "mode"]).optional(),
  reason: z.string(),
  /** The trial's address family, where it was not IPv4 (absent: ipv4). */
  family: z.enum(["ipv4", "ipv6"]).optional(),
  /**
   * A trial to a Service (lab): how its connections reached the server. Legacy: the Service's
   * DNAT rules counted them and conntrack holds the ClusterIP; eBPF: the socket LB translated
   * them at connect() and no DNAT rule moved.
   */
  service: z
    .strictObject({
      family: z.enum(["ipv4", "ipv6"]),
      service: z.string(),
      clusterIp: z.string(),
      port: z.number().int(),
      dnatPackets: z.number(),
      /** Entries for the ClusterIP on the client's node after the trial, and their change over it. */
      conntrackEntries: z.number(),
      conntrackDelta: z.number(),
      socketLbTranslations: z.number(),
      serviceHits: z.number(),
      ok: z.boolean(),
      reason: z.string(),
    })
    .optional(),
});
export type PathCheck = z.output<typeof pathCheckSchema>;

/** The backend's proof that a mode is in force, taken at each switch. */
export const modeEvidenceSchema = z.strictObject({
  mode,
  at: timestamp,
  /** e.g. each lab node's BPF map, or each Cilium agent's `Host Routing` line. */
  nodes: z.record(z.string(), z.string()),
  ok: z.boolean(),
  /** false where the mode is as set or assumed but nothing in the cluster confirmed it; absent in older files (confirmed). */
  verified: z.boolean().optional(),
  detail: z.string(),
  /** When the run asked the backend for this mode (run/execute.ts); absent in older files. */
  switchStartedAt: timestamp.optional(),
  /** Seconds from that request to the evidence: the switch's measured duration, verification included. */
  switchSec: z.number().optional(),
});
export type ModeEvidence = z.output<typeof modeEvidenceSchema>;

/** A trial's figures by metric name. */
const metricsSchema = z.partialRecord(z.enum(METRIC_NAMES), z.number());

/** One trial attempt: a results.json trial, and one line of trials.jsonl. */
export const trialRecordSchema = z.strictObject({
  id: z.string(),
  block: z.number().int(),
  mode,
  point: pointSchema,
  durationSec: z.number(),
  /** completed: counted; failed: netperf did not give a figure; rejected: ran, but not counted (see `rejection`). */
  state: z.enum(["completed", "failed", "rejected"]),
  attempt: z.number().int(),
  startedAt: timestamp,
  finishedAt: timestamp,
  argv: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  /** netperf's stdout as printed. */
  stdout: z.string(),
  stderrTail: z.string(),
  metrics: metricsSchema.optional(),
  error: z.string().optional(),
  path: pathCheckSchema.optional(),
  rejection: rejectionSchema.optional(),
  /** Completed although the machine stayed above the noise thresholds after every allowed repeat. */
  noisy: z.boolean().optional(),
  /** With `noisy`: the rule its last attempt still broke, with threshold and measured value. */
  noisyRule: z.strictObject({ name: z.string(), threshold: z.number(), value: z.number() }).optional(),
  noise: noiseSampleSchema.optional(),
  datapath: datapathCountersSchema.optional(),
  /** netperf's own ELAPSED_TIME (seconds): the measured test length. */
  elapsedSec: z.number().optional(),
  /** Servers found dead and restarted before this attempt: a namespace (its netserver) or `tool@namespace` (a witness's server). */
  restarts: z.array(z.string()).optional(),
  /** Where the attempt's wall time went (milliseconds): what the harness costs beside netperf. */
  phasesMs: z.record(z.string(), z.number()).optional(),
  /** The evidence taken when the backend switched to this trial's mode. */
  modeEvidence: modeEvidenceSchema.optional(),
  /**
   * streams > 1: each netperf instance's own metrics (launch order) and how the latency
   * percentiles were merged (`bound`: guaranteed brackets from each instance's own
   * percentiles, no single value).
   * `stdout` then holds the instances' outputs one after another.
   */
  streams: z
    .strictObject({
      count: z.number().int().min(2),
      perInstance: z.array(metricsSchema),
      latency: z
        .strictObject({
          method: z.literal("bound"),
          percentiles: z.array(
            z.strictObject({
              percent: z.number(),
              valueUs: z.number().nullable(),
              lowerUs: z.number(),
              upperUs: z.number(),
            }),
          ),
        })
        .nullable(),
    })
    .optional(),
  /** The second witness, run in the same mode and block right after netperf (or right before it: `before`) (sweep `witness`). */
  witness: z
    .strictObject({
      tool: z.enum(WITNESSES),
      argv: z.array(z.string()),
      metrics: metricsSchema.optional(),
      elapsedSec: z.number().optional(),
      /** Why the witness gave no figure; netperf's figure still counts. */
      error: z.string().optional(),
      /** It ran right before netperf, not after: the trial opened its point's routing pair (run/execute.ts `leadsRoutingPair`). */
      before: z.literal(true).optional(),
      /** Its wall time in seconds when it ran before (the time budget counts it: stats/summary.ts `trialSeconds`). */
      wallSec: z.number().optional(),
    })
    .optional(),
  /** explain: the profiled twin run right after this trial (results/profile-schema.ts). */
  profile: trialProfileSchema.optional(),
});
export type TrialRecord = z.output<typeof trialRecordSchema>;

/** The machine routebench itself ran on, recorded apart where it is not the system under test (Kubernetes). */
export const controllerMachineSchema = z.strictObject({
  kernel: z.string(),
  os: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int(),
  hostname: z.string(),
});
export type ControllerMachine = z.output<typeof controllerMachineSchema>;

/**
 * Which machine the figures belong to (machine/identity.ts): a ratio is a property of the
 * machine it was measured on. Absent in files written before it was recorded.
 */
export const machineIdentitySchema = z.strictObject({
  /** /proc/cpuinfo vendor_id, e.g. AuthenticAMD, GenuineIntel. */
  vendor: z.string(),
  family: z.number().int().nullable(),
  model: z.number().int().nullable(),
  stepping: z.number().int().nullable(),
  /** null where the hypervisor hides it. */
  microcode: z.string().nullable(),
  modelName: z.string(),
  nominalMHz: z.number().nullable(),
  /** Where the nominal clock came from: the model name's "@ x GHz", cpufreq, or the (current) cpuinfo clock. */
  nominalMHzSource: z.enum(["model name", "cpufreq base_frequency", "cpuinfo cpu MHz", "unknown"]),
  /** From the kernel log ("Hypervisor detected: KVM"), /sys/hypervisor or DMI; null on bare metal. */
  hypervisor: z.string().nullable(),
  /** DMI vendor and product (e.g. "Microsoft Corporation Virtual Machine"), where exposed. */
  platform: z.string().optional(),
  /** /proc/version: kernel release, compiler and build. */
  kernelBuild: z.string(),
  cpuCount: z.number().int(),
});
export type MachineIdentity = z.output<typeof machineIdentitySchema>;

/** The system under test as a backend sees it, where that is not the machine routebench runs on. */
export const systemUnderTestSchema = z.strictObject({
  kernel: z.string(),
  os: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int(),
  memoryGiB: z.number(),
  netperfVersion: z.string(),
  /** The machine under test's identity; on Kubernetes node A's, read in the client pod (its node's CPU and kernel). */
  machine: machineIdentitySchema.optional(),
  /** Kubernetes: each test node's identity by node name (node B's read in its server pod), where the sweep has cross-node. */
  nodeMachines: z.record(z.string(), machineIdentitySchema).optional(),
});
export type SystemUnderTest = z.output<typeof systemUnderTestSchema>;

/** Where netperf and netserver ran (machine/cpu-placement.ts chooses it; the lab's topology records it). */
export const cpuPlacementSchema = z.object({
  /** one-cpu: both ends on `cpus[0]`; explicit: the sweep's client/server CPUs; unpinned: the scheduler decides. */
  policy: z.enum(["one-cpu", "explicit", "unpinned"]),
  /** netperf -T client,server, or null. */
  client: z.number().int().nullable(),
  server: z.number().int().nullable(),
  /** The CPUs the benchmark's processes run on (null when unpinned). */
  cpus: z.array(z.number().int()).nullable(),
  /** Why, in a sentence a report can print. */
  reason: z.string(),
  /** Busy share of each allowed CPU when the choice was made (percent). */
  busyPct: z.record(z.string(), z.number()).optional(),
});

/**
 * The topology facts a report reads (the backend records more: the lab's size, a cluster's
 * nodes). Checked when a results file is read; the stored record keeps every field in its order.
 */
const topologyFactsSchema = z.looseObject({
  kind: z.enum(BACKENDS).optional(),
  cpuPlacement: cpuPlacementSchema.optional(),
  /** TCP_STREAM's fixed socket buffers (netperf -s/-S), where the backend fixed them. */
  tcpStreamSocketBufferBytes: z.number().optional(),
});
export type TopologyFacts = z.output<typeof topologyFactsSchema>;

/** A run's topology: the backend's facts as it recorded them, with the ones the report reads checked. */
const topologySchema = z.record(z.string(), z.unknown()).superRefine((topology, ctx) => {
  const facts = topologyFactsSchema.safeParse(topology);
  if (!facts.success)
    for (const issue of facts.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
});

/** The typed facts of a topology (already checked when the file was read). */
export function topologyFacts(topology: Record<string, unknown>): TopologyFacts {
  return topologyFactsSchema.parse(topology);
}

/** kernel … netperfVersion describe the system under test (the test nodes on Kubernetes). */
export const environmentSchema = systemUnderTestSchema.extend({
  nodeVersion: z.string(),
  routebenchVersion: z.string(),
  gitCommit: z.string().nullable(),
  hostname: z.string(),
  backend: z.string(),
  topology: topologySchema,
  /** Set where the controller is not the system under test: its facts, labelled as such. */
  controller: controllerMachineSchema.optional(),
});
export type Environment = z.output<typeof environmentSchema>;

/** results.json. */
export const resultsSchema = z.strictObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  runId: z.string(),
  label: z.string(),
  state: z.enum(["completed", "aborted", "failed"]),
  /** The error that ended a failed run, or that was raised while an interrupted one stopped. */
  failure: z.string().optional(),
  startedAt: timestamp,
  finishedAt: timestamp,
  /** The command that produced the run, to reproduce it. */
  command: z.array(z.string()),
  environment: environmentSchema,
  sweep: resolvedSweepSchema,
  plannedTrials: z.number().int(),
  modeEvidence: z.array(modeEvidenceSchema),
  trials: z.array(trialRecordSchema),
  summary: summarySchema,
  /** explain: CPU time per unit of work by kernel subsystem (results/profile-schema.ts). */
  explain: explainSchema.optional(),
});
export type Results = z.output<typeof resultsSchema>;

/** run.json: what is being run, written before the first trial; `--resume` continues from it. */
export const runMetaSchema = z.strictObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  runId: z.string(),
  label: z.string(),
  startedAt: timestamp,
  command: z.array(z.string()),
  sweep: resolvedSweepSchema,
  environment: environmentSchema,
});
export type RunMeta = Omit<z.output<typeof runMetaSchema>, "schemaVersion">;
