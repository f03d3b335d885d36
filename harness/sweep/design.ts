/**
 * The design a sweep's plan makes, checked and put in words: `checkDesign` refuses a design that
 * does not fit its switch cost before anything is created; `designLine` says what the design
 * can and cannot separate from the mode. Pure.
 */
import { UsageError } from "../util/errors.js";
import { switchesRouting } from "../vocabulary/vocabulary.js";
import { plannedSwitches, planSweep, sweepSegments, switchCap, switchCostOf } from "./plan.js";
import type { Sweep } from "./schema.js";

function hours(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : `${Math.round(seconds / 60)} min`;
}

/**
 * Refuses a design that does not fit its switch cost, before
 * anything is created: a plan over its switch cap (maxSwitches, 4 by default for slow
 * switches), segments that do not fit the cap, an adaptive phase (--target-ci) that would add
 * switches the design planned up front.
 */
export function checkDesign(sweep: Sweep): void {
  const cost = switchCostOf(sweep);
  const routing = sweep.modes.filter(switchesRouting);
  const where = `${sweep.backend === "lab" ? "the lab" : `routing.strategy ${sweep.kubernetes.routing.strategy}`}: ${cost.what}`;
  if (sweep.order === "segmented" && routing.length < 2)
    throw new UsageError(
      `order segmented alternates the two routing modes (legacy, ebpf); modes lists ${routing.length === 0 ? "none" : routing.join("")}`,
      "use order: interleaved",
    );
  const switches = plannedSwitches(sweep, planSweep(sweep));
  const limit = switchCap(sweep);
  if (sweep.order === "segmented" && routing.length === 2 && limit !== undefined && limit < 3)
    throw new UsageError(
      `maxSwitches ${limit} is too few for the segmented design (A BB A takes 3 switches); with ${limit} only a before/after design fits, in which drift and the mode are confounded`,
      "raise maxSwitches to 3 or more, or write `order: blocked` to accept a before/after design that cannot separate drift from the mode",
    );
  if (limit !== undefined && switches > limit)
    throw new UsageError(
      `the ${sweep.order} order makes ${switches} mode switches, over maxSwitches ${limit} (${where}; ~${hours(switches * cost.typicalSec)} of switching)`,
      sweep.order === "interleaved"
        ? "write `order: segmented` (A BB A: 3 switches), or raise maxSwitches"
        : "raise maxSwitches",
    );
  if (sweep.targetCiPct !== undefined && sweep.order !== "interleaved")
    throw new UsageError(
      `--target-ci (targetCiPct) adds interleaved blocks, one switch per point per block; the ${sweep.order} order of this sweep (${where}) plans its switches up front`,
      "set `repetitions` instead (each segment runs its share), or drop --target-ci",
    );
  if (sweep.targetCiPct !== undefined && limit !== undefined && cost.switches) {
    const worst = plannedSwitches(sweep, planSweep({ ...sweep, repetitions: sweep.maxRepetitions }));
    if (worst > limit)
      throw new UsageError(
        `--target-ci could add blocks up to ${sweep.maxRepetitions} repetitions: ${worst} mode switches, over maxSwitches ${limit}`,
        "lower maxRepetitions, raise maxSwitches, or drop --target-ci",
      );
  }
}

/** Blocks as a range, e.g. `1–4`, or a list where they are not consecutive. */
function blockRange(blocks: readonly number[]): string {
  const first = blocks[0];
  const last = blocks.at(-1);
  if (first === undefined || last === undefined) return "none";
  return last - first + 1 === blocks.length
    ? first === last
      ? `${first}`
      : `${first}–${last}`
    : blocks.join(",");
}

/** The design in one sentence: what it runs, and what drift it can and cannot separate from the mode. */
export function designLine(sweep: Sweep): string {
  const contexts = sweep.backend === "kubernetes" && sweep.kubernetes.routing.strategy === "contexts";
  const clusters = contexts
    ? "; one cluster per mode: differences between the two clusters (nodes, kernel, versions, zone) are confounded with the mode"
    : "";
  if (sweep.order === "interleaved") {
    const routing = sweep.modes.filter(switchesRouting);
    const baselines = sweep.modes.filter((m) => !switchesRouting(m));
    const adjacent =
      sweep.modeOrder === "routing-pair" && routing.length > 1 && baselines.length > 0
        ? ` (${routing.join(" and ")} next to each other, ${baselines.join(" and ")} before or after them)`
        : "";
    return `interleaved: each block runs every point in every mode back to back${adjacent}, so drift between blocks cancels in each block's pair${clusters}`;
  }
  if (sweep.order === "blocked")
    return `blocked (before/after, as the sweep asks): every ${sweep.modes.filter(switchesRouting).join(" trial, then every ")} trial: drift over the run and the mode are confounded, and no interval can separate them${clusters}`;
  const segments = sweepSegments(sweep);
  const runs = segments.map((s) => `${s.mode} blocks ${blockRange(s.blocks)}`).join(" | ");
  return `segmented (${segments.length} segments, mirrored in time): ${runs}; a linear drift cancels in the contrast of segment means, other segment-to-segment changes widen the interval, which rests on ${segments.length} segments (${segments.length - 2} degree${segments.length - 2 === 1 ? "" : "s"} of freedom); a drift that is not linear, or a change that one switch brought and kept, is not separated from the mode${clusters}`;
}
