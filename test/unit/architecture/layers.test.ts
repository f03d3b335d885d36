/**
 * The layer rule of ARCHITECTURE.md, checked on the code: every import under harness/ (type-only
 * imports, re-exports and dynamic imports included) goes to the same folder or to a folder lower
 * in LAYERS, and no chain of imports comes back to where it started.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** Lowest first: a folder may import only folders before it (and itself). Keep in step with ARCHITECTURE.md. */
const LAYERS = [
  "types",
  "vocabulary",
  "util",
  "netperf",
  "witness",
  "sweep",
  "results",
  "stats",
  "history",
  "profile",
  "machine",
  "backends",
  "run",
  "report",
  "cli",
  "bench",
] as const;

const HARNESS = fileURLToPath(new URL("../../../harness", import.meta.url));

type Edge = { from: string; to: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import of every file under harness/, as paths relative to harness/ (.js read as .ts). */
function importEdges(): Edge[] {
  return sourceFiles(HARNESS).flatMap((file) => {
    // preProcessFile lists `import type`, `export ... from` and `import()` alike
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    return importedFiles
      .filter((imported) => imported.fileName.startsWith("."))
      .map((imported) => ({
        from: relative(HARNESS, file),
        to: relative(HARNESS, resolve(dirname(file), imported.fileName)).replace(/\.js$/, ".ts"),
      }));
  });
}

const folderOf = (path: string) => path.split("/")[0] ?? path;

/** Imports that go to a higher layer, or from or to a folder the rule does not know. */
function upwardImports(edges: readonly Edge[], layers: readonly string[]): string[] {
  return edges.flatMap(({ from, to }) => {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (a === b) return [];
    const [rankA, rankB] = [layers.indexOf(a), layers.indexOf(b)];
    if (rankA < 0 || rankB < 0) return [`${from} -> ${to}: folder ${rankA < 0 ? a : b} has no layer`];
    return rankB > rankA ? [`${from} -> ${to}: ${a} is below ${b}`] : [];
  });
}

/** The import cycles (strongly connected groups of more than one file, or a file importing itself). */
function importCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || next.get(node)?.includes(node)) cycles.push(group.sort());
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

describe("the import graph of harness/", () => {
  const edges = importEdges();

  it("reads the imports (a sanity check that the parser sees type-only and dynamic imports)", () => {
    expect(edges.length).toBeGreaterThan(100);
    // type-only: warnings.ts uses only types from the stored summary
    expect(edges).toContainEqual({ from: "stats/warnings.ts", to: "results/summary-schema.ts" });
    // dynamic: cli/program.ts loads each command's module on demand
    expect(edges.some((e) => e.from === "cli/program.ts" && e.to.startsWith("cli/"))).toBe(true);
  });

  it("never imports a higher layer", () => {
    expect(upwardImports(edges, LAYERS)).toEqual([]);
  });

  it("has no cycle", () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it("is checked by rules that can fail", () => {
    const bad = [
      { from: "util/a.ts", to: "cli/b.ts" },
      { from: "stats/x.ts", to: "stats/y.ts" },
      { from: "stats/y.ts", to: "stats/x.ts" },
      { from: "nowhere/z.ts", to: "util/a.ts" },
    ];
    expect(upwardImports(bad, LAYERS)).toEqual([
      "util/a.ts -> cli/b.ts: util is below cli",
      "nowhere/z.ts -> util/a.ts: folder nowhere has no layer",
    ]);
    expect(importCycles(bad)).toEqual([["stats/x.ts", "stats/y.ts"]]);
  });
});
