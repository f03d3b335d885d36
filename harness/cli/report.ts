/** `routebench report RESULTS`: renders a results file (or its run folder) into a report folder. */
import { statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { parseFormats, REPORT_FORMATS } from "../report/formats.js";
import { readResults } from "../results/read.js";
import type { Results } from "../results/schema.js";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";
import { printJson, printLine } from "./output.js";

export function defaultReportDir(results: Results): string {
  return join(PACKAGE_ROOT, "reports", results.runId);
}

/** Renders a report; shared by `report` and `run --report`. */
export async function renderReport(
  results: Results,
  outDir: string | undefined,
  formats = [...REPORT_FORMATS],
  /** The run folder (explain's folded stacks are in its profiles/). */
  runDir?: string,
) {
  const dir = outDir ?? defaultReportDir(results);
  // vega and resvg load only when a report is rendered: they cost half a second at start-up
  const { writeReport } = await import("../report/write.js");
  const files = await writeReport(results, dir, formats, runDir);
  const main = files.find((f) => basename(f) === "index.html") ?? files[0] ?? dir;
  return { dir, files, main };
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("render a results.json (or its run folder) as HTML, Markdown, SVG, PNG and CSV")
    .argument("<results>", "results.json or the run folder holding it")
    .option("--out <dir>", "report folder (default reports/<runId>)")
    .option("--format <list>", `comma-separated: ${REPORT_FORMATS.join(",")}`, parseFormats, [
      ...REPORT_FORMATS,
    ])
    .option("--json", "print the written files as JSON")
    .action(async (path: string, opts) => {
      const results = await readResults(path);
      const runDir = statSync(path).isDirectory() ? path : dirname(path);
      const report = await renderReport(results, opts.out, opts.format, runDir);
      if (opts.json) printJson({ dir: report.dir, files: report.files });
      else printLine(`report: ${report.main}`);
    });
}
