/**
 * Loads Node's built-in `node:sqlite` (no native add-on, no server). Node 22.13+ and 24 mark it
 * "Stability: 1.1 - Active development"; some releases print "ExperimentalWarning: SQLite is an
 * experimental feature" when it is first loaded. That line tells a routebench user nothing they
 * can act on, so this one warning is dropped while the module loads; every other warning passes.
 */
import { EnvironmentError } from "../util/errors.js";

export type SqliteModule = typeof import("node:sqlite");

/** True for the warning node:sqlite prints when it loads, and for no other. */
export function isSqliteExperimentalWarning(warning: string | Error, type?: unknown): boolean {
  const message = typeof warning === "string" ? warning : warning.message;
  const name = typeof warning === "string" ? type : warning.name;
  return name === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(message);
}

let loaded: Promise<SqliteModule> | undefined;

/** node:sqlite, loaded once with its experimental warning filtered. */
export function loadSqlite(): Promise<SqliteModule> {
  loaded ??= (async () => {
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
      if (isSqliteExperimentalWarning(warning, type)) return;
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      return await import("node:sqlite");
    } catch (error) {
      throw new EnvironmentError(
        `node:sqlite is not available in Node ${process.version}: ${(error as Error).message}`,
        "run routebench with Node 22.13 or later (bin/routebench.js uses the bundled Node 24)",
      );
    } finally {
      process.emitWarning = emitWarning;
    }
  })();
  return loaded;
}
