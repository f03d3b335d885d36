/**
 * Two rules of ARCHITECTURE.md's "Cross-cutting" section, checked on the code: a file under
 * harness/ or test/ (test/integration aside) longer than 300 lines says why in its header, and
 * no JSON under harness/ is cast instead of read through a schema (`JSON.parse(...) as`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Files over the limit whose header (the first comment) does not say why. */
function longWithoutReason(files: readonly { path: string; text: string }[], limit = 300): string[] {
  return files.flatMap(({ path, text }) => {
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines <= limit) return [];
    const header = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text)?.[1] ?? "";
    return /300 lines/.test(header) ? [] : [`${path}: ${lines} lines, no reason in its header`];
  });
}

/** `JSON.parse(...) as T` expressions: JSON given a type without being checked. */
function castJson(files: readonly { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) => {
    const found: string[] = [];
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isAsExpression(node)) {
        let inner: ts.Expression = node.expression;
        while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
        if (ts.isCallExpression(inner) && inner.expression.getText(source) === "JSON.parse")
          found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  });
}

const read = (dir: string) =>
  sourceFiles(join(ROOT, dir)).map((path) => ({
    path: relative(ROOT, path),
    text: readFileSync(path, "utf8"),
  }));

describe("file rules", () => {
  it("keeps files to 300 lines, or says why in the header", () => {
    const files = [
      ...read("harness"),
      ...read("test").filter((f) => !f.path.startsWith("test/integration/")),
    ];
    expect(files.length).toBeGreaterThan(100);
    expect(longWithoutReason(files)).toEqual([]);
  });

  it("reads every JSON under harness/ through a schema", () => {
    expect(castJson(read("harness"))).toEqual([]);
  });

  it("is checked by rules that can fail", () => {
    const long = `${"x\n".repeat(301)}`;
    expect(longWithoutReason([{ path: "a.ts", text: long }])).toEqual([
      "a.ts: 301 lines, no reason in its header",
    ]);
    expect(
      longWithoutReason([{ path: "b.ts", text: `/** Over 300 lines on purpose: data. */\n${long}` }]),
    ).toEqual([]);
    expect(castJson([{ path: "c.ts", text: "const x = (JSON.parse(text) as { a: number }).a;\n" }])).toEqual([
      "c.ts:1",
    ]);
    expect(castJson([{ path: "d.ts", text: "const x = parseJsonFile(schema, text, file);\n" }])).toEqual([]);
  });
});
