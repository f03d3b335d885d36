/**
 * What changing the lab's Service count costs (a sweep with `lab.services`, issue 23), for the
 * dry-run and the run's first line: every change rewrites each node's nat table whole, once per
 * family (iptables-restore and ip6tables-restore, kube-proxy's way), and adds or deletes the
 * Services' entries of the socket LB's map in one bpftool batch (backends/lab/service-lab.ts
 * `writeServices`). The time follows the counts: the tables' rules at the new count, the map
 * commands for the Services added or removed. Declared here, below the backends, so that
 * planning and `run --dry-run` price it without loading the lab; a lab unit test checks the
 * per-Service figures against the rules and commands the lab writes. Pure.
 */
import type { Trial } from "./plan.js";
import type { Sweep } from "./schema.js";

/**
 * The lab's Service shape and the measured rates. The shape: one port and two endpoints per
 * synthetic Service give 8 nat rules per family (the KUBE-SERVICES jump, KUBE-SVC's masquerade
 * mark, and per endpoint a jump, a KUBE-SEP mark and its DNAT) and 10 map commands (per
 * family: two backends, two slots, the service entry), services.ts `natRestore` and sock-lb.ts
 * `serviceUpdateCommands`/`serviceDeleteCommands`; the netserver's own Services add a fixed
 * `baseRules`. The rates: `npm run bench:services-up` on this machine (2 nodes × 2 pods, a
 * kernel 6.18 VM of 2 vCPUs), which prints each part of a change to 10,000 Services and back.
 * Quiet, to 10,000 (80,162 rules per node and family, 99,000 map updates) took 4.6–5.1 s of
 * iptables-restore and 4.6–5.7 s of ip6tables-restore summed over the 2 nodes and 1.5–1.8 s of
 * map batch; back to 100 (962 rules, 99,000 map deletes) ≈ 2.3 s in all. A run with the
 * machine shared (`RUNS=1`, 2026-12-06 17:51 UTC) took about twice as long throughout: to
 * 10,000 11.1 + 10.0 + 4.0 s, back 0.53 + 0.42 + 3.68 s, so a restore costs ~0.25 s even at 962
 * rules, and a delete (37 µs) what an update does (40 µs). Hence: a fixed cost per restore,
 * a rate per rule, one rate per map command, fitted to the quiet figures (middle of each
 * range): the estimate is a quiet machine's; a busy one takes up to twice as long.
 */
export const SERVICE_CHANGE_COST = {
  natRulesPerService: 8,
  /** Rules a table holds besides the synthetic Services': the chains' heads and the netserver's Services. */
  baseRules: 162,
  mapCommandsPerService: 10,
  /** Seconds one iptables-restore or ip6tables-restore costs whatever its size: (2.3 s − 99,000 × 17 µs) / 4 restores − 962 rules' time. */
  restoreSec: 0.12,
  /** Seconds per rule of one node's iptables-restore: (4.85 s / 2 nodes − 0.12 s) / 80,162 rules. */
  iptablesSecPerRule: 29e-6,
  /** Seconds per rule of one node's ip6tables-restore: (5.15 s / 2 nodes − 0.12 s) / 80,162 rules. */
  ip6tablesSecPerRule: 31e-6,
  /** Seconds per map command in the batch, update or delete: 1.65 s / 99,000 updates. */
  mapSecPerCommand: 17e-6,
} as const;

/**
 * Seconds to go from `from` to `to` Services on a lab of `nodes` nodes: each node's two nat
 * tables rewritten at the new count (a restore's fixed cost and its rules), then the map
 * entries of the Services added or removed.
 */
export function serviceChangeSeconds(from: number, to: number, nodes: number): number {
  if (from === to) return 0;
  const c = SERVICE_CHANGE_COST;
  const rules = c.baseRules + c.natRulesPerService * to;
  const tables = nodes * (2 * c.restoreSec + rules * (c.iptablesSecPerRule + c.ip6tablesSecPerRule));
  return tables + Math.abs(to - from) * c.mapCommandsPerService * c.mapSecPerCommand;
}

/**
 * The Service-count changes a plan makes, in order, as [from, to]: one wherever a trial's count
 * differs from the one before it. The lab starts at the first trial's count (a run that brings
 * the lab up gives it that count; a lab already up at another count adds one change more).
 */
export function serviceCountChanges(trials: readonly Trial[]): [number, number][] {
  const changes: [number, number][] = [];
  let current: number | undefined;
  for (const t of trials) {
    const count = t.point.services;
    if (count === undefined) continue;
    if (current !== undefined && count !== current) changes.push([current, count]);
    current = count;
  }
  return changes;
}

/** Seconds the plan's Service-count changes should take on the sweep's lab (0 without the axis). */
export function estimateServiceSeconds(sweep: Sweep, trials: readonly Trial[]): number {
  return serviceCountChanges(trials).reduce(
    (sum, [from, to]) => sum + serviceChangeSeconds(from, to, sweep.lab.nodes),
    0,
  );
}

/**
 * Seconds one more block adds in changes (the adaptive phase's blocks): a block passes every
 * count once, up in one block and down in the next, so half of each pass.
 */
export function serviceSecondsPerBlock(sweep: Sweep): number {
  const counts = [...(sweep.lab.services ?? [])].sort((a, b) => a - b);
  let up = 0;
  let down = 0;
  for (let i = 1; i < counts.length; i++) {
    const [low, high] = [counts[i - 1] as number, counts[i] as number];
    up += serviceChangeSeconds(low, high, sweep.lab.nodes);
    down += serviceChangeSeconds(high, low, sweep.lab.nodes);
  }
  return (up + down) / 2;
}
