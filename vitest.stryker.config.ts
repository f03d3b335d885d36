import { configDefaults, defineConfig } from "vitest/config";

/**
 * The unit tests as Stryker's vitest runner sees them (stryker.config.mjs): one project (the
 * runner drives a single Vitest instance), no integration tests (root, lab), and no `slow`
 * seeded simulations — each mutant reruns every test that covers it, and the simulations take
 * seconds each on a 2-CPU machine, so mutants that only a simulation could kill are listed as
 * such in test/mutation/equivalent.md instead.
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: [...configDefaults.exclude, "test/integration/**"],
    tags: [{ name: "slow", description: "seeded Monte Carlo simulation" }],
    // `tagsFilter` is read from the config file at run time (the `--tags-filter` option) but is
    // missing from Vitest 5's InlineConfig type
    ...({ tagsFilter: ["!slow"] } as object),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
