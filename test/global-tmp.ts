/**
 * One temporary directory for a whole `vitest run`: every test that makes files under
 * os.tmpdir() makes them here (TMPDIR points here before any worker starts, and workers
 * inherit it), and the directory goes when the run ends, whether its tests passed or failed.
 * So a test that forgets its own clean-up, or fails before reaching it, leaves nothing in /tmp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The prefix of the run's directory; test/unit/architecture/temp-files.test.ts checks it is in use. */
export const TEST_TMP_PREFIX = "routebench-tests-";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), TEST_TMP_PREFIX));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
