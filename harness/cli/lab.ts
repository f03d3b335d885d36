/** `routebench lab ...`: build, switch, inspect, verify and remove the embedded lab. */
import { Argument, type Command, Option } from "@commander-js/extra-typings";
import type { VerifyReport } from "../backends/lab/lab.js";
import { withLabLock } from "../backends/lab/lock.js";
import { DEFAULT_LAB_OPTIONS } from "../backends/lab/plan.js";
import { requireRoot } from "../backends/lab/preflight.js";
import type { LabStatus } from "../backends/lab/status.js";
import { processRunner } from "../util/runner.js";
import { LAB_SIZE, ROUTING_MODES } from "../vocabulary/vocabulary.js";
import { parseIntegerFlag, printJson, printLine } from "./output.js";

function printStatus(status: LabStatus): void {
  if (!status.up) {
    printLine("no lab is up");
    const left = [...(status.leftovers?.namespaces ?? []), ...(status.leftovers?.pins ?? [])];
    if (left.length > 0)
      printLine(
        `leftovers of an earlier lab: ${left.join(", ")} (removed by \`lab down\` or the next \`lab up\`)`,
      );
    const other = [...(status.unrecorded?.namespaces ?? []), ...(status.unrecorded?.pins ?? [])];
    if (other.length > 0)
      printLine(
        `not the lab's (no lab record names them; routebench leaves them alone): ${other.join(", ")}`,
      );
    return;
  }
  printLine(
    `lab up since ${status.createdAt}, mode ${status.mode} (BPF maps: ${JSON.stringify(status.nodeModes)})`,
  );
  for (const node of status.nodes ?? []) {
    printLine(
      `  ${node.name} [${node.netns}] underlay ${node.underlayIp}, pods ${node.podCidr}, tc on ${node.bpfDevices.join(" ")}`,
    );
    for (const pod of node.pods) printLine(`    ${pod.name} [${pod.netns}] ${pod.ip} via ${pod.hostDevice}`);
  }
  const servers = status.netservers ?? [];
  const dead = servers.filter((server) => !server.alive);
  printLine(
    `  netservers: ${servers.length - dead.length}/${servers.length} running${dead.length ? ` (not running in ${dead.map((s) => s.netns).join(", ")})` : ""}`,
  );
  if (status.drift && status.drift.length > 0) {
    printLine(
      "  safeguard drift: iptables rules added after eBPF was enabled (bypassed by eBPF host routing):",
    );
    for (const item of status.drift) printLine(`    ${item.node}: ${item.rule}`);
  } else if (status.mode === "ebpf") {
    printLine("  safeguard: no iptables rules added since eBPF was enabled");
  }
}

function printVerify(report: VerifyReport): void {
  printLine(`mode ${report.mode}: ${report.ok ? "verified" : "NOT verified"}`);
  for (const p of report.placements) {
    const traffic = p.traffic
      .map((t) =>
        t.test === "TCP_RR"
          ? `${t.metrics.transactionsPerSec?.toFixed(0)} trans/s`
          : `${t.metrics.throughputMbps?.toFixed(0)} Mbit/s`,
      )
      .join(", ");
    printLine(
      `  ${p.family} ${p.placement.padEnd(10)} ${p.ok ? "ok  " : "FAIL"} bpf redirects ${p.bpfRedirects}, stack passes ${p.stackPasses}, FORWARD packets ${p.iptablesForwardPackets}, conntrack entries ${p.conntrackEntries} (${traffic}): ${p.reason}`,
    );
  }
}

