/**
 * `npm run bench:startup`: the CLI's own start-up, hyperfine-style: each command RUNS times
 * (default 20) in turn, median and fastest wall time, beside bare Node (`node -e 0`) under the
 * same Node. Only commands that touch nothing: `--version`, `lab mode --help` (loads the `lab`
 * command's module as `lab mode` does, without switching anything), `run --dry-run`. Prints
 * figures; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../vocabulary/vocabulary.js";

const RUNS = Number(process.env.RUNS ?? 20);
const bin = join(PACKAGE_ROOT, "bin", "routebench.js");
const commands: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["routebench --version", [bin, "--version"]],
  ["routebench lab mode --help", [bin, "lab", "mode", "--help"]],
  ["routebench run --dry-run", [bin, "run", "--dry-run"]],
];
const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, argv] of commands) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, argv, { stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited with ${result.status}`);
    times.get(name)?.push(ms);
  }
}
/** Modules each command loads (a figure the machine's load does not move): counted by a resolve hook. */
const COUNT_HOOK = `data:text/javascript,${encodeURIComponent(
  'import{registerHooks}from"node:module";const s=new Set();registerHooks({resolve(a,c,n){const r=n(a,c);if(!r.url.startsWith("node:"))s.add(r.url);return r}});process.on("exit",()=>process.stderr.write("MODULES "+s.size+"\\n"))',
)}`;
const modules = new Map(
  commands.map(([name, argv]) => {
    const result = spawnSync(process.execPath, ["--import", COUNT_HOOK, ...argv], { encoding: "utf8" });
    return [name, Number(/MODULES (\d+)/.exec(result.stderr)?.[1] ?? Number.NaN)];
  }),
);
console.log(
  `${RUNS} runs each, interleaved, Node ${process.version}; load average ${(await import("node:os")).loadavg()[0]?.toFixed(1)}`,
);
for (const [name, list] of times) {
  const sorted = [...list].sort((a, b) => a - b);
  const median =
    ((sorted[Math.floor((RUNS - 1) / 2)] as number) + (sorted[Math.ceil((RUNS - 1) / 2)] as number)) / 2;
  console.log(
    `${name.padEnd(28)} median ${(median / 1000).toFixed(3)} s, fastest ${((sorted[0] as number) / 1000).toFixed(3)} s, ${modules.get(name)} modules`,
  );
}
