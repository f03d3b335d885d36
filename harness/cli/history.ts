/**
 * `routebench history`: the trend page of many runs, from a history store or from results
 * files; `history add` puts runs into a store; `history check` finds step changes over the
 * stored runs and exits like `compare`.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Command, Option } from "@commander-js/extra-typings";
import { runsAgreement } from "../history/agreement.js";
import { checkHistory } from "../history/check.js";
import { type HistoryRun, historyRun, mixedSweeps } from "../history/runs.js";
import { HistoryStore, storedRun } from "../history/store.js";
import { agreementText } from "../report/agreement-output.js";
import { historyCheckText, historyJunitXml } from "../report/history-output.js";
import { readResults } from "../results/read.js";
import type { Results } from "../results/schema.js";
import { GATE_EXIT_CODES } from "../stats/regression-types.js";
import { UsageError } from "../util/errors.js";
import { METRIC_NAMES, PACKAGE_ROOT } from "../vocabulary/vocabulary.js";
import { printJson, printLine, warn } from "./output.js";

const SQLITE_MAGIC = "SQLite format 3\u0000";

/** True when `path` is an SQLite file (its first 16 bytes), so `history X` reads a store rather than a results file. */
export function isSqliteFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, "r");
    try {
      const header = Buffer.alloc(16);
      return readSync(fd, header, 0, 16, 0) === 16 && header.toString("latin1") === SQLITE_MAGIC;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The runs named: one history store, or results files and run folders. */
async function readRuns(paths: readonly string[]): Promise<HistoryRun[]> {
  const stores = paths.filter(isSqliteFile);
  if (stores.length > 0) {
    if (paths.length > 1)
      throw new UsageError(
        `give one history store or results files, not both: ${stores.join(", ")} is a store`,
        "add the results to the store first (`routebench history add`)",
      );
    return withStore(stores[0] as string, false, (store) => store.runs());
  }
  const runs: HistoryRun[] = [];
  for (const path of paths) runs.push(historyRun(await readResults(path)));
  return runs;
}

async function withStore<T>(path: string, create: boolean, use: (store: HistoryStore) => T): Promise<T> {
  const store = await HistoryStore.open(path, { create });
  try {
    return use(store);
  } finally {
    store.close();
  }
}

/**
 * Adds finished runs to a store (creating it), printing what was added and what was there
 * already, then, when the store holds two runs or more of the newest design, whether they
 * agree on each comparison (history/agreement.ts).
 */
export async function addToHistory(
  path: string,
  results: readonly Results[],
  log: (line: string) => void = printLine,
): Promise<void> {
  const { outcome, runs } = await withStore(path, true, (store) => ({
    outcome: store.add(results.map(storedRun), new Date().toISOString()),
    runs: store.runs(),
  }));
  for (const id of outcome.added) log(`history: added ${id} to ${path}`);
  for (const id of outcome.present) log(`history: ${id} is already in ${path}; left as it is`);
  const agreement = runsAgreement(runs);
  if (agreement.runs.length >= 2) log(agreementText(agreement));
}

/** Checks that a store can be written (created, or of this schema version) before a run starts. */
export async function checkHistoryStore(path: string): Promise<void> {
  await withStore(path, true, () => undefined);
}

function parsePercentage(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number >= 100)
    throw new UsageError(`--max-regression takes a percentage from 0 to 99, got ${value}`);
  return number;
}

export function registerHistory(program: Command): void {
  const history = program
    .command("history")
    .description(
      "an HTML trend page: each point's median and CI across runs, in time order, with detected steps marked, and whether the runs agree on each comparison's ratio",
    )
    .argument("[sources...]", "a history store, or results.json files and run folders")
    .option("--out <dir>", "output folder (default reports/history)")
    .action(async (paths: string[], opts) => {
      if (paths.length === 0) throw new UsageError("history: give a history store or results files");
      const runs = await readRuns(paths);
      const mixed = mixedSweeps(runs);
      if (mixed)
        warn(`warning: the runs are of different sweeps (${mixed}); their trends measure different things`);
      const check = checkHistory(runs, { maxRegressionPct: 5 });
      const agreement = runsAgreement(runs);
      const dir = opts.out ?? join(PACKAGE_ROOT, "reports", "history");
      await mkdir(dir, { recursive: true });
      const file = join(dir, "index.html");
      const { renderHistory } = await import("../report/history.js");
      await writeFile(file, await renderHistory(runs, check, agreement));
      printLine(agreementText(agreement));
      printLine(`history: ${file}`);
    });

  history
    .command("add")
    .description("add runs to a history store (created if missing); a run already there is left as it is")
    .argument("<db>", "the history store (an SQLite file)")
    .argument("<results...>", "results.json files or run folders")
    .action(async (db: string, paths: string[]) => {
      const results: Results[] = [];
      for (const path of paths) results.push(await readResults(path));
      await addToHistory(db, results);
    });

  history
    .command("check")
    .description(
      `find step changes across the stored runs, per point, mode and metric; exit ${GATE_EXIT_CODES.pass} no step for the worse, ${GATE_EXIT_CODES.regression} a step for the worse, 2 bad input, ${GATE_EXIT_CODES.undecided} undecided (too few runs, or only the newest run looks worse)`,
    )
    .argument("<db>", "the history store")
    .option("--max-regression <pct>", "tolerated worsening in percent", parsePercentage, 5)
    .addOption(
      new Option("--metric <metric...>", "metrics to check (default: rates and latency percentiles)").choices(
        METRIC_NAMES,
      ),
    )
    .option("--junit <file>", "write JUnit XML (one test case per series)")
    .option("--json", "print the check as JSON")
    .action(async (db: string, opts) => {
      const runs = await withStore(db, false, (store) => store.runs());
      const check = checkHistory(runs, { maxRegressionPct: opts.maxRegression, metrics: opts.metric });
      if (check.mixedSweeps)
        warn(
          `warning: the store holds runs of different sweeps (${check.mixedSweeps}); checking the newest sweep's runs only`,
        );
      if (opts.junit) await writeFile(opts.junit, historyJunitXml(check));
      if (opts.json) printJson(check);
      else printLine(historyCheckText(check));
      process.exitCode = check.decision.exitCode;
    });
}
