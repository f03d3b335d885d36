/** The lab's state file: what `lab up` made, so later commands (and crash recovery) can find it. */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { EnvironmentError, UsageError } from "../../util/errors.js";
import { parseFile } from "../../util/validate.js";
import { ROUTING_MODES, type RoutingMode } from "../../vocabulary/vocabulary.js";
import { BPF_PIN_ROOT, type LabOptions, type LabPlan, labNamespaces, planLab } from "./plan.js";

import { LAB_STATE_FILE } from "./state-file.js";

export { LAB_STATE_FILE };

export interface LabState {
  version: 1;
  /** `creating` until `lab up` finished: a file left in that state marks a crashed `up`. */
  status: "creating" | "up";
  createdAt: string;
  /** What the lab creates, recorded before it creates any of it: cleanup removes exactly this. */
  namespaces?: string[];
  /** Directories under /sys/fs/bpf. */
  pins?: string[];
  /** The lab's own cgroup (v2) holding its client processes, the socket LB attached to it. */
  cgroup?: string;
  /** Services the nodes' nat tables and the socket LB's map hold now (absent: options.iptablesServices). */
  services?: number;
  options: LabOptions;
  mode: RoutingMode;
  /** Bumped with every switch and written beside the mode into each node's BPF map (absent before it existed). */
  generation?: number;
  modeChangedAt: string;
  netservers: { netns: string; pid: number }[];
  /** Rules the lab did not write, listed when eBPF was switched on (with --force): later ones are drift. */
  foreignRulesAtSwitch: Record<string, string[]> | null;
}

/** The state file's schema (version 1); test/unit/results/files.test.ts checks it matches `LabState`. */
export const labStateSchema = z.strictObject({
  version: z.literal(1),
  status: z.enum(["creating", "up"]),
  createdAt: z.string(),
  namespaces: z.array(z.string()).optional(),
  pins: z.array(z.string()).optional(),
  cgroup: z.string().optional(),
  services: z.number().int().optional(),
  options: z.strictObject({
    nodes: z.number().int(),
    podsPerNode: z.number().int(),
    iptablesServices: z.number().int(),
  }),
  mode: z.enum(ROUTING_MODES),
  generation: z.number().int().optional(),
  modeChangedAt: z.string(),
  netservers: z.array(z.strictObject({ netns: z.string(), pid: z.number().int() })),
  foreignRulesAtSwitch: z.record(z.string(), z.array(z.string())).nullable(),
});

/** The lab's state, checked against its schema; null when no lab state file exists. */
export async function readLabState(): Promise<LabState | null> {
  const text = await readStateText();
  return text === null ? null : parseLabState(text, LAB_STATE_FILE);
}

/** The lab state file's text; null when there is none. */
async function readStateText(): Promise<string | null> {
  try {
    return await readFile(LAB_STATE_FILE, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Parses the lab state file's text; a file this version cannot read is refused with the field at fault. */
export function parseLabState(text: string, file: string): LabState {
  const hint = `if no lab is up, remove ${file}; \`routebench lab down\` cleans up what a lab left behind`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`, hint);
  }
  return parseFile(labStateSchema, json, file, hint);
}

/** What cleanup needs of a state file: the names it recorded and the processes it started. */
export interface CleanupRecord {
  namespaces: string[];
  /** Directories under /sys/fs/bpf. */
  pins: string[];
  cgroup?: string;
  netservers: { netns: string; pid: number }[];
}

/** Only the fields cleanup reads; any other field may be what this version cannot read. */
const cleanupSchema = z.looseObject({
  namespaces: z.array(z.string()).optional(),
  pins: z.array(z.string()).optional(),
  cgroup: z.string().optional(),
  netservers: z.array(z.looseObject({ netns: z.string(), pid: z.number().int() })).optional(),
  options: z
    .looseObject({
      nodes: z.number().int(),
      podsPerNode: z.number().int(),
      iptablesServices: z.number().int(),
    })
    .optional(),
});

/**
 * The state file's record of what the lab made, for removing it: read through the few fields
 * cleanup needs, so that a file the full schema refuses (written by another version, or with a
 * field out of range) still lets `lab down` remove exactly what it names. A file of an older
 * version that lists no namespaces or pins names its plan's. Null when there is no file.
 */
export async function readLabStateForCleanup(): Promise<CleanupRecord | null> {
  const text = await readStateText();
  return text === null ? null : parseCleanupRecord(text, LAB_STATE_FILE);
}

/** `readLabStateForCleanup` on a file's text. */
export function parseCleanupRecord(text: string, file: string): CleanupRecord {
  const hint = `the file names what to remove and cannot be read: remove the lab's namespaces (ip netns list) and ${file} yourself`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`, hint);
  }
  const record = parseFile(cleanupSchema, json, file, hint);
  const planned = () => {
    if (!record.options)
      throw new UsageError(`${file} names neither what the lab made nor its options`, hint);
    return planLab(record.options);
  };
  return {
    namespaces: record.namespaces ?? labNamespaces(planned()),
    pins: record.pins ?? planned().nodes.map((node) => node.bpfPinDir.slice(BPF_PIN_ROOT.length + 1)),
    ...(record.cgroup ? { cgroup: record.cgroup } : {}),
    netservers: (record.netservers ?? []).map(({ netns, pid }) => ({ netns, pid })),
  };
}

export async function writeLabState(state: LabState): Promise<void> {
  await mkdir(dirname(LAB_STATE_FILE), { recursive: true });
  // one temporary file per writer: two processes renaming the same one race (ENOENT)
  const temporary = `${LAB_STATE_FILE}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
    await rename(temporary, LAB_STATE_FILE);
  } catch (error) {
    // a full disk leaves the file half-written: no litter beside the record
    await rm(temporary, { force: true });
    throw error;
  }
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
