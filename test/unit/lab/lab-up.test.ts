/**
 * A `lab up` that fails half-way (issue 23): it records each namespace, pin directory and the
 * cgroup just before it makes them, removes exactly what it made, never what another tool made, and
 * leaves a record `lab down` can finish from when its own cleanup fails too. On a fake machine:
 * nothing here creates a namespace.
 */
import { describe, expect, it } from "vitest";
import { cleanupLab, labUp } from "../../../harness/backends/lab/lab.js";
import type { LabMachine } from "../../../harness/backends/lab/lab-machine.js";
import { BPF_PIN_ROOT, labNamespaces, planLab } from "../../../harness/backends/lab/plan.js";
import { SOCK_PIN_DIR } from "../../../harness/backends/lab/sock-lb.js";
import {
  type CleanupRecord,
  type LabState,
  parseCleanupRecord,
  parseLabState,
} from "../../../harness/backends/lab/state.js";
import { EnvironmentError } from "../../../harness/util/errors.js";
import { FakeRunner } from "../support/fake-runner.js";

const OPTIONS = { nodes: 2, podsPerNode: 2, iptablesServices: 10 };
const plan = planLab(OPTIONS);
const CGROUP = "/sys/fs/cgroup/rb-lab-clients";
const SOCK_PIN = SOCK_PIN_DIR.slice(BPF_PIN_ROOT.length + 1);

/** A machine held in memory: its namespaces, pins, cgroups and state file; `fail` picks a step to fail. */
class FakeMachine implements LabMachine {
  namespaces = new Set<string>();
  pins = new Set<string>();
  cgroups = new Set<string>();
  stateText: string | null = null;
  /** Every state the lab wrote, in order. */
  written: LabState[] = [];
  stopped: number[] = [];
  constructor(readonly fail: { pin?: string; socketLb?: boolean; teardown?: boolean } = {}) {}

  runner(failArgv?: (argv: readonly string[]) => boolean, failDel?: string): FakeRunner {
    return new FakeRunner((argv) => {
      if (failArgv?.(argv)) return { exitCode: 1, stderr: "RTNETLINK answers: Operation not permitted" };
      if (argv[0] === "ip" && argv[1] === "netns" && argv[2] === "add") {
        const name = argv[3] as string;
        if (this.namespaces.has(name))
          return { exitCode: 1, stderr: `Cannot create namespace file "/run/netns/${name}": File exists` };
        this.namespaces.add(name);
      }
      if (argv[0] === "ip" && argv[1] === "netns" && argv[2] === "del") {
        if (argv[3] === failDel)
          return { exitCode: 1, stderr: "Cannot remove namespace file: Device or resource busy" };
        this.namespaces.delete(argv[3] as string);
      }
      if (argv[0] === "ip" && argv[1] === "-n" && argv.includes("link")) {
        const node = plan.nodes.find((n) => n.netns === argv[2]);
        const links = (node?.pods ?? []).map((pod, i) => ({ ifname: pod.hostDevice, ifindex: 10 + i }));
        return { stdout: JSON.stringify(links) };
      }
      return undefined;
    });
  }

  async preflight() {}
  listNamespaces = async () => [...this.namespaces].filter((n) => n.startsWith("rb-")).sort();
  listPins = async () => [...this.pins].sort();
  cgroupPath = async () => CGROUP;
  exists = (path: string) => this.cgroups.has(path);
  readState = async () => (this.stateText === null ? null : parseLabState(this.stateText, "lab.json"));
  readStateForCleanup = async (): Promise<CleanupRecord | null> =>
    this.stateText === null ? null : parseCleanupRecord(this.stateText, "lab.json");
  async writeState(state: LabState) {
    this.stateText = JSON.stringify(state);
    this.written.push(JSON.parse(this.stateText) as LabState);
  }
  async removeState() {
    this.stateText = null;
  }
  async makePinDir(dir: string) {
    const pin = dir.slice(BPF_PIN_ROOT.length + 1);
    if (pin === this.fail.pin) throw new Error(`mkdir ${dir}: No space left on device`);
    this.pins.add(pin);
  }
  async removePin(pin: string) {
    this.pins.delete(pin);
  }
  async setupSocketLb(_runner: unknown, cgroup: string) {
    this.cgroups.add(cgroup);
    this.pins.add(SOCK_PIN);
    if (this.fail.socketLb) throw new EnvironmentError("could not load rb_sock.bpf.o");
  }
  async teardownSocketLb(cgroup: string | undefined) {
    if (this.fail.teardown) throw new EnvironmentError(`cannot remove the lab's cgroup ${cgroup}: EBUSY`);
    if (cgroup) this.cgroups.delete(cgroup);
    this.pins.delete(SOCK_PIN);
  }
  async startNetserver() {
    return 4242;
  }
  async stopProcesses(pids: readonly number[]) {
    this.stopped.push(...pids);
  }
}

const up = (machine: FakeMachine, runner: FakeRunner) =>
  labUp(runner, OPTIONS, { mode: "legacy", recreate: false, force: false }, machine);

