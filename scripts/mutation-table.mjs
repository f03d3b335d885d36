#!/usr/bin/env node
// The mutation scores README quotes, printed from Stryker's own JSON reports (never typed by hand):
//   node scripts/mutation-table.mjs [mutation.json ...]
// Without arguments: every reports/mutation/**/mutation.json (`npm run mutate` writes them). A
// file measured in several reports is taken from the newest one. Per file and per folder:
// killed + timed out over all valid mutants (killed, timed out, survived, no coverage), as
// Stryker's clear-text table counts them; ignored mutants (ignoreStatic) are listed apart.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

function reports(dir) {
  let found = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found = found.concat(reports(path));
    else if (entry.name === "mutation.json") found.push(path);
  }
  return found;
}

const paths = process.argv.length > 2 ? process.argv.slice(2) : reports("reports/mutation");
if (paths.length === 0) {
  console.error("mutation-table: no mutation.json under reports/mutation (run `npm run mutate` first)");
  process.exit(2);
}

/** Per source file: counts by status, from the newest report that measured it. */
const byFile = new Map();
for (const path of paths) {
  const when = statSync(path).mtime;
  const report = JSON.parse(readFileSync(path, "utf8"));
  for (const [file, { mutants }] of Object.entries(report.files ?? {})) {
    const previous = byFile.get(file);
    if (previous && previous.when > when) continue;
    const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
    for (const m of mutants) {
      if (m.status in counts) counts[m.status]++;
      else counts.other++;
    }
    byFile.set(file, { counts, when, report: relative(process.cwd(), path) });
  }
}

const score = (c) => {
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  return {
    detected: c.Killed + c.Timeout,
    valid,
    pct: valid === 0 ? "–" : `${((100 * (c.Killed + c.Timeout)) / valid).toFixed(2)}%`,
  };
};
const add = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k] + b[k]]));
const zero = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };

const rows = [...byFile].sort(([a], [b]) => a.localeCompare(b));
console.log(
  "| file | score | killed + timeout / valid | survived | no coverage | ignored | measured (report, UTC) |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const folders = new Map();
for (const [file, { counts, when, report }] of rows) {
  const s = score(counts);
  console.log(
    `| \`${file}\` | ${s.pct} | ${s.detected} / ${s.valid} | ${counts.Survived} | ${counts.NoCoverage} | ${counts.Ignored} | ${report}, ${when.toISOString().slice(0, 16)} |`,
  );
  const folder = dirname(file);
  folders.set(folder, add(folders.get(folder) ?? zero, counts));
}
console.log("");
console.log("| folder (files above only) | score | killed + timeout / valid |");
console.log("| --- | --- | --- |");
for (const [folder, counts] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const s = score(counts);
  console.log(`| \`${folder}/\` | ${s.pct} | ${s.detected} / ${s.valid} |`);
}
