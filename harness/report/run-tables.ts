/**
 * The tables about how the run went rather than what it measured: time to precision, datapath
 * verification and health, attempts not counted or failed, and the environment. Pure.
 */
import { describeMachine } from "../machine/identity.js";
import type { ModeEvidence, Results, TrialRecord } from "../results/schema.js";
import { datapathByMode } from "../stats/datapath.js";
import { precisionPair } from "../stats/point-comparison.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import { type Cell, count, empty, type Table, text } from "./cells.js";
import { MODE_NAMES, placementName, sizeText } from "./points.js";

export function verificationTable(results: Results): Table {
  const rows: Cell[][] = [];
  for (const mode of results.sweep.modes) {
    const evidence = results.modeEvidence.filter((e) => e.mode === mode);
    for (const placement of results.sweep.placements) {
      const trials = results.trials.filter(
        (t) => t.mode === mode && t.point.placement === placement && t.state === "completed",
      );
      const withPath = trials.filter((t) => t.path);
      const sum = (f: (t: TrialRecord) => number) => withPath.reduce((s, t) => s + f(t), 0);
      const rejected = results.trials.filter(
        (t) =>
          t.mode === mode &&
          t.point.placement === placement &&
          (t.rejection?.kind === "path" || t.rejection?.kind === "mode"),
      ).length;
      const counted = (f: (t: TrialRecord) => number) => (withPath.length ? count(sum(f)) : empty("–"));
      rows.push([
        text(MODE_NAMES[mode] ?? mode),
        text(placementName(placement)),
        text(evidenceSummary(evidence)),
        counted((t) => t.path?.bpfRedirects ?? 0),
        counted((t) => t.path?.iptablesForwardPackets ?? 0),
        counted((t) => t.path?.ipForwarded ?? 0),
        withPath.length
          ? { kind: "fraction", part: withPath.filter((t) => t.path?.ok).length, whole: withPath.length }
          : empty("n/a"),
        count(rejected),
      ]);
    }
  }
  return {
    id: "verification",
    title: "Datapath verification",
    columns: [
      "Mode",
      "Placement",
      "Mode switches",
      "BPF redirects",
      "iptables FORWARD packets",
      "IP forwarded",
      "Counted trials on the expected path",
      "Attempts rejected (path or mode)",
    ],
    rows,
    note: "Read around every trial: packets redirected by the lab's BPF program, packets through the nodes' iptables FORWARD chain, the nodes' IP forwarding counter, and the mode and its switch generation in each node's BPF map. A trial counts only on positive evidence of its own path (eBPF: redirects, no FORWARD, no IP forwarding; legacy: stack passes and FORWARD packets, no redirects) in one unchanged mode; the others are rejected and retried.",
  };
}

/** Switches, and how many were confirmed in the cluster: a mode only set or assumed is counted as unverified. */
function evidenceSummary(evidence: readonly ModeEvidence[]): string {
  const verified = evidence.filter((e) => e.ok && e.verified !== false).length;
  const unverified = evidence.filter((e) => e.ok && e.verified === false).length;
  const [first, last] = [evidence[0], evidence.at(-1)];
  // each switch has its own detail (its generation): the first and the last, not the first for all
  const detail =
    !first || !last
      ? ""
      : first.detail === last.detail
        ? `: ${first.detail}`
        : `: first ${first.detail}; last ${last.detail}`;
  return `${evidence.length} switch(es), ${verified} verified${unverified ? `, ${unverified} NOT verified` : ""}${detail}`;
}

export function environmentTable(results: Results): Table {
  const e = results.environment;
  const c = e.controller;
  // where a controller is recorded, the measured machines are elsewhere: say which is which
  const sut = c ? " (test nodes)" : "";
  return {
    id: "environment",
    title: "Environment",
    columns: ["", ""],
    rows: (
      [
        ["Backend", `${e.backend} ${JSON.stringify(e.topology)}`],
        [`Kernel${sut}`, e.kernel],
        [`OS${sut}`, e.os],
        [`CPU${sut}`, `${e.cpuModel} × ${e.cpuCount}`],
        ...(e.machine
          ? ([
              [`Machine${sut}`, describeMachine(e.machine, e.kernel)],
              [`Kernel build${sut}`, e.machine.kernelBuild],
            ] as const)
          : []),
        [`Memory${sut}`, `${e.memoryGiB} GiB`],
        [`netperf${sut}`, e.netperfVersion],
        ["Node.js", e.nodeVersion],
        ["routebench", `${e.routebenchVersion}${e.gitCommit ? ` (${e.gitCommit})` : ""}`],
        [
          c ? "Controller (ran routebench, not measured)" : "Host",
          c ? `${c.hostname}: ${c.os}, kernel ${c.kernel}, ${c.cpuModel} × ${c.cpuCount}` : e.hostname,
        ],
      ] as const
    ).map((row) => row.map(text)),
  };
}

