/**
 * The sentence above the headlines that names the machine the figures belong to. The same
 * code gave same-node TCP_RR eBPF/legacy 1.27× [1.25–1.28] on one VM and 1.15× [1.14–1.16] on
 * a slower VM of the same kind: both honest, neither "the" figure. So the report says whose
 * ratio it is, and published figures appear only for orientation. Pure.
 */
import { describeMachine } from "../machine/identity.js";
import type { Results } from "../results/schema.js";

export function machineLine(results: Results): string {
  const e = results.environment;
  const where = e.controller ? "the test nodes" : "this machine";
  const named = e.machine
    ? `${describeMachine(e.machine, e.kernel)}`
    : `${e.cpuModel} × ${e.cpuCount}, kernel ${e.kernel} (this results file predates the machine's full identity: no family, model, stepping, microcode or hypervisor recorded)`;
  return `Measured on ${named}. Every ratio below belongs to ${where}: another machine, even a VM of the same kind, can give a different one, and the breakdown of CPU time (where the run measured it) says why. Published figures appear beside ours for orientation only; agreement with them validates nothing.`;
}
