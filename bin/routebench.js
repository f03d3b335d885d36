#!/bin/sh
//bin/sh -c :; d=$(readlink -f "$0" 2>/dev/null); d=${d%/*}; case $d in /*) ;; *) d=/ ;; esac; while [ "$d" != / ]; do d=${d%/*}; d=${d:-/}; case $d in */node_modules) continue ;; esac; if [ -x "$d/node_modules/node/bin/node" ]; then exec "$d/node_modules/node/bin/node" "$0" "$@"; fi; done; exec node "$0" "$@"
// The line above is both shell and JavaScript. Executed as a file (a global install's bin link,
// node_modules/.bin, npx, ./bin/routebench.js), /bin/sh runs it: it finds the Node of the
// registry's `node` package, as Node resolves a package (from this file's real folder upward),
// and `exec`s it on this file: the process the user started becomes the benchmark, same pid,
// so every signal, SIGKILL included, reaches the process that holds the lab. Without that
// package it execs the `node` on PATH. To Node the line is a comment (to sh, `//bin/sh -c :` does nothing).
//
// The compiled CLI lives in dist/ (built by `npm run setup`); this file keeps the bin path stable.
// Started as `node bin/routebench.js` by a Node.js older than the project's (Debian's Node 20,
// which cannot exec), it runs this file again under the project's Node as its child and stands
// in for it: it relays SIGINT, SIGTERM and SIGHUP, exits as the child did, and the child stops
// at once if this launcher dies (harness/cli/signals.ts watches it), so SIGKILL leaves nothing.
// Keep this file to syntax that Node 14 still parses, so that the message below is what an old Node prints.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MINIMUM_NODE_MAJOR = 22;

/** The Node binary of the registry's `node` package, wherever npm placed it, or null when not installed. */
function projectNode() {
  try {
    const packageJson = createRequire(import.meta.url).resolve("node/package.json");
    const binary = join(dirname(packageJson), "bin", "node");
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/**
 * Runs this script again under `node` and stands in for it. Every SIGINT, SIGTERM and SIGHUP
 * is relayed, even a terminal's Ctrl-C that reached the child too: the child counts a SIGINT
 * that follows another within a second as the same one (harness/cli/signals.ts), which also
 * makes `npm run` (it relays SIGINT the same way) count one Ctrl-C once.
 */
function reexec(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, ROUTEBENCH_LAUNCHER_PID: String(process.pid) },
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
    process.on(signal, () => {
      try {
        child.kill(signal);
      } catch {}
    });
  child.on("error", (error) => {
    process.stderr.write(`routebench: cannot start ${node}: ${error.message}\n`);
    process.exit(3);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

const major = Number(process.versions.node.split(".")[0]);
if (major < MINIMUM_NODE_MAJOR) {
  const node = projectNode();
  if (node === null) {
    process.stderr.write(
      `routebench: needs Node.js ${MINIMUM_NODE_MAJOR} or newer (this is ${process.version}). ` +
        "Run `npm run setup` (or `bash scripts/setup.sh`): it installs the project's Node from the npm registry.\n",
    );
    process.exit(3);
  }
  reexec(node);
} else {
  const main = new URL("../dist/cli/main.js", import.meta.url);
  if (!existsSync(fileURLToPath(main))) {
    process.stderr.write(
      "routebench: not built yet. Run `npm run setup` (or `bash scripts/setup.sh`) first.\n",
    );
    process.exit(3);
  }
  await import(main.href);
}
