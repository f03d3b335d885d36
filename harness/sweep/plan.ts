/**
 * Turns a resolved sweep into an ordered list of trials. Pure and seeded: the same sweep
 * and seed give the same order, so a run can be resumed and reproduced.
 *
 * interleaved (default): repetitions are blocks; each block runs every point once in every
 *   mode, points in seeded random order and a point's modes back to back in seeded random
 *   order (the routing modes next to each other, baselines before or after them:
 *   `pointModeOrder`), so drift hits every mode alike and each block pairs the modes of a point.
 * segmented: for slow switches (sweep/switch-cost.ts). The two routing modes run in few
 *   replicated segments mirrored in time, A B B A (A BB A: 3 switches; more cycles A BB AA BB A
 *   where maxSwitches allows), each segment many interleaved blocks: inside a block every point
 *   runs once in the segment's routing mode and in each baseline mode, points in seeded random
 *   order. The mirror makes a linear drift cancel in the contrast of segment means
 *   (stats/segments.ts); the segments' spread is the interval's replication.
 * blocked: mode by mode (one switch per mode), only when asked for: a before/after design in
 *   which drift and the mode are confounded. Points shuffled within each repetition.
 */
import { netserverPadSec } from "../netperf/argv.js";
import { STREAM_START_DELAY_SEC } from "../netperf/streams.js";
import { type Random, seededRandom, shuffled } from "../util/random.js";
import { type Mode, type RoutingMode, switchesRouting } from "../vocabulary/vocabulary.js";
import { type PointKey, planKey, sizeLabel } from "./point.js";
import { quickSelection } from "./quick.js";
import type { Sweep } from "./schema.js";
import {
  DEFAULT_SLOW_MAX_SWITCHES,
  SLOW_SWITCH_SEC,
  SWITCH_COSTS,
  type SwitchCost,
  switchKind,
} from "./switch-cost.js";

/** A point of the sweep: its key (sweep/point.ts), its plan id and its sizes as numbers. */
export interface Point extends PointKey {
  /** The plan's id of the point (`planKey`), e.g. `cross-node/TCP_STREAM/1024` or `same-node/TCP_RR/1,1/streams=8`. */
  key: string;
  messageSize?: number;
  requestSize?: number;
  responseSize?: number;
  /** netperf instances run at once; absent for one, so one-stream points keep their keys. */
  streams?: number;
}

export interface Trial {
  /** Stable across runs of the same sweep: `block:mode:pointKey`. */
  id: string;
  block: number;
  mode: Mode;
  point: Point;
  durationSec: number;
}

/** Every point of the sweep, in file order. */
export function sweepPoints(sweep: Sweep): Point[] {
  const points = allSweepPoints(sweep);
  return sweep.profile === "quick" ? quickSelection(points).kept : points;
}

/** Every point the sweep file names, whatever the profile (the quick profile measures some: quick.ts). */
export function allSweepPoints(sweep: Sweep): Point[] {
  const points: Point[] = [];
  for (const placement of sweep.placements) {
    for (const entry of sweep.tests) {
      const base = { placement, test: entry.test };
      if ("messageSizes" in entry) {
        for (const size of entry.messageSizes) {
          const written = String(size);
          points.push({
            ...base,
            key: planKey({ ...base, size: written }, written),
            size: written,
            messageSize: size,
          });
        }
      } else {
        for (const size of entry.sizes) {
          const [request, response] = size.split(",").map(Number);
          points.push({
            ...base,
            key: planKey({ ...base, size }, size),
            size,
            requestSize: request,
            responseSize: response,
          });
        }
      }
    }
  }
  return points
    .flatMap((point) => withDimensions(sweep, point))
    .flatMap((point) => (sweep.streams ?? [1]).map((streams) => withStreams(point, streams)));
}

/**
 * A point once per destination, IP family and Service count the sweep lists (issue 23); a
 * dimension the sweep does not list is left out of the point, so its key stays as before.
 */
function withDimensions(sweep: Sweep, point: Point): Point[] {
  const axes: [
    keyof Pick<Point, "destination" | "ipFamily" | "services">,
    readonly (string | number)[] | undefined,
  ][] = [
    ["destination", sweep.destinations],
    ["ipFamily", sweep.ipFamilies],
    ["services", sweep.lab.services],
  ];
  let points = [point];
  for (const [field, values] of axes) {
    if (!values) continue;
    points = points.flatMap((p) =>
      values.map((value) => {
        const next = { ...p, [field]: value } as Point;
        return { ...next, key: planKey(next, writtenSize(next)) };
      }),
    );
  }
  return points;
}

