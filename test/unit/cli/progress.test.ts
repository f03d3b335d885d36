import { describe, expect, it } from "vitest";
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

  it("writes no control sequence off a terminal", () => {
    const { stream, written } = fakeStream(false);
    const progress = Progress.for(stream, false, 2);
    progress.handle({ kind: "trial-start", done: 0, planned: 4 });
    progress.log("hello");
    expect(written).toEqual(["hello\n"]);
  });
});
