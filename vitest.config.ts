import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Integration files that never touch the lab (the real CLI on synthetic runs, the report in a
 * browser, the packed package): they run beside the unit files. Every other file under
 * test/integration uses the lab, so a new file there runs one at a time unless listed here.
 */
const LAB_FREE_INTEGRATION = [
  "test/integration/compare-cli.test.ts",
  "test/integration/package.test.ts",
  "test/integration/report-browser.test.ts",
];

/**
 * Three projects, all run by `vitest run` (so `npm test` and CI run everything):
 * - unit: pure code, fixtures and in-process fakes; files run in parallel.
 * - integration-free: integration files that use no lab (LAB_FREE_INTEGRATION), in parallel
 *   with the unit files (same groupOrder: the two projects run at the same time).
 * - integration: the root tests under test/integration share one machine's namespaces,
 *   netservers and CPU (a busy CPU makes trials repeat), so their files run one at a time,
 *   after the unit and lab-free files. Two processes must never use the lab at once: the
 *   harness's lab lock refuses a second one (exit 6), and helpers sharing a machine wrap such
 *   runs in `flock /tmp/rb-lab.flock`.
 * Seeded Monte Carlo simulations carry the tag `slow`: `npx vitest run --project unit
 * --tags-filter='!slow'` is the quick loop while editing; CI runs them like any test.
 */
export default defineConfig({
  test: {
    reporters: ["default"],
    // TMPDIR is one directory per run, removed when the run ends (test/global-tmp.ts)
    globalSetup: ["test/global-tmp.ts"],
    tags: [
      { name: "slow", description: "seeded Monte Carlo simulation: run in CI, skippable while editing" },
    ],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // every test outside test/integration is a unit test, so that no file is left out
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/integration/**"],
          fileParallelism: true,
          // Vitest's default (one worker fewer than CPUs) is a single worker on a 2-CPU VM; the
          // fake API server's tests mostly wait on timers, so one worker per CPU overlaps them
          // with the CPU-bound simulations.
          maxWorkers: availableParallelism(),
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration-free",
          include: LAB_FREE_INTEGRATION,
          fileParallelism: true,
          sequence: { groupOrder: 0 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...LAB_FREE_INTEGRATION],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