/** The size as written in the sweep: the message size, or "request,response". */
export function writtenSize(point: Point): string {
  return point.messageSize !== undefined
    ? String(point.messageSize)
    : `${point.requestSize},${point.responseSize}`;
}

/** A point run by `streams` netperf instances at once: its own key, e.g. `same-node/TCP_RR/1,1/streams=8`. */
function withStreams(point: Point, streams: number): Point {
  if (streams === 1) return point;
  const written = point.size;
  const size = sizeLabel(written, streams);
  return { ...point, key: planKey(point, written, streams), size, streams };
}

function trial(block: number, mode: Mode, point: Point, durationSec: number): Trial {
  return { id: `${block}:${mode}:${point.key}`, block, mode, point, durationSec };
}

/** Random stream of one block: independent of other blocks, so blocks added later keep earlier ones as they were. */
function blockRandom(seed: number, block: number): Random {
  return seededRandom((seed * 1_000_003 + block * 7919) >>> 0);
}

/** One interleaved block of the given points (every mode of a point back to back). */
export function planBlock(sweep: Sweep, points: readonly Point[], block: number): Trial[] {
  return blockOf(sweep, points, block, sweep.modes);
}

function blockOf(sweep: Sweep, points: readonly Point[], block: number, modes: readonly Mode[]): Trial[] {
  const random = blockRandom(sweep.seed, block);
  const trials = shuffled(points, random).flatMap((point) =>
    (sweep.modeOrder === "routing-pair" ? pointModeOrder(modes, random) : shuffled(modes, random)).map(
      (mode) => trial(block, mode, point, sweep.durationSec),
    ),
  );
  return groupedByServices(trials, block);
}

/**
 * The order of one point's modes in a block: the routing modes (the comparison the run is
 * for) back to back in seeded random order, and each baseline (host, direct) at random
 * before or after them, never between. A host slows a stretch of seconds now and then
 * (issue 21: 20–60 s at 75% speed, invisible to the guest); a pair whose two trials straddle
 * the start or end of one has one trial slow, and the closer the two trials, the rarer that
 * is. Without a baseline (or with one routing mode) it is a plain shuffle, as it always was,
 * so those plans, and their seeds, are unchanged. A run planned before this (its sweep has no
 * `modeOrder`) keeps the plain shuffle, so `--resume` continues it in the order it ran.
 */
export function pointModeOrder(modes: readonly Mode[], random: Random): Mode[] {
  const routing = modes.filter(switchesRouting);
  const baselines = modes.filter((mode) => !switchesRouting(mode));
  if (baselines.length === 0 || routing.length < 2) return shuffled(modes, random);
  const pair = shuffled(routing, random);
  const before: Mode[] = [];
  const after: Mode[] = [];
  for (const baseline of shuffled(baselines, random)) (random() < 0.5 ? before : after).push(baseline);
  return [...before, ...pair, ...after];
}

/**
 * A block's trials grouped by Service count (a change rewrites every node's Service table: 10 s
 * or more at 10,000), in shuffled order within each group; ascending in odd blocks, descending
 * in even ones, so consecutive blocks meet at the same count and a block adds one change.
 * Without a Service-count axis: the order as it was.
 */
function groupedByServices(trials: Trial[], block: number): Trial[] {
  if (!trials.some((t) => t.point.services !== undefined)) return trials;
  const direction = block % 2 === 1 ? 1 : -1;
  return trials
    .map((t, i) => ({ t, i }))
    .sort((a, b) => direction * ((a.t.point.services ?? 0) - (b.t.point.services ?? 0)) || a.i - b.i)
    .map(({ t }) => t);
}

/** A segment of the segmented design: one routing mode between two switches, and its blocks in time order. */
export interface Segment {
  mode: RoutingMode;
  blocks: number[];
}

/** The switch cost the sweep plans with: its strategy's declaration, with the sweep's own `switchCostSec`. */
export function switchCostOf(sweep: Sweep): SwitchCost {
  const declared = SWITCH_COSTS[switchKind(sweep.backend, sweep.kubernetes.routing.strategy)];
  return sweep.switchCostSec === undefined ? declared : { ...declared, typicalSec: sweep.switchCostSec };
}

/** Whether one switch is slow enough that the plan must keep switches few (SLOW_SWITCH_SEC). */
export function slowSwitches(cost: SwitchCost): boolean {
  return cost.switches && cost.typicalSec >= SLOW_SWITCH_SEC;
}

