/**
 * Signals before a command is ready for them: until `run` installs its own handlers (before it
 * touches the lab or a cluster), SIGINT, SIGTERM and SIGHUP end the process as an interrupted
 * command (exit 130) — nothing was created yet, and the exit code says what happened.
 */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const exitInterrupted = () => process.exit(130);

export function exitOnEarlySignals(): void {
  for (const signal of SIGNALS) process.on(signal, exitInterrupted);
}

/** Called by a command that handles the signals itself from now on. */
export function takeOverSignals(): void {
  for (const signal of SIGNALS) process.off(signal, exitInterrupted);
}
