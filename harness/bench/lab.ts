/**
 * `npm run bench:lab`: median wall times of `lab up`, `lab mode` and `lab down`, as a user
 * runs them (the CLI process included), over several runs. Prints figures; asserts nothing.
 */
import { cli, formatMs } from "./timing.js";

const runs = Number(process.env.RUNS ?? 5);
const times: Record<string, number[]> = {
  "lab up": [],
  "lab mode ebpf": [],
  "lab mode legacy": [],
  "lab down": [],
};

await cli(["lab", "down"]);
for (let i = 0; i < runs; i++) {
  for (const [name, args] of [
    ["lab up", ["lab", "up"]],
    ["lab mode ebpf", ["lab", "mode", "ebpf"]],
    ["lab mode legacy", ["lab", "mode", "legacy"]],
    ["lab down", ["lab", "down"]],
  ] as const) {
    const result = await cli([...args]);
    times[name]?.push(result.durationMs);
  }
}
const nodeStart = [];
for (let i = 0; i < runs; i++) nodeStart.push((await cli(["--version"])).durationMs);

console.log(
  `bench:lab — ${runs} runs, default lab (2 nodes × 2 pods, 100 service chains per node), CLI wall time`,
);
for (const [name, values] of Object.entries(times)) console.log(`  ${name.padEnd(16)} ${formatMs(values)}`);
console.log(`  ${"(CLI start-up)".padEnd(16)} ${formatMs(nodeStart)}`);
