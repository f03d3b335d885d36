/** routebench's command tree and its parse: each command's module loaded on demand, errors turned into exit codes. */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { routebenchVersion } from "../run/environment.js";
import { exitCodeFor, formatError, warn } from "./output.js";

type Register = (program: Command) => void;

/** Each command's module, loaded on demand: `lab mode` should not pay for zod, vega or client-node. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  lab: async () => (await import("./lab.js")).registerLab,
  run: async () => (await import("./run.js")).registerRun,
  report: async () => (await import("./report.js")).registerReport,
  compare: async () => (await import("./compare.js")).registerCompare,
  history: async () => (await import("./history.js")).registerHistory,
  export: async () => (await import("./compare.js")).registerCompare,
  manifests: async () => (await import("./k8s.js")).registerK8s,
  k8s: async () => (await import("./k8s.js")).registerK8s,
};

/** The program with the given command's module registered, or every module (help, unknown commands). */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command("routebench")
    .description("eBPF vs legacy host routing for Kubernetes pod networking, measured with netperf")
    .version(routebenchVersion())
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

/**
 * Parses `argv` (node, script, arguments) and runs the command. Returns the exit code for an
 * error (commander's usage errors, a bad choice among them, are 2; the rest by `exitCodeFor`),
 * or undefined when the command ran and set `process.exitCode` itself if it needed to.
 */
export async function runProgram(argv: readonly string[]): Promise<number | undefined> {
  try {
    await (await buildProgram(argv[2])).parseAsync([...argv]);
    return undefined;
  } catch (error) {
    // commander has printed its message already; exit code 0 is --help and --version
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    warn(formatError(error));
    return exitCodeFor(error);
  }
}
