#!/usr/bin/env node
// The mutation scores README quotes, printed from Stryker's own JSON reports (never typed by hand):
//   node scripts/mutation-table.mjs [--save] [mutation.json ...]
// Without report arguments: every reports/mutation/**/mutation.json (`npm run mutate` writes
// them). A file measured in several reports is taken from the newest one. Per file and per
// folder: killed + timed out over all valid mutants (killed, timed out, survived, no coverage),
// as Stryker's clear-text table counts them; ignored mutants (ignoreStatic) are listed apart.
//
// The reports are a git-ignored local cache, lost with the checkout; the counts are kept in
// test/mutation/scores.json (committed), which `--save` rewrites from the table printed (reports
// and the file's earlier rows, whichever is newer per file). A folder's row sums the files of
// that folder measured in either, and says how many of the folder's .ts files on disk that is,
// naming those not measured and those without a mutant (types only).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

const SAVED = "test/mutation/scores.json";

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

const args = process.argv.slice(2);
const save = args.includes("--save");
const given = args.filter((a) => a !== "--save");
const paths = given.length > 0 ? given : reports("reports/mutation");
const saved = existsSync(SAVED) ? JSON.parse(readFileSync(SAVED, "utf8")).files : {};
if (paths.length === 0 && Object.keys(saved).length === 0) {
  console.error(
    `mutation-table: no mutation.json under reports/mutation and no ${SAVED} (run \`npm run mutate\` first)`,
  );
  process.exit(2);
}

const zero = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };

/** Per source file: counts by status and where they come from, the newest measurement kept. */
const byFile = new Map(
  Object.entries(saved).map(([file, row]) => [
    file,
    { counts: { ...zero, ...row.counts }, when: new Date(row.measured), source: SAVED },
  ]),
);
for (const path of paths) {
  const when = statSync(path).mtime;
  let report;
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    console.error(`mutation-table: ${path} is not a Stryker JSON report (${error.message})`);
    process.exit(2);
  }
  for (const [file, { mutants }] of Object.entries(report.files ?? {})) {
    const previous = byFile.get(file);
    if (previous && previous.when > when) continue;
    const counts = { ...zero };
    for (const m of mutants) {
      if (m.status in counts) counts[m.status]++;
      else counts.other++;
    }
    byFile.set(file, { counts, when, source: relative(process.cwd(), path) });
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
const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);

const rows = [...byFile].sort(([a], [b]) => a.localeCompare(b));
console.log(
  "| file | score | killed + timeout / valid | survived | no coverage | ignored | measured (source, UTC) |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const folders = new Map();
for (const [file, { counts, when, source }] of rows) {
  const s = score(counts);
  const pct = total(counts) === 0 ? "no mutant" : s.pct;
  console.log(
    `| \`${file}\` | ${pct} | ${s.detected} / ${s.valid} | ${counts.Survived} | ${counts.NoCoverage} | ${counts.Ignored} | ${source}, ${when.toISOString().slice(0, 16)} |`,
  );
  const folder = dirname(file);
  const entry = folders.get(folder) ?? { counts: { ...zero }, files: [] };
  entry.counts = add(entry.counts, counts);
  entry.files.push({ name: basename(file), mutants: total(counts) });
  folders.set(folder, entry);
}

/** The folder's own .ts files on disk (not its subfolders': they are folders of their own). */
function sourcesIn(folder) {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith(".ts"))
      .sort();
  } catch {
    return [];
  }
}

console.log("");
console.log("| folder | score | killed + timeout / valid | files measured | not measured | no mutant |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const [folder, { counts, files }] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const s = score(counts);
  const onDisk = sourcesIn(folder);
  const measured = new Set(files.map((f) => f.name));
  const missing = onDisk.filter((name) => !measured.has(name));
  const empty = files.filter((f) => f.mutants === 0).map((f) => f.name);
  const list = (names) => (names.length === 0 ? "–" : names.map((n) => `\`${n}\``).join(", "));
  const of = onDisk.length > 0 ? ` of ${onDisk.length}` : "";
  console.log(
    `| \`${folder}/\` | ${s.pct} | ${s.detected} / ${s.valid} | ${files.length}${of} | ${list(missing)} | ${list(empty)} |`,
  );
}

if (save) {
  const files = Object.fromEntries(
    rows.map(([file, { counts, when }]) => [
      file,
      {
        measured: when.toISOString(),
        counts: Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)),
      },
    ]),
  );
  writeFileSync(
    SAVED,
    `${JSON.stringify({ note: "written by `npm run mutate:table -- --save` (scripts/mutation-table.mjs); do not edit by hand", files }, null, 2)}\n`,
  );
  console.error(`mutation-table: ${rows.length} files saved to ${SAVED}`);
}
