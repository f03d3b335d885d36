/** The sweep's optional `witness` field: one name or a list, always a list once parsed. */
import { describe, expect, it } from "vitest";
import { parseSweep, SweepError } from "../../../harness/sweep/load.js";
import { resolvedSweepSchema } from "../../../harness/sweep/schema.js";

const TESTS = "tests: [{test: TCP_RR}, {test: TCP_STREAM, messageSizes: [16384]}]\n";

function problems(text: string): string[] {
  try {
    parseSweep(text, "my.yaml");
  } catch (error) {
    if (error instanceof SweepError)
      return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error("expected the sweep to be rejected");
}

describe("sweep witness", () => {
  it("is absent unless asked for", () => {
    expect(parseSweep(TESTS, "x.yaml").witness).toBeUndefined();
  });

  it("takes one name or a list, and keeps a list through results.json's schema", () => {
    expect(parseSweep(`${TESTS}witness: sockperf\n`, "x.yaml").witness).toEqual(["sockperf"]);
    const both = parseSweep(`${TESTS}witness: [sockperf, iperf3]\n`, "x.yaml");
    expect(both.witness).toEqual(["sockperf", "iperf3"]);
    expect(resolvedSweepSchema.parse(JSON.parse(JSON.stringify(both))).witness).toEqual([
      "sockperf",
      "iperf3",
    ]);
  });

  it("refuses an unknown tool, an empty list and a tool named twice, with the line", () => {
    expect(problems(`${TESTS}witness: qperf\n`)).toEqual([
      '2:10 witness: witness must be sockperf or iperf3, or a list of them, got "qperf"',
    ]);
    expect(problems(`${TESTS}witness: [sockperf, sockperf]\n`)[0]).toMatch(
      /^2:\d+ witness: lists a witness twice$/,
    );
    expect(problems(`${TESTS}witness: []\n`)).toEqual(["2:10 witness: names at least one witness"]);
  });
});
