/**
 * The layer rule of ARCHITECTURE.md, checked on the code: every import under harness/ (type-only
 * imports, re-exports and dynamic imports included) goes to the same folder or to a folder lower
 * in the layer list that ARCHITECTURE.md states (read from it, not copied), sibling backends
 * never import each other, and no chain of imports comes back to where it started.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ARCHITECTURE = fileURLToPath(new URL("../../../ARCHITECTURE.md", import.meta.url));

/**
 * The layer list, lowest first, as ARCHITECTURE.md's "Layers" section states it (the one code
 * block of `a → b → …` there): a folder may import only folders before it (and itself).
 */
function documentedLayers(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Layers"));
  const line = section?.match(/```\n([^`]*→[^`]*)\n```/)?.[1];
  if (!line) throw new Error("ARCHITECTURE.md has no Layers section with a `a → b → …` code block");
  return line.split("→").map((name) => name.trim());
}

const LAYERS = documentedLayers(readFileSync(ARCHITECTURE, "utf8"));

/**
 * Folders side by side in one layer: neither may import the other (each backend talks to its own
 * system; what they share is in the folder above them, backends/backend.ts).
 */
const SIBLINGS: readonly (readonly string[])[] = [["backends/lab", "backends/kubernetes"]];

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

/** The sibling folder a file is in (e.g. backends/lab), or null. */
const siblingOf = (path: string, siblings: readonly (readonly string[])[]) =>
  siblings.flat().find((folder) => path.startsWith(`${folder}/`)) ?? null;

/** Imports between sibling folders (backends/lab ↔ backends/kubernetes). */
function siblingImports(edges: readonly Edge[], siblings: readonly (readonly string[])[]): string[] {
  return edges.flatMap(({ from, to }) => {
    const [a, b] = [siblingOf(from, siblings), siblingOf(to, siblings)];
    return a && b && a !== b ? [`${from} -> ${to}: ${a} and ${b} are siblings`] : [];
  });
}

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

  it("reads its layer list from ARCHITECTURE.md, which names every folder under harness/", () => {
    expect(LAYERS[0]).toBe("types");
    expect(LAYERS.at(-1)).toBe("bench");
    const folders = readdirSync(HARNESS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...folders].sort()).toEqual([...LAYERS].sort());
    for (const sibling of SIBLINGS.flat()) expect(existsSync(join(HARNESS, sibling)), sibling).toBe(true);
  });

  it("never imports a higher layer", () => {
    expect(upwardImports(edges, LAYERS)).toEqual([]);
  });

  it("keeps sibling backends apart", () => {
    expect(siblingImports(edges, SIBLINGS)).toEqual([]);
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
    expect(
      siblingImports(
        [
          { from: "backends/lab/a.ts", to: "backends/kubernetes/b.ts" },
          { from: "backends/lab/a.ts", to: "backends/backend.ts" },
        ],
        SIBLINGS,
      ),
    ).toEqual([
      "backends/lab/a.ts -> backends/kubernetes/b.ts: backends/lab and backends/kubernetes are siblings",
    ]);
    expect(() => documentedLayers("# Architecture\n## Layers\nno list")).toThrow(/no Layers section/);
  });
});
