/**
 * Reads a sweep file: YAML → schema → resolved Sweep. Errors name the file, line and
 * column, the key, what was expected, and the nearest valid key for a misspelling.
 * `parseSweep` is pure (text in, Sweep or errors out); `loadSweep` reads the file.
 */
import { readFile } from "node:fs/promises";
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "../util/errors.js";
import { closest } from "../util/suggest.js";
import { isStreamTest, NETPERF_TESTS } from "../vocabulary/vocabulary.js";
import { checkDesign } from "./design.js";
import { resolveSweep, type Sweep, type SweepOverrides, sweepSchema } from "./schema.js";

export interface SweepProblem {
  line: number;
  column: number;
  path: string;
  message: string;
}

/** A sweep file that is not valid; `problems` lists every issue found, in file order. */
export class SweepError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: SweepProblem[],
  ) {
    super(
      `${file} is not a valid sweep:\n${problems.map((p) => `  ${file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n")}`,
      "see sweeps/blog.yaml for a complete example",
    );
  }
}

type Path = (string | number)[];

/** The keys allowed in the object at `path`, for "did you mean". */
function knownKeys(path: Path, value: unknown): string[] {
  const top = Object.keys(sweepSchema.shape);
  const [head, index] = path;
  if (path.length === 0) return top;
  if (path.length === 1 && (head === "lab" || head === "cpu")) {
    const inner = sweepSchema.shape[head].unwrap();
    return Object.keys(inner.shape);
  }
  if (head === "tests" && typeof index === "number") {
    const test = (value as { tests?: { test?: string }[] })?.tests?.[index]?.test;
    const known = NETPERF_TESTS.find((name) => name === test);
    if (known) return isStreamTest(known) ? ["test", "messageSizes"] : ["test", "sizes", "percentiles"];
    return ["test", "messageSizes", "sizes", "percentiles"];
  }
  return [];
}

function formatPath(path: Path): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    "",
  );
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** Where the node at `path` (or its key, for an unknown key) starts in the text. */
function offsetOf(doc: Document, path: Path, key?: string): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (!node) continue;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return keyNode.range[0];
    }
    if (node.range) return node.range[0];
  }
  return 0;
}

function explain(issue: z.core.$ZodIssue, value: unknown): string {
  const got = describeValue(value);
  switch (issue.code) {
    case "invalid_type":
      return value === undefined
        ? `is required (${issue.expected})`
        : `expected ${issue.expected === "int" ? "a whole number" : issue.expected}, got ${got}`;
    case "invalid_value": {
      const options = issue.values.map((v) => String(v));
      const hint = typeof value === "string" ? closest(value, options) : undefined;
      return `expected one of ${options.join(", ")}, got ${got}${hint ? ` (did you mean "${hint}"?)` : ""}`;
    }
    case "too_small":
      return issue.origin === "array"
        ? issue.message
        : `${issue.message.replace(/^Too small: /, "")}, got ${got}`;
    case "too_big":
      return `${issue.message.replace(/^Too big: /, "")}, got ${got}`;
    case "invalid_union": {
      const hint = typeof value === "string" ? closest(value, NETPERF_TESTS) : undefined;
      return `${issue.message}, got ${got}${hint ? ` (did you mean "${hint}"?)` : ""}`;
    }
    default:
      return `${issue.message}${value !== undefined && typeof value !== "object" ? `, got ${got}` : ""}`;
  }
}

/** Parses and validates sweep YAML text. Throws SweepError listing every problem with its position. */
export function parseSweep(text: string, file: string, overrides: SweepOverrides = {}): Sweep {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new SweepError(
      file,
      doc.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return { line, column: col, path: "", message: `YAML: ${error.message.split("\n")[0]}` };
      }),
    );
  }
  const value = doc.toJS() ?? {};
  const result = sweepSchema.safeParse(value);
  if (!result.success) {
    const problems: SweepProblem[] = [];
    for (const issue of result.error.issues) {
      const path = issue.path as Path;
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const { line, col } = at(offsetOf(doc, path, key));
          const hint = closest(key, knownKeys(path, value));
          problems.push({
            line,
            column: col,
            path: formatPath([...path, key]),
            message: `unknown key${hint ? ` (did you mean "${hint}"?)` : `; allowed here: ${knownKeys(path, value).join(", ")}`}`,
          });
        }
        continue;
      }
      const { line, col } = at(offsetOf(doc, path));
      problems.push({
        line,
        column: col,
        path: formatPath(path),
        message: explain(issue, valueAt(value, path)),
      });
    }
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new SweepError(file, problems);
  }
  const sweep = resolveSweep(result.data, overrides);
  try {
    checkDesign(sweep);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${file}: ${error.message}`, error.hint);
    throw error;
  }
  return sweep;
}

/** Reads and parses a sweep file. */
export async function loadSweep(file: string, overrides: SweepOverrides = {}): Promise<Sweep> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read sweep file ${file}: ${(error as Error).message}`);
  }
  return parseSweep(text, file, overrides);
}