/** The switches a sweep may make: its `maxSwitches`, else DEFAULT_SLOW_MAX_SWITCHES where switches are slow. */
export function switchCap(sweep: Sweep): number | undefined {
  return sweep.maxSwitches ?? (slowSwitches(switchCostOf(sweep)) ? DEFAULT_SLOW_MAX_SWITCHES : undefined);
}

/** ABBA cycles that fit the cap: A BB A is 3 switches, each further cycle (BB A → … AA BB A) 2 more. */
function cycles(sweep: Sweep): number {
  return Math.max(1, Math.floor(((switchCap(sweep) ?? DEFAULT_SLOW_MAX_SWITCHES) - 1) / 2));
}

/**
 * The segments of a segmented sweep, in time order (empty for other orders): ABBA cycles,
 * adjacent halves of one mode merged into one segment between two switches, each half
 * ⌈repetitions / (2 × cycles)⌉ blocks, so each mode gets at least `repetitions` blocks.
 */
export function sweepSegments(sweep: Sweep): Segment[] {
  const routing = sweep.modes.filter(switchesRouting);
  if (sweep.order !== "segmented" || routing.length === 0) return [];
  const [a, b = a] = routing as [RoutingMode, RoutingMode?];
  const m = cycles(sweep);
  const perHalf = Math.ceil(sweep.repetitions / (2 * m));
  const halves = Array.from({ length: m }, () => [a, b, b, a]).flat();
  const segments: Segment[] = [];
  halves.forEach((mode, i) => {
    const blocks = Array.from({ length: perHalf }, (_, j) => i * perHalf + j + 1);
    const last = segments.at(-1);
    if (last && last.mode === mode) last.blocks.push(...blocks);
    else segments.push({ mode, blocks });
  });
  return segments;
}

/** The whole plan of a sweep, in the order it runs. */
export function planSweep(sweep: Sweep): Trial[] {
  const points = sweepPoints(sweep);
  const blocks = Array.from({ length: sweep.repetitions }, (_, i) => i + 1);
  if (sweep.order === "interleaved") return blocks.flatMap((block) => planBlock(sweep, points, block));
  if (sweep.order === "segmented") {
    // a segment's blocks run its routing mode and every baseline (host), interleaved
    return sweepSegments(sweep).flatMap((segment) => {
      const modes = sweep.modes.filter((mode) => mode === segment.mode || !switchesRouting(mode));
      return segment.blocks.flatMap((block) => blockOf(sweep, points, block, modes));
    });
  }
  return sweep.modes.flatMap((mode) =>
    blocks.flatMap((block) =>
      shuffled(points, blockRandom(sweep.seed, block)).map((point) =>
        trial(block, mode, point, sweep.durationSec),
      ),
    ),
  );
}

/** Number of mode switches the plan makes (the first mode counts as one). */
export function modeSwitches(trials: readonly Trial[]): number {
  let switches = 0;
  let current: Mode | undefined;
  for (const t of trials) {
    if (switchesRouting(t.mode) && t.mode !== current) {
      switches++;
      current = t.mode;
    }
  }
  return switches;
}

/**
 * Seconds a trial's netperf runs: its length, netserver's padding of connection tests, and
 * the start delay of several stream instances (netperf/streams.ts).
 */
export function trialWallSec(trial: Trial): number {
  const streams = trial.point.streams ?? 1;
  return trial.durationSec + netserverPadSec(trial.point.test) + (streams > 1 ? STREAM_START_DELAY_SEC : 0);
}

/** Seconds the plan should take: each trial's netperf time and a per-trial overhead measured on the lab. */
export function estimateSeconds(trials: readonly Trial[], overheadPerTrialSec = 0.1): number {
  return trials.reduce((sum, t) => sum + trialWallSec(t) + overheadPerTrialSec, 0);
}

/** Switches the plan makes on the system under test: none where the strategy never switches (one cluster per mode). */
export function plannedSwitches(sweep: Sweep, trials: readonly Trial[]): number {
  return switchCostOf(sweep).switches ? modeSwitches(trials) : 0;
}

/** Seconds the plan's switches should take: switches × the expected seconds per switch. */
export function estimateSwitchSeconds(sweep: Sweep, trials: readonly Trial[]): number {
  return plannedSwitches(sweep, trials) * switchCostOf(sweep).typicalSec;
}
