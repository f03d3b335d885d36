/**
 * Issue 18: `run --dry-run` prices the switches: their number, the expected time of each, and
 * the estimate with them; a sweep whose design does not fit its switch cost is refused (exit 2)
 * before anything is created. Issue 23: and the lab's Service-count changes. In-process, nothing touches a lab or a cluster.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { runProgram } from "../../../harness/cli/program.js";

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  const exitCode = await runProgram(["node", "routebench", ...args]);
  return { exitCode, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("run --dry-run", () => {
  it("prints the AKS sweep's switches and the time they will take", async () => {
    const { exitCode, stdout } = await run("run", "--dry-run", "sweeps/aks.yaml");
    expect(exitCode ?? 0).toBe(0);
    expect(stdout).toMatch(/segmented order \(seed 1\), 3 mode switches \(at most 4\)/);
    expect(stdout).toMatch(
      /design: segmented \(3 segments, mirrored in time\): legacy blocks 1–4 \| ebpf blocks 5–12 \| legacy blocks 13–16/,
    );
    expect(stdout).toMatch(
      /mode switches: 3 × ~30m00s expected \(.*az aks update.*replaces the nodes\) = 1h30m/,
    );
    expect(stdout).toMatch(/estimated duration: 2h\d\dm \(trials 1h\d\dm, switches 1h30m\)/);
  });

  it("gives the same figures to machines", async () => {
    const { stdout } = await run("run", "--dry-run", "--json", "sweeps/cilium.yaml");
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({ order: "segmented", modeSwitches: 3, maxSwitches: 4, switchesSec: 360 });
    expect(plan.segments).toHaveLength(3);
    expect(plan.estimatedSec).toBe(plan.trialsSec + plan.switchesSec);
  });

  it("prices the lab's Service-count changes, one per block, in the estimate", async () => {
    const { stdout } = await run("run", "--dry-run", "sweeps/services.yaml");
    expect(stdout).toMatch(
      /Service-count changes: 8 \(each rewrites every node's nat tables .*: ~1\ds from 100 to 10000 Services, ~2s back\) = 5\ds/,
    );
    expect(stdout).toMatch(/estimated duration: .*\(trials .*, switches .*, Service-count changes 5\ds\)/);
    const plan = JSON.parse((await run("run", "--dry-run", "--json", "sweeps/services.yaml")).stdout);
    expect(plan.serviceCountChanges).toBe(8);
    expect(
      Math.abs(plan.estimatedSec - (plan.trialsSec + plan.switchesSec + plan.serviceCountChangesSec)),
    ).toBeLessThanOrEqual(1);
    // a sweep without the axis says nothing of it
    const blog = JSON.parse((await run("run", "--dry-run", "--json", "sweeps/blog.yaml")).stdout);
    expect(blog).not.toHaveProperty("serviceCountChanges");
  });

  it("refuses --target-ci on a slow-switch sweep before anything is created", async () => {
    const { exitCode, stderr } = await run("run", "--dry-run", "--target-ci", "3", "sweeps/aks.yaml");
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/--target-ci .* one switch per point per block/);
  });
});
