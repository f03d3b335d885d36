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
    progress.handle({ kind: "trial-start", done: 0, planned: 4 });
    progress.handle({ kind: "trial-start", done: 1, planned: 4 });
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

  it("counts the adaptive phase's blocks as such, and times them by the whole run's seconds per trial", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-07T10:00:00Z"));
    const lines = fakeStream(false);
    const tty = fakeStream(true);
    const both = [Progress.for(lines.stream, false, 10), Progress.for(tty.stream, false, 10)];
    const send = (event: Parameters<Progress["handle"]>[0]) => {
      for (const p of both) p.handle(event);
    };
    const record = { state: "completed", point: { test: "TCP_RR" }, metrics: {} } as never;
    // the plan: two trials of 2 s each
    for (const done of [0, 1]) {
      send({ kind: "trial-start", done, planned: 2 });
      vi.advanceTimersByTime(2000);
      send({ kind: "trial-end", done: done + 1, planned: 2, record });
    }
    // an adaptive block of three, counted from 0 again: one trial in
    send({ kind: "trial-start", done: 0, planned: 3 });
    vi.advanceTimersByTime(2000);
    send({ kind: "trial-end", done: 1, planned: 3, record });
    send({ kind: "trial-start", done: 1, planned: 3 });
    expect(lines.written.map((l) => l.split(" ")[0])).toEqual(["[1/2]", "[2/2]", "[adaptive"]);
    expect(lines.written[2]).toMatch(/^\[adaptive 1\/3\] /);
    // 6 s over 3 trials: 2 s each, 2 left (not 6 s over the block's 1 done, nor the 10 s guess)
    expect(tty.written.at(-1)).toMatch(/\[adaptive 1\/3\] ETA 4s /);
  });

  it("writes no control sequence off a terminal", () => {
    const { stream, written } = fakeStream(false);
    const progress = Progress.for(stream, false, 2);
    progress.handle({ kind: "trial-start", done: 0, planned: 4 });
    progress.log("hello");
    expect(written).toEqual(["hello\n"]);
  });
});
