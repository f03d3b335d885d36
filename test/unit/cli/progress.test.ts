import { afterEach, describe, expect, it, vi } from "vitest";
import { Progress } from "../../../harness/cli/progress.js";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, columns: 60, write: (chunk: string) => written.push(chunk) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

describe("Progress", () => {
  it("redraws one line on a terminal: erase the line, back to column 1, then the bar", () => {
    const { stream, written } = fakeStream(true);
    const progress = Progress.for(stream, false, 2);
    progress.handle({ kind: "trial-start", done: 0, planned: 4, phase: "plan" });
    progress.handle({ kind: "trial-start", done: 1, planned: 4, phase: "plan" });
    // ECMA-48: CSI 2 K erases the whole line, CSI 1 G moves to column 1
    expect(written.slice(0, 3)).toEqual([
      "\x1b[2K",
      "\x1b[1G",
      expect.stringMatching(/^░{24} \[0\/4\] ETA /),
    ]);
    expect(written.slice(3, 5)).toEqual(["\x1b[2K", "\x1b[1G"]);
    expect(written.every((chunk) => chunk.length <= 59)).toBe(true);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("labels the adaptive phase's blocks, and times them by the seconds per finished trial of the whole process", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-07T10:00:00Z"));
    const lines = fakeStream(false);
    const tty = fakeStream(true);
    const both = [Progress.for(lines.stream, false, 10), Progress.for(tty.stream, false, 10)];
    const send = (event: Parameters<Progress["handle"]>[0]) => {
      for (const p of both) p.handle(event);
    };
    const record = { state: "completed", point: { test: "TCP_RR" }, metrics: {} } as never;
    // the plan, resumed with 3 of 5 trials finished: two trials of 2 s, the first repeated once
    // (an attempt that did not finish it: no trial more done)
    send({ kind: "trial-start", done: 3, planned: 5, phase: "plan" });
    vi.advanceTimersByTime(2000);
    send({ kind: "trial-end", done: 3, planned: 5, phase: "plan", record });
    vi.advanceTimersByTime(2000);
    send({ kind: "trial-end", done: 4, planned: 5, phase: "plan", record });
    send({ kind: "trial-start", done: 4, planned: 5, phase: "plan" });
    vi.advanceTimersByTime(2000);
    send({ kind: "trial-end", done: 5, planned: 5, phase: "plan", record });
    // an adaptive block of three, counted from 0 again: one trial in
    send({ kind: "trial-start", done: 0, planned: 3, phase: "adaptive" });
    vi.advanceTimersByTime(2000);
    send({ kind: "trial-end", done: 1, planned: 3, phase: "adaptive", record });
    send({ kind: "trial-start", done: 1, planned: 3, phase: "adaptive" });
    expect(lines.written.map((l) => l.split(": ")[0])).toEqual([
      "[3/5] ",
      "[4/5] ",
      "[5/5] ",
      "[adaptive 1/3] ",
    ]);
    // 8 s over 3 finished trials (the repeat's time in theirs): 2.67 s each, 2 left: 5 s; not
    // 8 s over the 4 attempts (4 s), nor over the block's 1 done (16 s), nor the 10 s guess
    expect(tty.written.at(-1)).toMatch(/\[adaptive 1\/3\] ETA 5s /);
  });

  it("labels an adaptive block as such even when it is the first this process runs (a resumed run)", () => {
    const lines = fakeStream(false);
    const progress = Progress.for(lines.stream, false, 2);
    const record = { state: "completed", point: { test: "TCP_RR" }, metrics: {} } as never;
    progress.handle({ kind: "trial-start", done: 0, planned: 2, phase: "adaptive" });
    progress.handle({ kind: "trial-end", done: 1, planned: 2, phase: "adaptive", record });
    expect(lines.written[0]).toMatch(/^\[adaptive 1\/2\] /);
  });

  it("writes no control sequence off a terminal", () => {
    const { stream, written } = fakeStream(false);
    const progress = Progress.for(stream, false, 2);
    progress.handle({ kind: "trial-start", done: 0, planned: 4, phase: "plan" });
    progress.log("hello");
    expect(written).toEqual(["hello\n"]);
  });
});
