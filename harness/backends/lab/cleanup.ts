/**
 * Removing the lab: what its record names and still exists, and the prefixed objects no record
 * names (another tool's, never touched). Used by `lab down`, by `lab up` over a crashed lab, and
 * by `lab up` itself when a step fails (from its own record).
 */
import { EnvironmentError } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import { type LabMachine, MACHINE } from "./lab-machine.js";
import { BPF_PIN_ROOT } from "./plan.js";
import type { CleanupRecord, LabState } from "./state.js";

export interface Leftovers {
  /** Namespaces and pins the lab's record names that still exist. */
  namespaces: string[];
  pins: string[];
  state: LabState | null;
  /** Objects with the lab's prefix that no record names: another tool's, never touched. */
  unrecorded: { namespaces: string[]; pins: string[] };
}

/** The recorded objects that exist, and the prefixed ones no record names. */
async function leftoversOf(record: CleanupRecord | null, machine: LabMachine) {
  const mine: Pick<CleanupRecord, "namespaces" | "pins"> = record ?? { namespaces: [], pins: [] };
  const namespaces = await machine.listNamespaces();
  const pins = await machine.listPins();
  return {
    namespaces: namespaces.filter((n) => mine.namespaces.includes(n)),
    pins: pins.filter((p) => mine.pins.includes(p)),
    unrecorded: {
      namespaces: namespaces.filter((n) => !mine.namespaces.includes(n)),
      pins: pins.filter((p) => !mine.pins.includes(p)),
    },
  };
}

/** The lab's objects on this machine, found through its record, and prefixed ones no record names. */
export async function findLeftovers(machine: LabMachine = MACHINE): Promise<Leftovers> {
  const state = await machine.readState();
  return { ...(await leftoversOf(await machine.readStateForCleanup(), machine)), state };
}

export interface CleanupReport {
  namespaces: string[];
  pins: string[];
  processesStopped: number;
}

/**
 * Removes exactly what the lab's record names: the processes inside its namespaces (its
 * netservers, a running netperf), its cgroup, the namespaces (and with them every device), its
 * pinned BPF objects, the state file. `lab up` records each object as it makes it, so this also
 * recovers a lab that crashed half-way; without a record it removes nothing. Every step is
 * tried even when one fails; then the record stays (a second `lab down` finishes the job) and
 * the error names what could not be removed. Idempotent.
 */
export async function cleanupLab(runner: Runner, machine: LabMachine = MACHINE): Promise<CleanupReport> {
  return removeRecorded(runner, machine, await machine.readStateForCleanup());
}

export async function removeRecorded(
  runner: Runner,
  machine: LabMachine,
  record: CleanupRecord | null,
): Promise<CleanupReport> {
  const { namespaces, pins } = await leftoversOf(record, machine);
  const failed: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      failed.push(`${what}: ${(error as Error).message.split("\n")[0]}`);
    }
  };
  const pids = new Set<number>((record?.netservers ?? []).map((s) => s.pid));
  for (const netns of namespaces) {
    const result = await runner.run(["ip", "netns", "pids", netns]);
    for (const token of result.stdout.split(/\s+/)) if (/^\d+$/.test(token)) pids.add(Number(token));
  }
  await attempt("stopping the lab's processes", () => machine.stopProcesses([...pids]));
  // the cgroup (and the socket LB's pins with it) only when the record names it
  const cgroup = record?.cgroup;
  if (cgroup) await attempt(`removing the lab's cgroup ${cgroup}`, () => machine.teardownSocketLb(cgroup));
  for (const netns of namespaces)
    await attempt(`removing namespace ${netns}`, () => runChecked(runner, ["ip", "netns", "del", netns]));
  for (const pin of pins) await attempt(`removing ${BPF_PIN_ROOT}/${pin}`, () => machine.removePin(pin));
  if (failed.length > 0)
    throw new EnvironmentError(
      `could not remove all of the lab: ${failed.join("; ")}`,
      "the lab's record is kept: fix the cause, then `routebench lab down` removes what is left",
    );
  await machine.removeState();
  return { namespaces, pins, processesStopped: pids.size };
}
