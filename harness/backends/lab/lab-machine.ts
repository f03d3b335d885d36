/**
 * What `lab up` and `lab down` touch on this machine other than the commands they run (those go
 * through their Runner): the checks before anything is made, the lab's prefixed namespaces and
 * BPF pins as listed, its cgroup, its state file, its netservers. The machine's by default; a
 * unit test gives a fake one that fails where it is told to (test/unit/lab/lab-up.test.ts).
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import type { Runner } from "../../util/runner.js";
import { BPF_OBJECT } from "../../vocabulary/vocabulary.js";
import { alive, killProcesses, startNetserver } from "./netserver.js";
import { BPF_PIN_ROOT, LAB_PREFIX } from "./plan.js";
import { ensureBpffs, requireFile, requireRoot, requireTools } from "./preflight.js";
import { labCgroupPath, setupSocketLb, teardownSocketLb } from "./service-lab.js";
import {
  type CleanupRecord,
  type LabState,
  readLabState,
  readLabStateForCleanup,
  removeLabState,
  writeLabState,
} from "./state.js";

const NETNS_DIR = "/run/netns";

export interface LabMachine {
  /** Root, the tools, the BPF object and a bpffs: refused before anything is made. */
  preflight(runner: Runner): Promise<void>;
  /** Names with the lab's prefix under /run/netns and /sys/fs/bpf, sorted. */
  listNamespaces(): Promise<string[]>;
  listPins(): Promise<string[]>;
  /** Where the lab's cgroup goes (under the cgroup v2 mount), and whether a path exists. */
  cgroupPath(): Promise<string>;
  exists(path: string): boolean;
  /** The state file, schema-checked; null when there is none. */
  readState(): Promise<LabState | null>;
  /** The state file's record of what the lab made, read for removal only (state.ts). */
  readStateForCleanup(): Promise<CleanupRecord | null>;
  writeState(state: LabState): Promise<void>;
  removeState(): Promise<void>;
  /** A node's pin directory, emptied and made (loadBpf pins the program and maps there). */
  makePinDir(dir: string): Promise<void>;
  removePin(pin: string): Promise<void>;
  /** The lab's cgroup made and the socket LB loaded and attached to it (service-lab.ts). */
  setupSocketLb(runner: Runner, cgroup: string): Promise<void>;
  /** Its processes stopped, the cgroup and the socket LB's pins removed. */
  teardownSocketLb(cgroup: string | undefined): Promise<void>;
  startNetserver(netns: string, port: number): Promise<number>;
  /** Stops those of `pids` still alive. */
  stopProcesses(pids: readonly number[]): Promise<void>;
}

async function listPrefixed(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.startsWith(LAB_PREFIX)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export const MACHINE: LabMachine = {
  async preflight(runner) {
    requireRoot("lab up");
    await requireTools();
    await requireFile(BPF_OBJECT, "build it with `bash scripts/setup.sh` (needs clang and libbpf-dev)");
    await ensureBpffs(runner);
  },
  listNamespaces: () => listPrefixed(NETNS_DIR),
  listPins: () => listPrefixed(BPF_PIN_ROOT),
  cgroupPath: labCgroupPath,
  exists: existsSync,
  readState: readLabState,
  readStateForCleanup: readLabStateForCleanup,
  writeState: writeLabState,
  removeState: removeLabState,
  async makePinDir(dir) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  },
  removePin: (pin) => rm(`${BPF_PIN_ROOT}/${pin}`, { recursive: true, force: true }),
  setupSocketLb,
  teardownSocketLb,
  startNetserver,
  stopProcesses: (pids) => killProcesses(pids.filter(alive)),
};
