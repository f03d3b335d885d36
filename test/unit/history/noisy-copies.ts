/**
 * Twelve runs made from a committed run (results/examples/blog-standard): each a copy whose
 * point summaries and trial figures are scaled by a seeded run-to-run drift (1%, shared by the
 * run's points) and a per-point noise (1.5%), with new ids, times, labels and commits. With
 * `step`, one mode is worse by `step` from run `stepAt` on (rates ÷ (1 + step), latencies ×).
 */
import { readFileSync } from "node:fs";
import type { Results } from "../../../harness/results/schema.js";
import { seededRandom } from "../../../harness/util/random.js";
import { lowerIsBetter, type MetricName, type Mode } from "../../../harness/vocabulary/vocabulary.js";

const EXAMPLE = new URL("../../../results/examples/blog-standard/results.json", import.meta.url);

export interface CopyOptions {
  runs: number;
  seed: number;
  step?: { mode: Mode; size: number; at: number };
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function noisyCopies(options: CopyOptions): Results[] {
  const text = readFileSync(EXAMPLE, "utf8");
  const random = seededRandom(options.seed);
  return Array.from({ length: options.runs }, (_, run) => {
    const copy = JSON.parse(text) as Results;
    const drift = 0.01 * normal(random);
    const factors = new Map<string, number>();
    const factor = (placement: string, test: string, size: string, mode: Mode, metric: MetricName) => {
      const key = `${placement}/${test}/${size}/${mode}/${metric}`;
      let f = factors.get(key);
      if (f === undefined) {
        f = Math.exp(drift + 0.015 * normal(random));
        if (options.step && mode === options.step.mode && run + 1 >= options.step.at)
          f *= lowerIsBetter(metric) ? 1 + options.step.size : 1 / (1 + options.step.size);
        factors.set(key, f);
      }
      return f;
    };
    for (const p of copy.summary.points) {
      const f = factor(p.placement, p.test, p.size, p.mode, p.metric);
      p.median *= f;
      p.mean *= f;
      p.min *= f;
      p.max *= f;
      if (p.stddev !== null) p.stddev *= f;
      if (p.ciLow !== null) p.ciLow *= f;
      if (p.ciHigh !== null) p.ciHigh *= f;
    }
    for (const t of copy.trials) {
      for (const metric of Object.keys(t.metrics ?? {}) as MetricName[]) {
        const value = t.metrics?.[metric];
        if (t.metrics && value !== undefined)
          t.metrics[metric] = value * factor(t.point.placement, t.point.test, t.point.size, t.mode, metric);
      }
    }
    const day = String(run + 1).padStart(2, "0");
    copy.runId = `20261201-0000${day}-blog-copy`;
    copy.label = `build ${run + 1}`;
    copy.startedAt = `2026-12-${day}T00:00:00.000Z`;
    copy.finishedAt = `2026-12-${day}T00:20:00.000Z`;
    copy.environment.gitCommit = `c0ffee${day}`;
    return copy;
  });
}
