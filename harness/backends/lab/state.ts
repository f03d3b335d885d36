/** The lab's state file: what `lab up` made, so later commands (and crash recovery) can find it. */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { EnvironmentError } from "../../util/errors.js";
import { type LabOptions, type LabPlan, planLab, type RoutingMode } from "./plan.js";

export const LAB_STATE_FILE = process.env.ROUTEBENCH_LAB_STATE ?? "/run/routebench/lab.json";

export interface LabState {
  version: 1;
  /** `creating` until `lab up` finished: a file left in that state marks a crashed `up`. */
  status: "creating" | "up";
  createdAt: string;
  /** What the lab creates, recorded before it creates any of it: cleanup removes exactly this. */
  namespaces?: string[];
  /** Directories under /sys/fs/bpf. */
  pins?: string[];
  options: LabOptions;
  mode: RoutingMode;
  /** Bumped with every switch and written beside the mode into each node's BPF map (absent before it existed). */
  generation?: number;
  modeChangedAt: string;
  netservers: { netns: string; pid: number }[];
  /** Rules the lab did not write, listed when eBPF was switched on (with --force): later ones are drift. */
  foreignRulesAtSwitch: Record<string, string[]> | null;
}

export async function readLabState(): Promise<LabState | null> {
  try {
    return JSON.parse(await readFile(LAB_STATE_FILE, "utf8")) as LabState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export async function writeLabState(state: LabState): Promise<void> {
  await mkdir(dirname(LAB_STATE_FILE), { recursive: true });
  // one temporary file per writer: two processes renaming the same one race (ENOENT)
  const temporary = `${LAB_STATE_FILE}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, LAB_STATE_FILE);
}

export async function removeLabState(): Promise<void> {
  await rm(LAB_STATE_FILE, { force: true });
}

/** The running lab's state and plan, or an error saying there is none. */
export async function requireLab(): Promise<{ state: LabState; plan: LabPlan }> {
  const state = await readLabState();
  if (state?.status !== "up") {
    throw new EnvironmentError(
      state ? "the lab did not finish coming up (a crashed `lab up`?)" : "no lab is up",
      "start one with `routebench lab up` (it also cleans leftovers of a crashed lab)",
    );
  }
  return { state, plan: planLab(state.options) };
}
