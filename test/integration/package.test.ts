/**
 * routebench as a user installs it: `npm pack`, then `npm install -g` of the tarball into a
 * temporary prefix (dependencies come from the npm registry), then the installed command runs
 * from another directory with nothing of the source tree: the BPF object, sweeps, manifests
 * and published figures all resolve from the installed package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("the packed package", () => {
  const work = mkdtempSync(join(tmpdir(), "routebench-pack-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("installs with npm install -g from its tarball and runs from any directory", () => {
    const pack = spawnSync("npm", ["pack", "--pack-destination", work, "--json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(pack.status, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const files = (info?.files ?? []).map((f) => f.path);
    for (const needed of [
      "dist/cli/main.js",
      "dist/report/published.json",
      "bpf/build/rb_host.bpf.o",
      "sweeps/blog.yaml",
      "manifests/rbac.yaml",
    ])
      expect(files, needed).toContain(needed);
    expect(files.some((f) => f.startsWith("harness/") || f.startsWith("test/"))).toBe(false);

    const prefix = join(work, "prefix");
    const install = spawnSync(
      "npm",
      ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", join(work, info?.filename as string)],
      {
        cwd: work,
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    expect(install.status, install.stderr).toBe(0);
    const bin = join(prefix, "bin", "routebench");
    expect(existsSync(bin)).toBe(true);
    const run = (args: string[]) => spawnSync(bin, args, { cwd: "/", encoding: "utf8" });
    expect(run(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const dry = run(["run", "--dry-run", "--json"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ sweep: "blog", points: 14 });
    const manifests = run(["manifests", "--out", join(work, "manifests")]);
    expect(manifests.status, manifests.stderr).toBe(0);
  }, 360_000);
});
