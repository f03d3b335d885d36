/**
 * The `command` strategy's switch: the sweep's command for the mode (e.g. `az aks update`), run
 * to its end, never killed at a timeout (a managed cluster's operation carries on whatever
 * happens to its CLI; a killed CLI only loses track of it). For `az aks update` routebench then
 * polls the managed cluster until its operation has finished (also after `--no-wait`), finds
 * the test nodes again (AKS replaces every machine under a new name), waits for their agents to
 * report the mode, and re-creates the pods there. At the end it puts back the mode it found
 * and, where the run turned ACNS on, turns it off again.
 */
import { setInterval } from "node:timers";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { UsageError } from "../../util/errors.js";
import { processRunner, runChecked } from "../../util/runner.js";
import type { Mode, RoutingMode } from "../../vocabulary/vocabulary.js";
import { AKS_EBPF_LABEL, type AksState, aksTarget, showAks, waitAksOperation } from "./aks.js";
import { agentStatus, waitForHostRouting } from "./cilium-agents.js";
import { hostRoutingFor } from "./cilium-status.js";
import type { Cluster } from "./connect.js";
import { movePods } from "./test-nodes.js";

/** What the command switch works on: strategies.ts's SwitchContext, as far as this file reads it (no import back). */
interface SwitchContext {
  readonly cluster: Cluster;
  readonly routing: KubernetesOptions["routing"];
  readonly state: {
    switched: boolean;
    originalMode: RoutingMode | null;
    lastMode: Mode | null;
    aksBefore: AksState | null;
  };
  readonly log: (message: string) => void;
}

/** Runs argv to its end, however long; notes every `noteSec` that it is still running. Throws when it fails. */
export async function runToTheEnd(argv: readonly string[], noteSec: number, log: (message: string) => void) {
  const started = Date.now();
  const note = setInterval(
    () =>
      log(
        `${argv.slice(0, 3).join(" ")} still running after ${Math.round((Date.now() - started) / 1000)} s; waiting (not killed: the operation would carry on without it)`,
      ),
    noteSec * 1000,
  );
  try {
    // no timeout: runChecked kills only on one
    return await runChecked(processRunner, argv);
  } finally {
    clearInterval(note);
  }
}

/** The mode the cluster is in before the first switch: the agents', else AKS's per-node label, else AKS's setting. */
async function modeBefore(context: SwitchContext, acceleration: string | null): Promise<RoutingMode | null> {
  const { cluster, routing } = context;
  const readings = await agentStatus(cluster.clients, routing.ciliumNamespace, cluster.nodes);
  const modes = new Set(Object.values(readings ?? {}).map((r) => r.status.hostRouting));
  if (modes.size === 1 && modes.has("BPF")) return "ebpf";
  if (modes.size === 1 && modes.has("Legacy")) return "legacy";
  const labels = new Set(cluster.nodes.map((n) => n.labels[AKS_EBPF_LABEL] === "true"));
  if (labels.size === 1 && cluster.nodes.some((n) => "kubernetes.azure.com/cluster" in n.labels))
    return labels.has(true) ? "ebpf" : "legacy";
  if (acceleration === "BpfVeth") return "ebpf";
  if (acceleration === "None") return "legacy";
  return null;
}

/** Runs the mode's command and, for az aks update, waits for the managed cluster's operation. */
async function switchTo(context: SwitchContext, argv: readonly string[]): Promise<void> {
  const { routing, log } = context;
  log(`running ${argv.join(" ")}`);
  await runToTheEnd(argv, routing.rolloutTimeoutSec, log);
  const target = aksTarget(argv);
  if (target) await waitAksOperation(argv[0] as string, target, routing.rolloutTimeoutSec, log);
}

export async function applyCommand(context: SwitchContext, mode: RoutingMode): Promise<Cluster> {
  const { cluster, routing, state, log } = context;
  const argv = routing.commands[mode];
  if (!argv)
    throw new UsageError(
      `kubernetes.routing.commands.${mode} is not set: the command strategy needs a command per mode`,
    );
  const target = aksTarget(argv);
  if (state.originalMode === null) {
    if (target && state.aksBefore === null)
      state.aksBefore = await showAks(argv[0] as string, target).catch((error: Error) => {
        log(`could not read the ACNS state before the run (${error.message}): it is not restored at the end`);
        return null;
      });
    state.originalMode = await modeBefore(context, state.aksBefore?.accelerationMode ?? null);
  }
  // switched from the moment the command starts: a command that fails half-way must still be undone
  state.switched = true;
  await switchTo(context, argv);
  // the machines may be new (AKS reimages every node): find the test nodes again, then their agents
  const moved = await movePods(cluster, routing.rolloutTimeoutSec, log);
  await waitForHostRouting(
    moved.clients,
    routing.ciliumNamespace,
    moved.nodes,
    hostRoutingFor(mode),
    routing.rolloutTimeoutSec,
  );
  return moved;
}

export async function undoCommand(context: SwitchContext): Promise<void> {
  const { routing, state, log } = context;
  const original = state.originalMode;
  const back = original && original !== state.lastMode ? routing.commands[original] : undefined;
  try {
    if (back) {
      log(`switching back to ${original}, as the run found the cluster`);
      await switchTo(context, back);
    }
    const any = routing.commands.ebpf ?? routing.commands.legacy;
    const target = aksTarget(any);
    if (!target || !any) return;
    if (state.aksBefore?.acnsEnabled === false) {
      log(`ACNS was off before the run (a paid feature): turning it off again`);
      await switchTo(context, [
        any[0] as string,
        "aks",
        "update",
        "--resource-group",
        target.group,
        "--name",
        target.name,
        "--disable-acns",
      ]);
    } else if (!state.aksBefore) {
      log("the ACNS state before the run is unknown: --enable-acns stays as the run left it");
    }
  } catch (error) {
    log(`could not restore the cluster's mode: ${(error as Error).message}`);
  }
}
