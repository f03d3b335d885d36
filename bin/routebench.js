#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm run setup`); this shim keeps the bin path stable.
// It also keeps the bin usable when started by a Node.js older than the project's (Debian's Node 20):
// it runs itself again with the Node the project installs from the npm registry (the `node` package).
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

/** Runs this script again under `node`, passing signals that target only this process, and exits as it did. */
function reexec(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child from the terminal already (same process group); forwarding it would count
  // as a second Ctrl-C, which kills the running trial. SIGTERM and SIGHUP mean "stop now" either way.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
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
