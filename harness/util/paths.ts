/**
 * Where routebench's own files are, resolved from this module and never from the working
 * directory, so the CLI works from any folder and from an installed package. The same
 * relative layout holds for the TypeScript sources (harness/util) and the build (dist/util).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the folder holding package.json, sweeps/, manifests/ and bpf/. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The lab's BPF object, built by scripts/setup.sh. */
export const BPF_OBJECT = join(PACKAGE_ROOT, "bpf", "build", "rb_host.bpf.o");

/** The sweep `routebench run` measures when given none: the seed's blog sweep. */
export const DEFAULT_SWEEP = join(PACKAGE_ROOT, "sweeps", "blog.yaml");
