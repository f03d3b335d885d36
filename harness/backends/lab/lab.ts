/**
 * The embedded lab's effects: build, switch, inspect, verify and remove a "cluster" of
 * network namespaces whose pod traffic crosses the real kernel datapath. Everything it
 * creates is planned by plan.ts and named with the `rb-` prefix.
 */
import { z } from "zod";
import { EnvironmentError, tailLines } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import { parseJsonFile } from "../../util/validate.js";
import { BPF_OBJECT, type RoutingMode } from "../../vocabulary/vocabulary.js";
import { endpoint6UpdateCommand, endpointUpdateCommand } from "./bpf-maps.js";
import { type CleanupReport, cleanupLab, findLeftovers, removeRecorded } from "./cleanup.js";
import { type LabMachine, MACHINE } from "./lab-machine.js";
import { setLabMode, writeNodeModes } from "./mode.js";
import { directLinkBatches, directLinks } from "./pairs.js";
import {
  BPF_PIN_ROOT,
  fabricIpBatch,
  type LabOptions,
  type LabPlan,
  labNamespaces,
  type NodePlan,
  nodeIp6Batch,
  nodeIpBatch,
  nodeIptablesRestore,
  nodeSysctls,
  nodeSysctls6,
  nodeTcBatch,
  planLab,
  podIp6Batch,
  podIpBatch,
} from "./plan.js";
import { inNetns } from "./probe.js";
import { type ServicesWritten, writeServices } from "./service-lab.js";
import { SOCK_PIN_DIR } from "./sock-lb.js";
import type { LabState } from "./state.js";

export interface LabUpOptions {
  mode: RoutingMode;
  recreate: boolean;
  force: boolean;
}

export interface LabUpReport {
  plan: LabPlan;
  mode: RoutingMode;
  recovered: CleanupReport | null;
  replaced: boolean;
  durationMs: number;
  /** How long the Services took to write (nat tables and the socket LB's map). */
  services: ServicesWritten;
}

async function ipBatch(runner: Runner, netns: string, lines: string[]): Promise<void> {
  await runChecked(runner, ["ip", "-n", netns, "-batch", "-"], { input: `${lines.join("\n")}\n` });
}

async function loadBpf(runner: Runner, machine: LabMachine, node: NodePlan): Promise<void> {
  await machine.makePinDir(node.bpfPinDir);
  const argv = ["bpftool", "prog", "load", BPF_OBJECT, `${node.bpfPinDir}/prog`, "type", "classifier"];
  const result = await runner.run([...argv, "pinmaps", `${node.bpfPinDir}/maps`]);
  if (result.exitCode !== 0) {
    throw new EnvironmentError(
      `could not load ${BPF_OBJECT} for ${node.name} (the verifier's log, when it rejected the program, ends the output):\n${tailLines(result.stderr, 25)}`,
      "check the kernel supports BPF, tc clsact and bpf_redirect_peer (>= 5.10); rebuild with `bash scripts/setup.sh`",
    );
  }
  await runChecked(runner, inNetns(node.netns, ["tc", "-batch", "-"]), {
    input: `${nodeTcBatch(node).join("\n")}\n`,
  });
  const links = parseJsonFile(
    z.array(z.looseObject({ ifname: z.string(), ifindex: z.number().int() })),
    (await runChecked(runner, ["ip", "-n", node.netns, "-j", "link", "show"])).stdout,
    `ip -n ${node.netns} -j link show`,
  );
  const updates = node.pods.flatMap((pod) => {
    const link = links.find((l) => l.ifname === pod.hostDevice);
    if (!link) throw new EnvironmentError(`device ${pod.hostDevice} is missing in ${node.netns}`);
    return [
      endpointUpdateCommand(node.bpfPinDir, pod, link.ifindex),
      endpoint6UpdateCommand(node.bpfPinDir, pod, link.ifindex),
    ];
  });
  await runChecked(runner, ["bpftool", "batch", "file", "-"], { input: `${updates.join("\n")}\n` });
}

/**
 * Brings the lab up. Refuses over a running lab unless `recreate`; cleans leftovers of a crashed
 * one. Each namespace, pin directory and the cgroup is written into the lab's record just
 * before it is made (their names found free first), so a kill at any point leaves a record
 * naming all that exists; a namespace whose `ip netns add` fails is taken out of the record
 * again (it is not this lab's). When a step fails, what this `up` made is removed, from that
 * record, and nothing else.
 */
