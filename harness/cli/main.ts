/** routebench's command line: parses, dispatches, and turns errors into exit codes. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { exitCodeFor, formatError, warn } from "./output.js";
import { exitOnEarlySignals } from "./signals.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

type Register = (program: Command) => void;

/** Each command's module, loaded on demand: `lab mode` should not pay for zod, vega or client-node. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  lab: async () => (await import("./lab.js")).registerLab,
  run: async () => (await import("./run.js")).registerRun,
  report: async () => (await import("./report.js")).registerReport,
  compare: async () => (await import("./compare.js")).registerCompare,
  history: async () => (await import("./compare.js")).registerCompare,
  export: async () => (await import("./compare.js")).registerCompare,
  manifests: async () => (await import("./k8s.js")).registerK8s,
  k8s: async () => (await import("./k8s.js")).registerK8s,
};

/** The program with the given command's module registered, or every module (help, unknown commands). */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command("routebench")
    .description("eBPF vs legacy host routing for Kubernetes pod networking, measured with netperf")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  const versionOnly = command === "--version" || command === "-V";
  const loaders = versionOnly
    ? []
    : command && COMMANDS[command]
      ? [COMMANDS[command]]
      : Object.values(COMMANDS);
  const registered = new Set<Register>();
  for (const load of loaders) {
    const register = await load();
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv[2])).parseAsync(argv);
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
exitOnEarlySignals();

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

await main(process.argv);
