/**
 * Turns a resolved sweep into an ordered list of trials. Pure and seeded: the same sweep
 * and seed give the same order, so a run can be resumed and reproduced.
 *
 * interleaved (default): repetitions are blocks; each block runs every point once in every
 *   mode, points in seeded random order and a point's modes back to back in seeded random
 *   order, so drift hits every mode alike and each block pairs the modes of a point.
 * blocked: mode by mode (one switch per mode), for backends where switching is expensive;
 *   points shuffled within each repetition.
 */
import { netserverPadSec } from "../netperf/argv.js";
import { STREAM_START_DELAY_SEC } from "../netperf/streams.js";
import { type Random, seededRandom, shuffled } from "../util/random.js";
import { type Mode, type NetperfTest, type Placement, switchesRouting } from "../vocabulary/vocabulary.js";
import { quickSelection } from "./quick.js";
import type { Sweep } from "./schema.js";

export interface Point {
  /** e.g. `cross-node/TCP_STREAM/1024`, `same-node/TCP_RR/1,1` or `same-node/UDP_STREAM/1024` */
  key: string;
  placement: Placement;
  test: NetperfTest;
  /** The size as written in the sweep: a message size, or "request,response". */
  size: string;
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
          points.push({
            ...base,
            key: `${placement}/${entry.test}/${size}`,
            size: String(size),
            messageSize: size,
          });
        }
      } else {
        for (const size of entry.sizes) {
          const [request, response] = size.split(",").map(Number);
          points.push({
            ...base,
            key: `${placement}/${entry.test}/${size}`,
            size,
            requestSize: request,
            responseSize: response,
          });
        }
      }
    }
  }
  return points.flatMap((point) => (sweep.streams ?? [1]).map((streams) => withStreams(point, streams)));
}

/** A point run by `streams` netperf instances at once: its own key, e.g. `same-node/TCP_RR/1,1/streams=8`. */
function withStreams(point: Point, streams: number): Point {
  // the size names the stream count too: summaries, comparisons and reports match points by size
  return streams === 1
    ? point
    : { ...point, key: `${point.key}/streams=${streams}`, size: `${point.size} ×${streams}`, streams };
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
  const random = blockRandom(sweep.seed, block);
  return shuffled(points, random).flatMap((point) =>
    shuffled(sweep.modes, random).map((mode) => trial(block, mode, point, sweep.durationSec)),
  );
}

/** The whole plan of a sweep, in the order it runs. */
export function planSweep(sweep: Sweep): Trial[] {
  const points = sweepPoints(sweep);
  const blocks = Array.from({ length: sweep.repetitions }, (_, i) => i + 1);
  if (sweep.order === "interleaved") return blocks.flatMap((block) => planBlock(sweep, points, block));
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