export async function labUp(
  runner: Runner,
  options: LabOptions,
  upOptions: LabUpOptions,
  machine: LabMachine = MACHINE,
): Promise<LabUpReport> {
  const started = performance.now();
  const plan = planLab(options);
  await machine.preflight(runner);

  const leftovers = await findLeftovers(machine);
  const running = leftovers.state?.status === "up" && leftovers.namespaces.length > 0;
  if (running && !upOptions.recreate) {
    const state = leftovers.state as LabState;
    throw new EnvironmentError(
      `a lab is already up (${state.options.nodes} nodes, ${state.options.podsPerNode} pods per node, mode ${state.mode}, since ${state.createdAt})`,
      "use `routebench lab up --recreate` to replace it, or `routebench lab down` first",
    );
  }
  let recovered: CleanupReport | null = null;
  if (leftovers.namespaces.length > 0 || leftovers.pins.length > 0 || leftovers.state) {
    const report = await cleanupLab(runner, machine);
    if (!running) recovered = report;
  }

  const now = new Date().toISOString();
  const namespaces = labNamespaces(plan);
  const sockPin = SOCK_PIN_DIR.slice(BPF_PIN_ROOT.length + 1);
  const pinOf = (node: NodePlan) => node.bpfPinDir.slice(BPF_PIN_ROOT.length + 1);
  const pins = [...plan.nodes.map(pinOf), sockPin];
  const cgroup = await machine.cgroupPath();
  const taken = await findLeftovers(machine);
  const clashes = [
    ...taken.unrecorded.namespaces.filter((n) => namespaces.includes(n)),
    ...taken.unrecorded.pins.filter((p) => pins.includes(p)).map((p) => `${BPF_PIN_ROOT}/${p}`),
    ...(machine.exists(cgroup) ? [cgroup] : []),
  ];
  if (clashes.length > 0)
    throw new EnvironmentError(
      `cannot bring the lab up: ${clashes.join(", ")} already exist and are not this lab's (no lab record names them)`,
      "another tool uses these names; remove them yourself if they are leftovers, routebench never touches what it did not create",
    );
  // the record of what this `up` made, written with each object it makes
  const state: LabState = {
    version: 1,
    status: "creating",
    createdAt: now,
    namespaces: [],
    pins: [],
    services: 0,
    options,
    mode: "legacy",
    generation: 1,
    modeChangedAt: now,
    netservers: [],
    foreignRulesAtSwitch: null,
  };
  const made = async (what: { namespace?: string; pin?: string; cgroup?: string }) => {
    if (what.namespace) state.namespaces?.push(what.namespace);
    if (what.pin) state.pins?.push(what.pin);
    if (what.cgroup) state.cgroup = what.cgroup;
    await machine.writeState(state);
  };
  await machine.writeState(state);
  let services: ServicesWritten;
  try {
    for (const netns of namespaces) {
      // recorded first, so that a kill during `ip netns add` leaves it named; taken out of the
      // record when the add fails, for then it is not this lab's (another tool's, or none)
      await made({ namespace: netns });
      try {
        await runChecked(runner, ["ip", "netns", "add", netns]);
      } catch (error) {
        state.namespaces = state.namespaces?.filter((n) => n !== netns);
        await machine.writeState(state);
        throw error;
      }
    }
    await ipBatch(runner, plan.fabric.netns, fabricIpBatch(plan));
    for (const node of plan.nodes) {
      await ipBatch(runner, node.netns, [...nodeIpBatch(node), ...nodeIp6Batch(node)]);
      for (const pod of node.pods)
        await ipBatch(runner, pod.netns, [...podIpBatch(node, pod), ...podIp6Batch(node, pod)]);
      await runChecked(
        runner,
        inNetns(node.netns, ["sysctl", "-q", "-w", ...nodeSysctls(), ...nodeSysctls6()]),
      );
      await runChecked(runner, inNetns(node.netns, ["iptables-restore"]), {
        input: nodeIptablesRestore(plan, node, "ipv4"),
      });
      await runChecked(runner, inNetns(node.netns, ["ip6tables-restore"]), {
        input: nodeIptablesRestore(plan, node, "ipv6"),
      });
      await made({ pin: pinOf(node) });
      await loadBpf(runner, machine, node);
    }
    await made({ pin: sockPin, cgroup });
    await machine.setupSocketLb(runner, cgroup);
    services = await writeServices(runner, plan, 0, options.iptablesServices);
    state.services = options.iptablesServices;
    for (const link of directLinks(plan)) {
      const batches = directLinkBatches(link);
      await ipBatch(runner, link.client.netns, batches.client);
      await ipBatch(runner, link.server.netns, batches.server);
    }
    await writeNodeModes(runner, plan.nodes, "legacy", 1);
    for (const node of plan.nodes) {
      for (const netns of [node.netns, ...node.pods.map((pod) => pod.netns)]) {
        state.netservers.push({ netns, pid: await machine.startNetserver(netns, plan.netserverPort) });
      }
    }
    state.status = "up";
    await machine.writeState(state);
    if (upOptions.mode !== "legacy") await setLabMode(runner, upOptions.mode, { force: upOptions.force });
  } catch (error) {
    // what this `up` made, from its own record (the file may lag it by the object being made)
    try {
      await removeRecorded(runner, machine, {
        namespaces: state.namespaces ?? [],
        pins: state.pins ?? [],
        ...(state.cgroup ? { cgroup: state.cgroup } : {}),
        netservers: state.netservers,
      });
    } catch (cleanup) {
      throw new EnvironmentError(
        `${(error as Error).message}\nand removing what this lab up made failed too: ${(cleanup as Error).message}`,
        "the lab's record names what is left: `routebench lab down` removes it once the cause is fixed",
      );
    }
    throw error;
  }
  return {
    plan,
    mode: upOptions.mode,
    recovered,
    replaced: running,
    durationMs: performance.now() - started,
    services,
  };
}

export { type CleanupReport, cleanupLab, findLeftovers, type Leftovers } from "./cleanup.js";
export { type ModeReport, readNodeMode, setLabMode } from "./mode.js";
export { inNetns } from "./probe.js";
export { requireLab } from "./state.js";
export { type PathEvidence, type VerifyReport, verifyLab } from "./verify.js";
