/**
 * `npm run bench:gate`: the release gate's detection table, from seeded simulated run pairs of
 * the blog sweep (assumptions in gate-simulation.ts). For each true change of the eBPF mode
 * (0, 5, 10, 30% worse), trial CV (5, 15, 30%) and repetitions per run (3, 6, 8): the share of
 * pairs that fail the gate (exit 1), pass it (exit 0) and stay undecided (exit 5), judged on
 * raw values and normalised by legacy. Prints Markdown (the README's table is pasted from it);
 * asserts nothing.
 */
import { type GateRates, type GateScenario, gateRates } from "./gate-simulation.js";

const PAIRS = Number(process.env.GATE_PAIRS ?? 200);
const CHANGES = [0, 0.05, 0.1, 0.3];
const CVS = [0.05, 0.15, 0.3];
const REPETITIONS = [3, 6, 8];

const percent = (x: number) => `${Math.round(x * 100)}`;
const cell = (r: GateRates) => `${percent(r.regression)} / ${percent(r.pass)} / ${percent(r.undecided)}`;

function table(normalise: boolean): string[] {
  const rows = [
    `| eBPF worse by | CV | ${REPETITIONS.map((n) => `n = ${n}`).join(" | ")} |`,
    `| --- | --- | ${REPETITIONS.map(() => "---").join(" | ")} |`,
  ];
  for (const change of CHANGES) {
    for (const cv of CVS) {
      const cells = REPETITIONS.map((repetitions) => {
        const scenario: GateScenario = {
          repetitions,
          cv,
          change: -change,
          changedModes: ["ebpf"],
          normalise,
        };
        return cell(gateRates(scenario, PAIRS, 1));
      });
      rows.push(`| ${percent(change)}% | ${percent(cv)}% | ${cells.join(" | ")} |`);
    }
  }
  return rows;
}

const started = performance.now();
const out = [
  `bench:gate — routebench compare on ${PAIRS} seeded simulated run pairs per cell of sweeps/blog.yaml (44 points), --max-regression 5`,
  "cells: % of pairs that fail the gate (exit 1) / pass (exit 0) / stay undecided (exit 5)",
  "",
  "Raw values:",
  "",
  ...table(false),
  "",
  "With --normalise (each run's eBPF values divided by its legacy values of the same repetition):",
  "",
  ...table(true),
  "",
  `(${((performance.now() - started) / 1000).toFixed(0)} s; GATE_PAIRS=${PAIRS})`,
];
console.log(out.join("\n"));
