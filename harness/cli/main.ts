/** routebench's command line: the process's edges (signals, a closed stdout) around `runProgram`. */
import { runProgram } from "./program.js";
import { exitOnEarlySignals } from "./signals.js";

// A reader that stops early (`| head`) is not an error, nor a terminal that closed.
exitOnEarlySignals();

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  if (error.code === "EIO") return; // a closed terminal: the run (stopped by its SIGHUP) still cleans up
  throw error;
});
process.stderr.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE" || error.code === "EIO") return; // progress with nowhere to go must not stop the cleanup
  throw error;
});

const exitCode = await runProgram(process.argv);
if (exitCode !== undefined) process.exitCode = exitCode;
