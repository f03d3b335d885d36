/** A `Runner` that starts no process: it records each argv and answers from a table the test writes. */
import type { ProcessResult, Runner, RunOptions } from "../../../harness/util/runner.js";

export type FakeAnswer = Partial<Omit<ProcessResult, "argv">>;

export class FakeRunner implements Runner {
  /** Every argv run, in order. */
  readonly calls: string[][] = [];

  /** `answer` gets the argv and returns the parts of the result that differ from a silent exit 0. */
  constructor(
    private readonly answer: (argv: readonly string[]) => FakeAnswer | undefined = () => undefined,
  ) {}

  async run(argv: readonly string[], _options?: RunOptions): Promise<ProcessResult> {
    this.calls.push([...argv]);
    return {
      argv: [...argv],
      exitCode: 0,
      signal: null,
      stdout: "",
      stderr: "",
      durationMs: 0,
      timedOut: false,
      ...this.answer(argv),
    };
  }
}

/** The answers of a machine with git and netperf 2.7.0, for `captureEnvironment`. */
export const environmentAnswers = (argv: readonly string[]): FakeAnswer | undefined => {
  if (argv[0] === "netperf" && argv[1] === "-V") return { stdout: "Netperf version 2.7.0\n" };
  if (argv.includes("rev-parse")) return { stdout: "0123456789ab\n" };
  return undefined;
};
