/** Checks a value read back from a file against its zod schema, with errors that name the file and the field. */
import type { z } from "zod";
import { UsageError } from "./errors.js";

/**
 * Parses `value` (read from `file`) with `schema`. A mismatch is a UsageError such as
 * `results.json: trials[3].state: expected "completed" | "failed" | "rejected", got "done"`,
 * listing up to three problems; `hint` says what to do about it.
 */
export function parseFile<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
  hint?: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const shown = issues.slice(0, 3).map((issue) => `${file}: ${describeIssue(issue, value)}`);
  if (issues.length > shown.length) shown.push(`(and ${issues.length - shown.length} more)`);
  throw new UsageError(shown.join("\n"), hint);
}

/**
 * Parses JSON `text` read from `file` and checks it against `schema`: text that is not JSON is a
 * UsageError naming the file, a mismatch is `parseFile`'s.
 */
export function parseJsonFile<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  hint?: string,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, hint);
  }
  return parseFile(schema, value, file, hint);
}

/** JSON `text` checked against `schema`, or null when it is not JSON or does not fit (output read where a fallback exists). */
export function parseJsonOrNull<S extends z.ZodType>(schema: S, text: string): z.output<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `trials[3].state`, `environment.topology["a b"]`, or `(the whole file)` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(the whole file)";
  return path
    .map((key, i) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) return i === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join("");
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = formatPath(issue.path);
  const actual = valueAt(root, issue.path);
  switch (issue.code) {
    case "invalid_value":
    case "invalid_type": {
      const expected =
        issue.code === "invalid_value"
          ? issue.values.map((v) => JSON.stringify(v)).join(" | ")
          : issue.expected;
      return actual === undefined
        ? `${where}: missing (expected ${expected})`
        : `${where}: expected ${expected}, got ${show(actual)}`;
    }
    case "unrecognized_keys":
      return `${where}: unexpected ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.join(", ")}`;
    default:
      return `${where}: ${issue.message}${actual === undefined ? "" : `, got ${show(actual)}`}`;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A short rendering of the offending value: long strings and objects are cut. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
