import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_TMP_PREFIX } from "../../global-tmp.js";

describe("tests' temporary files", () => {
  it("go to the run's own directory, which the global setup removes at the end", () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-temp-files-"));
    try {
      expect(basename(dirname(dir)).startsWith(TEST_TMP_PREFIX)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
