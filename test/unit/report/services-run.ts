/**
 * A synthetic run over the Service count (issue 23), the source of the committed fixture
 * test/fixtures/results/services-synthetic.json: sweeps/services.yaml's points at 100, 1000 and
 * 10,000 Services, with a planted effect (eBPF 20% ahead, and legacy's rates 5% lower per
 * tenfold Services, its latencies as much higher). Seeded; not a measurement.
 */
import { syntheticResults, syntheticTrials } from "../../../harness/bench/synthetic.js";
import type { Results } from "../../../harness/results/schema.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { METRICS, type MetricName } from "../../../harness/vocabulary/vocabulary.js";

export const SERVICES_SWEEP = `
name: services-synthetic
backend: lab
lab:
  services: [100, 1000, 10000]
modes: [legacy, ebpf]
placements: [same-node, cross-node]
destinations: [pod, service]
tests:
  - test: TCP_CRR
    sizes: ["1,1"]
  - test: TCP_RR
    sizes: ["1,1"]
    percentiles: [50, 99]
duration: 2
repetitions: 6
`;

/** Legacy's speed at `services` Services, relative to 100: 5% slower per tenfold. */
export const legacyFactor = (services: number) => 1 - 0.05 * Math.log10(services / 100);

export function servicesRun(): Results {
  const sweep = parseSweep(SERVICES_SWEEP, "services-synthetic.yaml");
  const trials = syntheticTrials(sweep, {
    effect: { legacy: 1, ebpf: 1.2 },
    drift: 0.03,
    cv: 0.02,
    seed: 23,
  });
  for (const trial of trials) {
    const { services } = trial.point;
    if (trial.mode !== "legacy" || services === undefined || !trial.metrics) continue;
    const factor = legacyFactor(services);
    for (const [name, value] of Object.entries(trial.metrics) as [MetricName, number][]) {
      const family = METRICS[name].family;
      if (family === "rate") trial.metrics[name] = value * factor;
      if (family === "latency") trial.metrics[name] = value / factor;
    }
  }
  return syntheticResults(sweep, trials, "services-synthetic", "synthetic, not a measurement");
}
