/**
 * Where a stream point's pair-to-pair spread comes from (`npm run bench:stream-spread`). The
 * interval of a paired comparison pays for the sd of the pairs' log ratios; this splits it:
 * - how much each mode's trials spread on their own (log throughput, trial to trial);
 * - how much of that the pairing cancels: the correlation of a pair's two trials (a host that
 *   is slow for both trials of a pair cancels; a state each trial draws on its own does not);
 * - how much the noise inside a trial explains: the sd of its 0.25 s interim rates over √k
 *   (k full intervals) is the trial-to-trial sd that independent interval noise alone gives;
 * - for TCP_STREAM, how closely a trial's throughput follows its bytes per receive call
 *   (netperf's LOCAL_SEND_CALLS × message size / REMOTE_RECV_CALLS): with both ends on one
 *   CPU, how often the scheduler lets netserver drain its socket is a state of the trial.
 * The pairs are the estimator's own (`PointTrials.pairs`: unbalanced and noisy pairs left out).
 * `dipSelection` adds how the in-trial steadiness rule met the streams: each mode's share of
 * attempts dipping past a threshold, and what repeating the dipped ones did to the pairs.
 * Pure.
 */
import { mean, sampleCorrelation, sampleStandardDeviation } from "simple-statistics";
import { interimDipPct, parseInterim } from "../netperf/interim.js";
import { parseNetperfOutput } from "../netperf/parse.js";
import type { TrialRecord } from "../results/schema.js";
import { PointTrials } from "../stats/point-comparison.js";
import type { Sweep } from "../sweep/schema.js";
import { isStreamTest, type Mode } from "../vocabulary/vocabulary.js";

/** One mode's trials at a point, over the pairs the estimator counts. */
export interface ModeSpread {
  /** sd of ln(throughput) over the mode's paired trials. */
  trialSd: number;
  /** Mean over trials of the sd of ln(interim rate) over full intervals; null without interim lines. */
  interimSd: number | null;
  /** interimSd / √(mean full intervals per trial): the trial sd interval noise alone would give. */
  interimTrialSd: number | null;
  /** Correlation of ln(throughput) with ln(bytes per receive call) over the trials; TCP_STREAM only. */
  recvCorrelation: number | null;
}

export interface StreamSpread {
  pointKey: string;
  pairs: number;
  /** sd of the pairs' ln(candidate / baseline): what the interval pays for. */
  pairSd: number;
  /** Correlation of the pair's two ln(throughput): the share of the trials' spread pairing cancels. */
  pairCorrelation: number;
  baseline: ModeSpread;
  candidate: ModeSpread;
}

/** A full interim interval is at least this share of the interval netperf was asked for. */
const FULL_INTERVAL = 0.8;

/** sd of ln(rate) over a trial's full interim intervals, and how many there were; null under 3. */
export function interimSpread(stdout: string, intervalSec: number): { sd: number; intervals: number } | null {
  const logs = parseInterim(stdout)
    .filter((i) => i.seconds >= FULL_INTERVAL * intervalSec && i.rate > 0)
    .map((i) => Math.log(i.rate));
  return logs.length >= 3 ? { sd: sampleStandardDeviation(logs), intervals: logs.length } : null;
}

/** Bytes netserver took per receive call in a TCP_STREAM trial; null when netperf did not count them. */
export function bytesPerReceive(trial: TrialRecord): number | null {
  const size = trial.point.messageSize;
  if (trial.point.test !== "TCP_STREAM" || !size) return null;
  try {
    const { raw } = parseNetperfOutput(trial.point.test, trial.stdout);
    const sends = Number(raw.LOCAL_SEND_CALLS);
    const receives = Number(raw.REMOTE_RECV_CALLS);
    return sends > 0 && receives > 0 ? (sends * size) / receives : null;
  } catch {
    return null;
  }
}

function correlation(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length < 3) return null;
  if (sampleStandardDeviation([...xs]) === 0 || sampleStandardDeviation([...ys]) === 0) return null;
  return sampleCorrelation([...xs], [...ys]);
}

function modeSpread(trials: readonly TrialRecord[], intervalSec: number): ModeSpread {
  const logs = trials.map((t) => Math.log(t.metrics?.throughputMbps as number));
  const interim = trials.flatMap((t) => {
    const s = interimSpread(t.stdout, intervalSec);
    return s ? [s] : [];
  });
  const interimSd = interim.length > 0 ? mean(interim.map((s) => s.sd)) : null;
  const intervals = interim.length > 0 ? mean(interim.map((s) => s.intervals)) : null;
  const recv = trials.map(bytesPerReceive);
  const withRecv = recv.every((r) => r !== null) ? (recv as number[]) : null;
  return {
    trialSd: sampleStandardDeviation(logs),
    interimSd,
    interimTrialSd: interimSd !== null && intervals ? interimSd / Math.sqrt(intervals) : null,
    recvCorrelation: withRecv ? correlation(logs, withRecv.map(Math.log)) : null,
  };
}

/**
 * The anatomy of every single-stream stream point's `baseline`→`candidate` spread in one run's
 * trials, with at least 3 pairs; `intervalSec` is netperf's interim interval (-D).
 */
