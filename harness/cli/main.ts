/** routebench's command line: parses, dispatches, and turns errors into exit codes. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCompare } from "./compare.js";
import { registerK8s } from "./k8s.js";
import { registerLab } from "./lab.js";
import { exitCodeFor, formatError, warn } from "./output.js";
import { registerReport } from "./report.js";
import { registerRun } from "./run.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command("routebench")
    .description("eBPF vs legacy host routing for Kubernetes pod networking, measured with netperf")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  registerLab(program);
  registerRun(program);
  registerReport(program);
  registerCompare(program);
  registerK8s(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    warn(formatError(error));
    process.exitCode = exitCodeFor(error);
  }
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

await main(process.argv);
