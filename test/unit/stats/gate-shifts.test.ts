/**
 * Shifts every mode shares (stats/regression-notes.ts `sharedShiftNotes`): which points and
 * modes count (the baselines host and direct do not), and the note's exact words.
 */
import { describe, expect, it } from "vitest";
import { methodText, sharedShiftNotes } from "../../../harness/stats/regression-notes.js";
import type {
  Analysis,
  ModeComparison,
  PointComparison,
  RegressionVerdict,
} from "../../../harness/stats/regression-types.js";
import type { Mode } from "../../../harness/vocabulary/vocabulary.js";

// only the fields the notes read
const point = (mode: Mode, size: string, verdict: RegressionVerdict, goodChange: number | null) =>
  ({
    placement: "same-node",
    test: "TCP_RR",
    size,
    metric: "p50Us",
    mode,
    verdict,
    goodChange,
  }) as PointComparison;
const mode = (m: Mode, verdict: ModeComparison["verdict"], goodChange: number) =>
  ({ mode: m, verdict, goodChange }) as ModeComparison;
const analysis = (points: PointComparison[], modes: ModeComparison[]) => ({ points, modes }) as Analysis;

const CAUSE = "a change both datapaths share (machine, kernel, load) is a likelier cause than host routing";
const FIX = "; --normalise judges each mode against an in-run reference, which cancels such a shift";

describe("sharedShiftNotes", () => {
  it("names points and modes that moved the same way in every pod mode", () => {
    const raw = analysis(
      [
        point("ebpf", "1,1", "regression", -0.1),
        point("legacy", "1,1", "regression", -0.12),
        point("host", "1,1", "improvement", 0.3),
        // mixed verdicts, one mode only, no change measured: not shared
        point("ebpf", "64,64", "regression", -0.1),
        point("legacy", "64,64", "unchanged", 0),
        point("ebpf", "128,128", "improvement", 0.2),
        point("ebpf", "256,256", "improvement", 0.2),
        point("legacy", "256,256", "improvement", null),
      ],
      [
        mode("ebpf", "regression", -0.1),
        mode("legacy", "regression", -0.12),
        mode("host", "improvement", 0.3),
      ],
    );
    expect(sharedShiftNotes(raw, { kind: "raw" })).toEqual([
      `every mode moved the same way on average (ebpf -10%, legacy -12%); ${CAUSE}${FIX}`,
      `1 point(s) moved the same way in every mode; ${CAUSE}: same-node TCP_RR 1,1 p50Us (ebpf -10%, legacy -12%)${FIX}`,
    ]);
    // normalised: no advice to normalise
    expect(sharedShiftNotes(raw, { kind: "normalised", reference: "host" })[0]).toBe(
      `every mode moved the same way on average (ebpf -10%, legacy -12%); ${CAUSE}`,
    );
  });

  it("lists at most four points", () => {
    const sizes = ["1,1", "2,2", "3,3", "4,4", "5,5"];
    const raw = analysis(
      sizes.flatMap((s) => [point("ebpf", s, "improvement", 0.2), point("legacy", s, "improvement", 0.2)]),
      [mode("ebpf", "improvement", 0.2), mode("legacy", "not worse", 0)],
    );
    const [note] = sharedShiftNotes(raw, { kind: "normalised", reference: "host" });
    expect(note).toBe(
      `5 point(s) moved the same way in every mode; ${CAUSE}: ${sizes
        .slice(0, 4)
        .map((s) => `same-node TCP_RR ${s} p50Us (ebpf 20%, legacy 20%)`)
        .join("; ")}; …`,
    );
  });

  it("names exactly four points without an ellipsis", () => {
    const sizes = ["1,1", "2,2", "3,3", "4,4"];
    const raw = analysis(
      sizes.flatMap((s) => [point("ebpf", s, "improvement", 0.2), point("legacy", s, "improvement", 0.2)]),
      [],
    );
    expect(sharedShiftNotes(raw, { kind: "normalised", reference: "host" })[0]).toMatch(/legacy 20%\)$/);
  });

  it("says nothing when no point or mode moved together", () => {
    const raw = analysis(
      [point("ebpf", "1,1", "regression", -0.1), point("legacy", "1,1", "improvement", 0.1)],
      [
        mode("ebpf", "regression", -0.1),
        mode("legacy", "improvement", 0.1),
        mode("direct", "regression", -0.1),
      ],
    );
    expect(sharedShiftNotes(raw, { kind: "raw" })).toEqual([]);
    // a single pod mode is not "every mode"
    expect(sharedShiftNotes(analysis([], [mode("ebpf", "regression", -0.1)]), { kind: "raw" })).toEqual([]);
  });
});

describe("methodText", () => {
  it("counts the tested points and the modes, and gives each level's α and the exit codes", () => {
    const tested = { ...point("ebpf", "1,1", "unchanged", 0), pWorse: 0.5 };
    const untested = { ...point("ebpf", "2,2", "inconclusive", null), pWorse: null };
    const text = methodText(
      analysis([tested, tested, untested], [mode("ebpf", "not worse", 0), mode("legacy", "not worse", 0)]),
    );
    expect(text).toHaveLength(4);
    expect(text[0]).toContain("Holm over the run's 2 points at α = 0.025;");
    expect(text[1]).toContain("Holm over 2 mode(s) at α = 0.025;");
    expect(text[2]).toBe("α = 0.05 in all: the chance that a run pair where nothing changed fails the gate");
    expect(text[3]).toBe(
      "exit 0 pass, 1 regression, 2 bad input, 5 undecided (no regression shown, but not enough evidence that there is none)",
    );
  });
});
