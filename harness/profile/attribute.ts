/**
 * Attribution of CPU samples to subsystems by call chain (the precedence is documented in
 * subsystems.ts). Self time would mislead here: on a VM without a hardware PMU, software-clock
 * samples land where interrupts are re-enabled (`pvm_irq_enable` held ~45% of self time in the
 * lab), so a sample belongs to the work its chain was doing, not to the function it landed in.
 *
 * Which samples are the benchmark's: the benchmark CPU also runs whatever else the machine
 * schedules there. A sample counts when its task is netperf, netserver, a ksoftirqd or the
 * idle task, or when its chain is doing network work (a softirq can process the benchmark's
 * packets on the back of any interrupted task). The idle task's samples that do no network
 * work are idle time, not busy time, as /proc/stat counts them. Pure.
 */
import { SUBSYSTEMS, type Subsystem } from "../vocabulary/vocabulary.js";
import { chainFrames } from "./folded.js";
import { classifySymbol } from "./subsystems.js";

/** The benchmark's own tasks, by comm. */
export const BENCHMARK_TASKS = [/^netperf$/, /^netserver$/, /^ksoftirqd\//, /^swapper/] as const;

/** Subsystems that only packets use: a chain in one of them is the benchmark's work whatever task it ran on. */
export const NETWORK_SUBSYSTEMS: readonly Subsystem[] = [
  "netfilter",
  "conntrack",
  "forwarding",
  "route",
  "neighbour",
  "ebpf",
  "devices",
  "tcp-udp",
];

/** Bridge frames: a netfilter hook called straight from one is br_netfilter's, run on bridged frames. */
const BRIDGE_FRAME = /^(__)?br_/;

export type SampleKind = "busy" | "idle" | "foreign";

export interface ChainClass {
  subsystem: Subsystem;
  kind: SampleKind;
}

/** One folded chain's subsystem and whether it is the benchmark's busy time, idle time, or another task's. */
export function classifyChain(chain: string): ChainClass {
  const { comm, frames } = chainFrames(chain);
  let innermost: Subsystem | null = null;
  let scoped: Subsystem | null = null;
  let user = false;
  let caller = "";
  // root first: the last match is the innermost
  for (const frame of frames) {
    if (!frame.kernel) {
      user = true;
      continue;
    }
    const c = classifySymbol(frame.name);
    const bridgeHook = c?.subsystem === "netfilter" && BRIDGE_FRAME.test(caller);
    caller = frame.name;
    if (!c) continue;
    // a netfilter hook the bridge runs (br_netfilter) is the bridge's: the underlay's, not host routing's
    const subsystem = bridgeHook ? "devices" : c.subsystem;
    innermost = subsystem;
    if (c.scope) scoped = subsystem;
  }
  const subsystem: Subsystem =
    scoped ?? innermost ?? (user && !frames.some((f) => f.kernel) ? "user" : "other");
  const network = NETWORK_SUBSYSTEMS.includes(subsystem);
  const benchmark = BENCHMARK_TASKS.some((re) => re.test(comm));
  const kind: SampleKind =
    !benchmark && !network ? "foreign" : /^swapper/.test(comm) && !network ? "idle" : "busy";
  return { subsystem, kind };
}

export interface Attribution {
  /** The benchmark's busy samples by subsystem. */
  bySubsystem: Record<Subsystem, number>;
  busy: number;
  idle: number;
  /** Other tasks' samples on the benchmark CPU (not network work). */
  foreign: number;
  samples: number;
}

export function emptyBySubsystem(): Record<Subsystem, number> {
  return Object.fromEntries(SUBSYSTEMS.map((s) => [s, 0])) as Record<Subsystem, number>;
}

/** Sums folded stacks into subsystems. */
export function attribute(stacks: ReadonlyMap<string, number>): Attribution {
  const bySubsystem = emptyBySubsystem();
  const totals = { busy: 0, idle: 0, foreign: 0 };
  let samples = 0;
  for (const [chain, n] of stacks) {
    const c = classifyChain(chain);
    samples += n;
    totals[c.kind] += n;
    if (c.kind === "busy") bySubsystem[c.subsystem] += n;
  }
  return { bySubsystem, ...totals, samples };
}
