import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, both run by `vitest run` (so `npm test` and CI run everything):
 * - unit: pure code, fixtures and in-process fakes; files run in parallel.
 * - integration: the root tests under test/integration share one machine's namespaces,
 *   netservers and CPU, so their files run one at a time, after the unit files.
 * Seeded Monte Carlo simulations carry the tag `slow`: `npx vitest run --project unit
 * --tags-filter='!slow'` is the quick loop while editing; CI runs them like any test.
 */
export default defineConfig({
  test: {
    reporters: ["default"],
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
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