describe("a lab up that fails half-way", () => {
  it("writes each namespace into its record just before it makes it", async () => {
    const machine = new FakeMachine();
    // fails at node 2's tc: every namespace and node 1's pins are made by then
    const runner = machine.runner(
      (argv) => argv.includes("--net=/run/netns/rb-node2") && argv.includes("tc"),
    );
    await expect(up(machine, runner)).rejects.toThrow(/tc/);
    const recorded = machine.written.map((s) => s.namespaces?.length);
    // an empty record first, then one more namespace per write
    expect(recorded.slice(0, labNamespaces(plan).length + 1)).toEqual(
      Array.from({ length: labNamespaces(plan).length + 1 }, (_, i) => i),
    );
    const last = machine.written.at(-1);
    expect(last?.status).toBe("creating");
    expect(last?.pins).toEqual(["rb-node1", "rb-node2"]);
    expect(last?.cgroup).toBeUndefined();
    // and it removed all it made: nothing is left, nor any record
    expect(machine.namespaces.size).toBe(0);
    expect(machine.pins.size).toBe(0);
    expect(machine.stateText).toBeNull();
    const deleted = runner.calls.filter((a) => a[1] === "netns" && a[2] === "del").map((a) => a[3]);
    expect(deleted.sort()).toEqual(labNamespaces(plan).sort());
  });

  it("never removes a namespace it did not make: one that appeared under its name after the check", async () => {
    const machine = new FakeMachine();
    const runner = machine.runner();
    // another tool makes rb-node2 between lab up's check and its ip netns add
    const original = machine.listNamespaces;
    let checks = 0;
    machine.listNamespaces = async () => {
      const names = await original();
      if (++checks === 2) machine.namespaces.add("rb-node2");
      return names;
    };
    await expect(up(machine, runner)).rejects.toThrow(/rb-node2.*File exists/);
    // named in the record while it was being made, taken out when the add failed
    expect(machine.written.at(-2)?.namespaces).toContain("rb-node2");
    expect(machine.written.at(-1)?.namespaces).not.toContain("rb-node2");
    expect([...machine.namespaces]).toEqual(["rb-node2"]);
    const deleted = runner.calls.filter((a) => a[1] === "netns" && a[2] === "del").map((a) => a[3]);
    expect(deleted).not.toContain("rb-node2");
    expect(deleted.length).toBeGreaterThan(0);
    expect(machine.stateText).toBeNull();
  });

  it("removes the cgroup and the socket LB's pins it made when loading the socket LB fails", async () => {
    const machine = new FakeMachine({ socketLb: true });
    await expect(up(machine, machine.runner())).rejects.toThrow(/rb_sock/);
    expect(machine.written.at(-1)?.cgroup).toBe(CGROUP);
    expect(machine.written.at(-1)?.pins).toEqual(["rb-node1", "rb-node2", SOCK_PIN]);
    expect([machine.namespaces.size, machine.pins.size, machine.cgroups.size]).toEqual([0, 0, 0]);
  });

  it("a pin directory that could not be made is recorded and removed with the rest", async () => {
    const machine = new FakeMachine({ pin: "rb-node2" });
    await expect(up(machine, machine.runner())).rejects.toThrow(/No space left/);
    expect(machine.written.at(-1)?.pins).toEqual(["rb-node1", "rb-node2"]);
    expect([machine.namespaces.size, machine.pins.size]).toEqual([0, 0]);
  });

  it("when its own cleanup fails too, keeps a record that lab down finishes from", async () => {
    const machine = new FakeMachine({ socketLb: true, teardown: true });
    const runner = machine.runner(undefined, "rb-node1-pod1");
    const error = await up(machine, runner).catch((e: Error) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/rb_sock[\s\S]*removing what this lab up made failed too/);
    expect((error as Error).message).toMatch(/removing namespace rb-node1-pod1/);
    expect((error as Error).message).toMatch(/cgroup/);
    // every other namespace went; the one that would not, the cgroup and the record stay
    expect([...machine.namespaces]).toEqual(["rb-node1-pod1"]);
    expect(machine.stateText).not.toBeNull();
    // the cause fixed: lab down removes exactly what the record names
    machine.fail.teardown = false;
    const down = await cleanupLab(machine.runner(), machine);
    expect(down.namespaces).toEqual(["rb-node1-pod1"]);
    expect([machine.namespaces.size, machine.pins.size, machine.cgroups.size]).toEqual([0, 0, 0]);
    expect(machine.stateText).toBeNull();
  });

  it("lab down reads a record the full schema refuses, and removes what it names only", async () => {
    const machine = new FakeMachine();
    for (const n of ["rb-node1", "rb-node1-pod1", "rb-other"]) machine.namespaces.add(n);
    machine.pins.add("rb-node1");
    // a field this version cannot read (a newer routebench, or a value out of range)
    machine.stateText = JSON.stringify({
      version: 1,
      status: "creating",
      namespaces: ["rb-node1", "rb-node1-pod1"],
      pins: ["rb-node1"],
      options: { nodes: 99, podsPerNode: 2, iptablesServices: 10 },
      somethingNew: true,
    });
    await expect(machine.readState()).rejects.toThrow(/lab.json/);
    const down = await cleanupLab(machine.runner(), machine);
    expect(down.namespaces).toEqual(["rb-node1", "rb-node1-pod1"]);
    expect([...machine.namespaces]).toEqual(["rb-other"]);
    expect(machine.pins.size).toBe(0);
    expect(machine.stateText).toBeNull();
  });
});
