/** Run progress: a live line on a terminal, one line per finished trial otherwise, nothing with --json. */
import { clearLine, cursorTo } from "node:readline";
import type { TrialRecord } from "../results/schema.js";
import type { ProgressEvent } from "../run/execute.js";
import { isStreamTest, METRICS, rateMetric } from "../vocabulary/vocabulary.js";

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The headline figure of a finished trial, e.g. `41234 trans/s, p99 36 µs`. */
export function trialFigure(record: TrialRecord): string {
  if (record.state === "failed") return `FAILED (attempt ${record.attempt}): ${record.error ?? "?"}`;
  const m = record.metrics ?? {};
  const { test } = record.point;
  if (isStreamTest(test)) {
    const loss = m.lossPct === undefined ? "" : `, ${m.lossPct.toFixed(1)}% lost`;
    return `${(m.throughputMbps ?? 0).toFixed(0)} Mbit/s${loss}`;
  }
  const rate = rateMetric(test);
  return `${(m[rate] ?? 0).toFixed(0)} ${METRICS[rate].unit}, p50 ${m.p50Us ?? "?"} µs, p99 ${m.p99Us ?? "?"} µs`;
}

function label(event: ProgressEvent): string {
  const t = event.trial;
  return t ? `${t.point.placement} ${t.point.test} ${t.point.size} ${t.mode} (block ${t.block})` : "";
}

export class Progress {
  private readonly started = Date.now();
  private last = "";
  private lastResult = "";
  /** Modes whose verification was announced: interleaved runs switch constantly, and every switch's evidence is in the results anyway. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly mode: "tty" | "lines" | "silent",
    private readonly secondsPerTrial: number,
  ) {}

  static for(stream: NodeJS.WriteStream, json: boolean, secondsPerTrial: number): Progress {
    return new Progress(stream, json ? "silent" : stream.isTTY ? "tty" : "lines", secondsPerTrial);
  }

  /** Trials finished in this process (done, not attempts: repeats are in their time), over every batch. */
  private finished = 0;
  /** The batch the events belong to (one executeTrials call: the plan, or an adaptive block), and its last `done`. */
  private batchPlanned: number | undefined;
  private batchPhase: ProgressEvent["phase"] | undefined;
  private lastDone = 0;

  /** Counts the trials finished since the last event; a new batch starts from its first `done` (a resumed run skips some). */
  private observe(event: ProgressEvent): void {
    const fresh =
      this.batchPlanned === undefined ||
      event.phase !== this.batchPhase ||
      event.planned !== this.batchPlanned ||
      event.done < this.lastDone;
    if (fresh) {
      this.batchPlanned = event.planned;
      this.batchPhase = event.phase;
      this.lastDone = event.done;
    }
    if (event.kind === "trial-end") this.finished += Math.max(0, event.done - this.lastDone);
    this.lastDone = event.done;
  }

  /** Time left in this batch, at the seconds per finished trial this process has seen. */
  private eta(event: ProgressEvent): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const perTrial = this.finished > 0 ? elapsed / this.finished : this.secondsPerTrial;
    return formatDuration((event.planned - event.done) * perTrial);
  }

  /** `[done/planned]`, and `[adaptive done/planned]` for the blocks the adaptive phase adds. */
  private counter(event: ProgressEvent): string {
    const count = `${String(event.done).padStart(String(event.planned).length)}/${event.planned}`;
    return `[${event.phase === "adaptive" ? "adaptive " : ""}${count}]`;
  }

  handle = (event: ProgressEvent): void => {
    if (this.mode === "silent") return;
    if (event.kind === "mode" && event.evidence) {
      // a slow switch (an agent rollout, a node-pool upgrade) is announced every time, with its duration
      const took = event.evidence.switchSec ?? 0;
      if (this.announced.has(event.evidence.mode) && took < 1) return;
      this.announced.add(event.evidence.mode);
      if (this.mode === "tty") this.clear();
      this.stream.write(
        `mode ${event.evidence.mode}: ${event.evidence.detail}${took >= 1 ? ` (the switch took ${formatDuration(took)})` : ""}\n`,
      );
      return;
    }
    this.observe(event);
    const counter = this.counter(event);
    if (this.mode === "lines") {
      if (event.kind === "trial-end" && event.record)
        this.stream.write(`${counter} ${label(event)}: ${trialFigure(event.record)}\n`);
      return;
    }
    const width = 24;
    const filled = event.planned > 0 ? Math.round((event.done / event.planned) * width) : 0;
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    if (event.kind === "trial-end" && event.record)
      this.lastResult = `${label(event)}: ${trialFigure(event.record)}`;
    const now = event.kind === "trial-start" ? `now ${label(event)}` : "";
    this.last = `${bar} ${counter} ETA ${this.eta(event)}  ${[now, this.lastResult && `last ${this.lastResult}`].filter(Boolean).join(" | ")}`;
    const columns = this.stream.columns ?? 120;
    this.eraseLine();
    this.stream.write(this.last.slice(0, columns - 1));
    if (event.kind === "trial-end" && event.record?.state === "failed") this.stream.write("\n");
  };

  private eraseLine(): void {
    clearLine(this.stream, 0);
    cursorTo(this.stream, 0);
  }

  clear(): void {
    if (this.mode === "tty" && this.last) this.eraseLine();
  }

  log = (message: string): void => {
    if (this.mode === "silent") return;
    this.clear();
    this.stream.write(`${message}\n`);
  };
}