const SHORT_MODE: Record<Mode, string> = { ebpf: "eBPF", legacy: "legacy", host: "host", direct: "direct" };

/** Per point: the pairs, time and precision its precision pair's comparison (eBPF/legacy when both ran) reached. */
export function precisionTable(results: Results): Table | null {
  const precision = results.summary.precision ?? [];
  const pair = precisionPair(results.sweep.modes);
  if (precision.length === 0 || !pair) return null;
  const pairName = `${SHORT_MODE[pair.candidate]}/${SHORT_MODE[pair.baseline]}`;
  const target = results.sweep.targetCiPct;
  return {
    id: "precision",
    title: "Time to precision per point",
    columns: [
      "Placement",
      "Test",
      "Size",
      "Pairs",
      "Time (s)",
      `Widest ${pairName} interval`,
      target ? `Within ±${target}%` : "Target",
    ],
    rows: precision.map((p): Cell[] => [
      text(placementName(p.placement)),
      text(p.test),
      text(sizeText(p)),
      count(p.pairs),
      { kind: "fixed", value: p.seconds, digits: 0, unit: "s" },
      { kind: "halfWidth", value: p.worstHalfWidth },
      { kind: "reached", value: p.reached },
    ]),
    note: target
      ? `Every point ran ${results.sweep.repetitions} interleaved blocks, then blocks were added only where ${/^e/.test(pairName) ? "an" : "a"} ${pairName} interval was wider than ±${target}% (up to ${results.sweep.maxRepetitions} blocks${results.sweep.timeBudgetMin ? ` or ${results.sweep.timeBudgetMin} minutes of trials` : ""}). Time counts every attempt of the point, repeats included.`
      : "Time counts every attempt of the point, repeats included.",
  };
}

/** Per point and mode: what the lab's own devices and stacks did (retransmissions, reordering, drops). */
export function datapathTable(results: Results): Table | null {
  const byPoint = datapathByMode(results.trials);
  if (byPoint.size === 0) return null;
  const rows: Cell[][] = [];
  for (const [key, modes] of byPoint.entries()) {
    for (const [mode, v] of modes)
      rows.push([
        text(placementName(key.placement)),
        text(key.test),
        text(sizeText(key)),
        text(MODE_NAMES[mode] ?? mode),
        { kind: "fixed", value: v.retransPerTrial, digits: 1 },
        { kind: "fixed", value: v.reorderPerTrial, digits: 1 },
        count(v.drops),
      ]);
  }
  return {
    id: "datapath",
    title: "Lab datapath health (per completed trial)",
    columns: [
      "Placement",
      "Test",
      "Size",
      "Mode",
      "TCP retransmissions",
      "Reorderings detected",
      "Device drops (total)",
    ],
    rows,
    note: "Read around every trial in the client pod's namespace (Tcp RetransSegs; TcpExt TCPSACKReorder + TCPTSReorder + TCPRenoReorder) and on every lab device on the path (/proc/net/dev drops). The lab's veth devices have no queueing discipline (noqueue), so there are no qdisc drops or overlimits to count. Retransmissions or reordering that differ between modes mean the lab, not host routing, shaped the figure.",
  };
}

/** Attempts that ran but were not counted, grouped by why. */
export function rejectedTable(results: Results): Table | null {
  const rejected = results.trials.filter((t) => t.state === "rejected");
  if (rejected.length === 0) return null;
  const groups = new Map<string, TrialRecord[]>();
  for (const t of rejected) {
    const why =
      t.rejection?.kind === "noise"
        ? `noise: ${t.rejection.rule?.name} above ${t.rejection.rule?.threshold}`
        : `${t.rejection?.kind}: ${t.rejection?.reason}`;
    groups.set(why, [...(groups.get(why) ?? []), t]);
  }
  return {
    id: "rejected",
    title: "Attempts not counted",
    columns: ["Why", "Attempts", "Trials"],
    rows: [...groups].map(([why, list]) => [
      text(why),
      count(list.length),
      text([...new Set(list.map((t) => t.id))].slice(0, 4).join(", ") + (list.length > 4 ? ", …" : "")),
    ]),
    note: "A trial whose packets took the wrong path, whose mode was switched under it, or that ran while the machine was too busy is repeated; its attempt stays in trials.jsonl and never enters a figure.",
  };
}

export function failedTable(results: Results): Table | null {
  const failed = results.trials.filter((t) => t.state === "failed");
  if (failed.length === 0) return null;
  return {
    id: "failed",
    title: "Failed trial attempts",
    columns: ["Trial", "Attempt", "Exit", "What happened"],
    rows: failed.map((t) => [
      text(t.id),
      count(t.attempt),
      t.exitCode === null ? text(t.signal ?? "–") : count(t.exitCode),
      text(t.error ?? ""),
    ]),
    note: "Each attempt's argv, stdout and stderr are in trials.jsonl.",
  };
}
