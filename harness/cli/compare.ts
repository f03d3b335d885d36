/** `routebench compare` and `export`: release qualification over results files (`history` is in history.ts). */
import { writeFile } from "node:fs/promises";
import { type Command, Option } from "@commander-js/extra-typings";
import { compareMarkdown, junitXml, terminalTable } from "../report/compare-output.js";
import { comparisonsCsv, pointsCsv } from "../report/csv.js";
import { readResults } from "../results/read.js";
import { compareRuns, GATE_EXIT_CODES } from "../stats/regression.js";
import { UsageError } from "../util/errors.js";
import { METRIC_NAMES, MODES } from "../vocabulary/vocabulary.js";
import { printJson, printLine } from "./output.js";

function parsePercentage(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number >= 100)
    throw new UsageError(`--max-regression takes a percentage from 0 to 99, got ${value}`);
  return number;
}

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description(
      `compare two runs point by point and per mode; exit ${GATE_EXIT_CODES.pass} pass, ${GATE_EXIT_CODES.regression} regression, 2 bad input, ${GATE_EXIT_CODES.undecided} undecided (not enough evidence either way)`,
    )
    .argument("<baseline>", "results.json (or run folder) of the baseline")
    .argument("<candidate>", "results.json (or run folder) of the candidate")
    .option("--max-regression <pct>", "tolerated worsening in percent", parsePercentage, 5)
    .addOption(
      new Option(
        "--metric <metric...>",
        "metrics to compare (default: throughput, transaction rate, latency percentiles)",
      ).choices(METRIC_NAMES),
    )
    .addOption(
      new Option(
        "--normalise [mode]",
        "judge each mode against an in-run reference mode (default host, else legacy), cancelling drift every mode shares; the raw comparison is shown beside it",
      ).choices(MODES),
    )
    .option("--junit <file>", "write JUnit XML (one test case per point)")
    .option("--markdown <file>", "write Markdown for a pull-request comment")
    .option("--json", "print the comparison as JSON")
    .action(async (baselinePath: string, candidatePath: string, opts) => {
      const report = compareRuns(await readResults(baselinePath), await readResults(candidatePath), {
        maxRegressionPct: opts.maxRegression,
        metrics: opts.metric,
        normalise: opts.normalise === true ? "auto" : opts.normalise,
      });
      if (opts.junit) await writeFile(opts.junit, junitXml(report));
      if (opts.markdown) await writeFile(opts.markdown, compareMarkdown(report));
      if (opts.json) printJson(report);
      else printLine(terminalTable(report, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
      process.exitCode = report.gate.exitCode;
    });

  program
    .command("export")
    .description(
      "the summary of a run as CSV or JSON, for dashboards; OpenSearch bulk NDJSON or a Prometheus/OpenMetrics exposition, for pipelines",
    )
    .argument("<results>", "results.json or run folder")
    .addOption(
      new Option("--format <format>", "file format")
        .choices(["csv", "json", "opensearch", "openmetrics"] as const)
        .default("csv"),
    )
    .addOption(
      new Option("--table <table>", "with csv: which table")
        .choices(["points", "comparisons"] as const)
        .default("points"),
    )
    .option("--out <file>", "write to a file instead of standard output")
    .option("--index <name>", "with opensearch: the index the bulk actions name", "routebench")
    .option("--mapping <file>", "with opensearch: also write the index mapping (JSON) to this file")
    .action(async (path: string, opts) => {
      const results = await readResults(path);
      let text: string;
      if (opts.format === "opensearch") {
        const { OPENSEARCH_MAPPING, opensearchBulk } = await import("../report/opensearch.js");
        text = opensearchBulk(results, opts.index);
        if (opts.mapping)
          await writeFile(opts.mapping, `${JSON.stringify({ mappings: OPENSEARCH_MAPPING }, null, 2)}\n`);
      } else if (opts.format === "openmetrics") {
        text = (await import("../report/openmetrics.js")).openMetricsText(results);
      } else if (opts.format === "json") {
        text = `${JSON.stringify(
          {
            runId: results.runId,
            label: results.label,
            startedAt: results.startedAt,
            state: results.state,
            environment: results.environment,
            points: results.summary.points,
            comparisons: results.summary.comparisons,
            warnings: results.summary.warnings,
          },
          null,
          2,
        )}\n`;
      } else {
        text = opts.table === "points" ? pointsCsv(results) : comparisonsCsv(results);
      }
      if (opts.out) await writeFile(opts.out, text);
      else process.stdout.write(text);
    });
}