export function registerLab(program: Command): void {
  const lab = program
    .command("lab")
    .description("the embedded lab: a multi-node pod network in network namespaces");

  lab
    .command("up")
    .description("create the lab and start netserver in every pod and node")
    .option(
      "--nodes <n>",
      `nodes (${LAB_SIZE.nodes.min}–${LAB_SIZE.nodes.max})`,
      parseIntegerFlag("--nodes"),
      DEFAULT_LAB_OPTIONS.nodes,
    )
    .option(
      "--pods-per-node <m>",
      `pods per node (${LAB_SIZE.podsPerNode.min}–${LAB_SIZE.podsPerNode.max})`,
      parseIntegerFlag("--pods-per-node"),
      DEFAULT_LAB_OPTIONS.podsPerNode,
    )
    .addOption(new Option("--mode <mode>", "routing mode").choices(ROUTING_MODES).default("legacy"))
    .option(
      "--iptables-services <k>",
      `synthetic kube-proxy service chains per node (${LAB_SIZE.iptablesServices.min}–${LAB_SIZE.iptablesServices.max})`,
      parseIntegerFlag("--iptables-services"),
      DEFAULT_LAB_OPTIONS.iptablesServices,
    )
    .option("--recreate", "replace a lab that is already up")
    .option("--force", "with --mode ebpf: switch even when foreign iptables rules exist")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      // each action loads what it needs: `lab mode` pays for the mode switch only, not for lab up
      const { labUp } = await import("../backends/lab/lab.js");
      const { labStatus } = await import("../backends/lab/status.js");
      const report = await withLabLock("routebench lab up", () =>
        labUp(
          processRunner,
          { nodes: opts.nodes, podsPerNode: opts.podsPerNode, iptablesServices: opts.iptablesServices },
          { mode: opts.mode, recreate: Boolean(opts.recreate), force: Boolean(opts.force) },
        ),
      );
      if (opts.json) return printJson({ ...report, status: await labStatus(processRunner) });
      if (report.recovered) {
        printLine(
          `cleaned leftovers of a lab that did not finish: ${report.recovered.namespaces.length} namespaces, ${report.recovered.pins.length} BPF pins`,
        );
      }
      printLine(
        `lab up in ${(report.durationMs / 1000).toFixed(1)} s: ${report.plan.nodes.length} nodes × ${report.plan.options.podsPerNode} pods, ${report.plan.options.iptablesServices} service chains per node, mode ${report.mode}${report.replaced ? " (replaced the previous lab)" : ""}`,
      );
    });

  lab
    .command("mode")
    .description("switch every node's host routing, live")
    .addArgument(new Argument("<mode>", "routing mode").choices(ROUTING_MODES))
    .option("--force", "enable eBPF even when foreign iptables rules exist (they will be bypassed)")
    .option("--json", "machine-readable output")
    .action(async (mode, opts) => {
      const { setLabMode } = await import("../backends/lab/mode.js");
      const report = await withLabLock(`routebench lab mode ${mode}`, () =>
        setLabMode(processRunner, mode, { force: Boolean(opts.force) }),
      );
      if (opts.json) return printJson(report);
      printLine(`host routing ${report.previous} → ${report.mode}`);
      for (const [node, rules] of Object.entries(report.bypassedRules)) {
        for (const rule of rules) printLine(`  warning: ${node}: bypassed by eBPF host routing: ${rule}`);
      }
    });

  lab
    .command("status")
    .description("topology, mode, netservers and safeguard drift")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { labStatus } = await import("../backends/lab/status.js");
      const status = await labStatus(processRunner);
      if (opts.json) printJson(status);
      else printStatus(status);
    });

  lab
    .command("verify")
    .description("send short netperf traffic per IP family and placement and show which path carried it")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { verifyLab } = await import("../backends/lab/lab.js");
      const report = await withLabLock("routebench lab verify", () => verifyLab(processRunner));
      if (opts.json) printJson(report);
      else printVerify(report);
      if (!report.ok) process.exitCode = 1;
    });

  lab
    .command("down")
    .description("remove everything the lab made (also the leftovers of a crashed lab)")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      requireRoot("lab down");
      const { cleanupLab } = await import("../backends/lab/lab.js");
      const report = await withLabLock("routebench lab down", () => cleanupLab(processRunner));
      if (opts.json) return printJson(report);
      printLine(
        report.namespaces.length === 0 && report.pins.length === 0
          ? "no lab to remove"
          : `removed ${report.namespaces.length} namespaces, ${report.pins.length} BPF pins, stopped ${report.processesStopped} processes`,
      );
    });
}
