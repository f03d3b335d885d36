/**
 * The sentence above the headlines that names the machine the figures belong to. The same
 * code gave same-node TCP_RR eBPF/legacy 1.27× [1.25–1.28] on one VM and 1.15× [1.14–1.16] on
 * a slower VM of the same kind: both honest, neither "the" figure. So the report says whose
 * ratio it is, and published figures appear only for orientation. Pure.
 */
import { describeMachine } from "../machine/identity.js";
import type { Results } from "../results/schema.js";

/** The machine named once, or (Kubernetes) each test node where their identities differ. */
function named(e: Results["environment"]): string {
  if (!e.machine)
    return `${e.cpuModel} × ${e.cpuCount}, kernel ${e.kernel} (this results file predates the machine's full identity: no family, model, stepping, microcode or hypervisor recorded)`;
  const nodes = Object.entries(e.nodeMachines ?? {}).map(([node, m]) => [node, describeMachine(m)] as const);
  if (nodes.length > 1 && new Set(nodes.map(([, text]) => text)).size > 1)
    return `test nodes that differ: ${nodes.map(([node, text]) => `${node}, ${text}`).join("; ")}`;
  // one identity (the lab's machine, or test nodes alike); on Kubernetes the kernel from the node's
  // own /proc/version (environment.kernel lists each node's where they differ)
  return describeMachine(e.machine, e.controller ? undefined : e.kernel);
}

export function machineLine(results: Results): string {
  const e = results.environment;
  const where = e.controller ? "the test nodes" : "this machine";
  return `Measured on ${named(e)}. Every ratio below belongs to ${where}: another machine, even a VM of the same kind, can give a different one, and the breakdown of CPU time (where the run measured it) says why. Published figures appear beside ours for orientation only; agreement with them validates nothing.`;
}
