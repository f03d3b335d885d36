/**
 * `npm run bench:services-up`: how long the lab takes to hold N Services (default 10,000), the
 * way kube-proxy and Cilium write them: each node's nat table in one iptables-restore and one
 * ip6tables-restore, the socket LB's service map in one bpftool batch. Brings a lab up with N
 * Services (timing the whole `lab up` and the Services' part of it), then moves to a small
 * count and back to N (deleting and adding map entries), and takes the lab down. RUNS times
 * (default 3). Environment: SERVICES, SMALL (100), RUNS. Prints figures; asserts nothing.
 */
import { cleanupLab, labUp } from "../backends/lab/lab.js";
import { withLabLock } from "../backends/lab/lock.js";
import { type ServicesWritten, writeServices } from "../backends/lab/service-lab.js";
import { processRunner } from "../util/runner.js";

const services = Number(process.env.SERVICES ?? 10000);
const small = Number(process.env.SMALL ?? 100);
const runs = Number(process.env.RUNS ?? 3);
const line = (what: string, w: ServicesWritten) =>
  `  ${what.padEnd(22)} iptables-restore ${(w.iptablesMs / 1000).toFixed(2)} s, ip6tables-restore ${(w.ip6tablesMs / 1000).toFixed(2)} s (2 nodes, ${w.rulesPerNode} nat rules each per family), socket-LB map ${(w.mapMs / 1000).toFixed(2)} s (${w.mapCommands} commands, one bpftool batch)`;

console.log(`bench:services-up — lab (2 nodes × 2 pods), ${services} Services, ${runs} runs`);
await withLabLock("bench:services-up", async () => {
  await cleanupLab(processRunner);
  for (let run = 1; run <= runs; run++) {
    const up = await labUp(
      processRunner,
      { nodes: 2, podsPerNode: 2, iptablesServices: services },
      { mode: "legacy", recreate: false, force: false },
    );
    try {
      console.log(`run ${run}: lab up with ${services} Services in ${(up.durationMs / 1000).toFixed(2)} s`);
      console.log(line(`0 → ${services}`, up.services));
      console.log(
        line(`${services} → ${small}`, await writeServices(processRunner, up.plan, services, small)),
      );
      console.log(
        line(`${small} → ${services}`, await writeServices(processRunner, up.plan, small, services)),
      );
    } finally {
      await cleanupLab(processRunner);
    }
  }
});