export function streamSpreads(
  trials: readonly TrialRecord[],
  order: Sweep["order"],
  baseline: Mode,
  candidate: Mode,
  intervalSec: number,
): StreamSpread[] {
  const points = new Map(
    trials
      .filter((t) => isStreamTest(t.point.test) && t.point.streams === undefined)
      .map((t) => [t.point.key, t.point]),
  );
  // by test, placement and message size, as a report lists them
  const keys = [...points.values()]
    .sort(
      (a, b) =>
        a.test.localeCompare(b.test) ||
        a.placement.localeCompare(b.placement) ||
        (a.messageSize ?? 0) - (b.messageSize ?? 0),
    )
    .map((p) => p.key);
  return keys.flatMap((key) => {
    const point = new PointTrials(key, trials, order);
    // each trial by its index, so that the pairs are exactly the estimator's
    const index = new Map(point.completed.map((t, i) => [t, i]));
    const pairs = point.pairs(baseline, candidate, (t) =>
      t.metrics?.throughputMbps ? index.get(t) : undefined,
    );
    if (pairs.length < 3) return [];
    const of = (i: number) => point.completed[i] as TrialRecord;
    const b = pairs.map((p) => of(p.baseline));
    const c = pairs.map((p) => of(p.candidate));
    const ln = (t: TrialRecord) => Math.log(t.metrics?.throughputMbps as number);
    return [
      {
        pointKey: key,
        pairs: pairs.length,
        pairSd: sampleStandardDeviation(
          pairs.map((_, i) => ln(c[i] as TrialRecord) - ln(b[i] as TrialRecord)),
        ),
        pairCorrelation: correlation(b.map(ln), c.map(ln)) ?? 0,
        baseline: modeSpread(b, intervalSec),
        candidate: modeSpread(c, intervalSec),
      },
    ];
  });
}

/** How the in-trial steadiness rule (interim dips) met one run's stream trials. */
export interface DipSelection {
  /** Per mode: stream attempts with interim results, and per threshold those whose dip exceeded it. */
  attempts: Record<string, { judged: number; dipped: number[] }>;
  /** Pairs with both modes' trials kept (the last completed attempt of each block and mode). */
  pairs: number;
  /** Pairs whose kept trials differ from their first attempts because a dip repeated one. */
  changed: number;
  /** Sum over the changed pairs of ln ratio(first attempts) − ln ratio(kept trials). */
  shiftSum: number;
}

/**
 * The steadiness rule's selection on stream points (single-stream): how often each mode's
 * attempts dipped past each of `thresholdsPct`, and what repeating them did to the pairs' ln ratios:
 * for each pair whose first attempt in a mode was repeated for a dip (the other mode's first
 * attempt kept or also repeated for a dip), the first attempts' ln ratio against the kept ones'.
 */
export function dipSelection(
  trials: readonly TrialRecord[],
  baseline: Mode,
  candidate: Mode,
  thresholdsPct: readonly number[],
  rule: string,
): DipSelection {
  const streams = trials.filter(
    (t) => isStreamTest(t.point.test) && t.point.streams === undefined && t.metrics?.throughputMbps,
  );
  const attempts: DipSelection["attempts"] = {};
  for (const t of streams) {
    const dip = interimDipPct(parseInterim(t.stdout));
    if (dip === null) continue;
    const a = attempts[t.mode] ?? { judged: 0, dipped: thresholdsPct.map(() => 0) };
    attempts[t.mode] = {
      judged: a.judged + 1,
      dipped: a.dipped.map((n, i) => n + (dip > (thresholdsPct[i] as number) ? 1 : 0)),
    };
  }
  const first = new Map<string, TrialRecord>();
  const kept = new Map<string, TrialRecord>();
  for (const t of [...streams].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.attempt - b.attempt,
  )) {
    const key = `${t.point.key}#${t.block}#${t.mode}`;
    if (!first.has(key)) first.set(key, t);
    if (t.state === "completed") kept.set(key, t);
  }
  const dipRepeated = (t: TrialRecord) => t.state !== "completed" && t.rejection?.rule?.name === rule;
  const ln = (b: TrialRecord, c: TrialRecord) =>
    Math.log((c.metrics?.throughputMbps as number) / (b.metrics?.throughputMbps as number));
  let pairs = 0;
  let changed = 0;
  let shiftSum = 0;
  for (const key of new Set([...kept.keys()].map((k) => k.slice(0, k.lastIndexOf("#"))))) {
    const [kb, kc] = [kept.get(`${key}#${baseline}`), kept.get(`${key}#${candidate}`)];
    const [fb, fc] = [first.get(`${key}#${baseline}`), first.get(`${key}#${candidate}`)];
    if (!(kb && kc && fb && fc)) continue;
    pairs += 1;
    const repeated = [fb, fc].filter(dipRepeated).length;
    const keptOrDip = [fb, fc].every((t) => t.state === "completed" || dipRepeated(t));
    if (repeated === 0 || !keptOrDip) continue;
    changed += 1;
    shiftSum += ln(fb, fc) - ln(kb, kc);
  }
  return { attempts, pairs, changed, shiftSum };
}
