#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm run setup`); this shim keeps the bin path stable.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "routebench: not built yet. Run `npm run setup` (or `bash scripts/setup.sh`) first.\n",
  );
  process.exit(3);
}
await import(main.href);
