/**
 * The run's design in the report (issue 18): how the modes were ordered in time, how many
 * switches the run made and what each one measurably took, and what the design cannot
 * separate from the mode (drift in a before/after run, the clusters' differences with one
 * cluster per mode). Files written before the design was recorded are described from their
 * sweep. Pure.
 */
import type { Results } from "../results/schema.js";
import { designSummary } from "../stats/summary.js";
import { switchesRouting } from "../vocabulary/vocabulary.js";
import { type Cell, count, empty, type Table, text } from "./cells.js";

/** Seconds as people read a switch's time: ms below a second, else s, min or h. */
export function switchDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

/** The routing-mode switches the run made, in time order (baselines switch nothing). */
function routingSwitches(results: Results) {
  return results.modeEvidence.filter((e) => switchesRouting(e.mode));
}

/** The design note: the design, the switches planned and made, each one's measured time, and the confounds. */
export function designNote(results: Results): string {
  const design = results.summary.design ?? designSummary(results.sweep);
  const switches = routingSwitches(results);
  const oneClusterPerMode =
    results.sweep.backend === "kubernetes" && results.sweep.kubernetes.routing.strategy === "contexts";
  const timed = switches.filter((e) => e.switchSec !== undefined);
  const made = oneClusterPerMode
    ? "no mode switches (one cluster per mode; the run moved between them)"
    : `${design.plannedSwitches} mode switches planned (expected ~${switchDuration(design.expectedSwitchSec)} each${design.replacesNodes ? ", each replacing the nodes" : ""}), ${switches.length} made${timed.length > 0 ? `, measured ${timed.map((e) => `${e.mode} ${switchDuration(e.switchSec as number)}`).join(", ")}` : ""}`;
  return `Design: ${design.description}. ${made}.`;
}

/** One row per switch: the mode, when it was asked for, how long it took until verified, and the evidence. */
export function switchesTable(results: Results): Table | null {
  const switches = routingSwitches(results);
  if (switches.length === 0) return null;
  if (switches.length > MAX_LISTED) return switchesByMode(results, switches);
  const rows: Cell[][] = switches.map((e, i) => [
    count(i + 1),
    text(e.mode),
    text(e.switchStartedAt ?? e.at),
    e.switchSec === undefined ? empty("not recorded") : text(switchDuration(e.switchSec)),
    text(!e.ok ? "FAILED" : e.verified === false ? "set, NOT verified" : "verified"),
    text(e.detail),
  ]);
  return {
    id: "switches",
    title: "Mode switches",
    columns: ["#", "Mode", "Asked for at", "Measured duration", "Evidence", "Detail"],
    rows,
    note: "Each routing-mode switch as the run made it: the wall time from asking the backend for the mode to the evidence that it is in force (agent rollouts, node replacement and verification included). Baseline modes (host) switch nothing. Files written before switches were timed show no duration.",
  };
}

/** More switches than this (interleaved on the lab: hundreds) are summarised per mode instead of listed. */
const MAX_LISTED = 12;

function switchesByMode(results: Results, switches: ReturnType<typeof routingSwitches>): Table {
  const rows: Cell[][] = [...new Set(switches.map((e) => e.mode))].map((mode) => {
    const mine = switches.filter((e) => e.mode === mode);
    const times = mine.flatMap((e) => (e.switchSec === undefined ? [] : [e.switchSec])).sort((a, b) => a - b);
    const median = times[Math.floor((times.length - 1) / 2)];
    return [
      text(mode),
      count(mine.length),
      median === undefined ? empty("not recorded") : text(switchDuration(median)),
      times.length === 0 ? empty("not recorded") : text(switchDuration(times.at(-1) as number)),
      count(mine.filter((e) => !e.ok).length),
    ];
  });
  return {
    id: "switches",
    title: "Mode switches",
    columns: ["Mode", "Switches", "Median duration", "Longest", "Failed"],
    rows,
    note: `${switches.length} routing-mode switches, summarised per mode (results.json lists each with its evidence): the wall time from asking the backend for the mode to the evidence that it is in force. Baseline modes (host) switch nothing.${results.summary.design ? "" : " Files written before switches were timed show no duration."}`,
  };
}
