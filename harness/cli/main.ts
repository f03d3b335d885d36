/** routebench's command line: the process's edges (signals, a closed stdout) around `runProgram`. */
import { runProgram } from "./program.js";
import { exitOnEarlySignals } from "./signals.js";

// A reader that stops early (`| head`) is not an error.
exitOnEarlySignals();

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const exitCode = await runProgram(process.argv);
if (exitCode !== undefined) process.exitCode = exitCode;
