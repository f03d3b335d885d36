import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForwardCounter } from "../../harness/backends/lab/forward-counter.js";
import type { VerifyReport } from "../../harness/backends/lab/lab.js";
import { planLab } from "../../harness/backends/lab/plan.js";
import { readForward } from "../../harness/backends/lab/probe.js";
import { processRunner } from "../../harness/util/runner.js";
import {
  cleanupEverything,
  expectNothingLeft,
  failUnlessRootInCi,
  parseJsonOutput,
  runCli,
  skipRootTests,
} from "./helpers.js";

failUnlessRootInCi();

describe.skipIf(skipRootTests)("lab (root: namespaces, BPF, netserver)", () => {
  beforeAll(cleanupEverything);
  afterAll(async () => {
    await cleanupEverything();
    await expectNothingLeft();
  });

  async function verify(expectedMode: "legacy" | "ebpf"): Promise<VerifyReport> {
    const result = await runCli(["lab", "verify", "--json"]);
    const report = parseJsonOutput<VerifyReport>(result);
    expect(report.mode).toBe(expectedMode);
    expect(result.exitCode, JSON.stringify(report, null, 2)).toBe(0);
    expect(report.ok).toBe(true);
    // both families, IPv6 with ip6tables' FORWARD count (issue 23)
    expect(report.placements.map((p) => `${p.family} ${p.placement}`)).toEqual([
      "ipv4 same-node",
      "ipv4 cross-node",
      "ipv6 same-node",
      "ipv6 cross-node",
    ]);
    for (const placement of report.placements) {
      if (expectedMode === "ebpf") {
        expect(placement.bpfRedirects).toBeGreaterThan(100);
        // the program hands what it cannot route (a local destination) to the stack, by design:
        // now and then one such packet, never the flow
        expect(placement.stackPasses).toBeLessThan(placement.bpfRedirects / 1000);
        expect(placement.iptablesForwardPackets).toBe(0);
        expect(placement.conntrackEntries).toBe(0);
      } else {
        expect(placement.bpfRedirects).toBe(0);
        expect(placement.stackPasses).toBeGreaterThan(100);
        expect(placement.iptablesForwardPackets).toBeGreaterThan(100);
        expect(placement.conntrackEntries).toBeGreaterThan(0);
      }
      expect(placement.traffic.find((t) => t.test === "TCP_RR")?.metrics.transactionsPerSec).toBeGreaterThan(
        0,
      );
      expect(placement.traffic.find((t) => t.test === "TCP_STREAM")?.metrics.throughputMbps).toBeGreaterThan(
        0,
      );
    }
    return report;
  }

  it("comes up, verifies legacy, switches to eBPF and back live, and goes down", async () => {
    const up = await runCli(["lab", "up"]);
    expect(up.exitCode, up.stderr).toBe(0);
    const status = parseJsonOutput<{ up: boolean; netservers: { alive: boolean }[]; nodeModes: object }>(
      await runCli(["lab", "status", "--json"]),
    );
    expect(status.up).toBe(true);
    expect(status.netservers).toHaveLength(6);
    expect(status.netservers.every((s) => s.alive)).toBe(true);
    expect(status.nodeModes).toEqual({ node1: "legacy", node2: "legacy" });

    await verify("legacy");
    expect((await runCli(["lab", "mode", "ebpf"])).exitCode).toBe(0);
    await verify("ebpf");
    expect((await runCli(["lab", "mode", "legacy"])).exitCode).toBe(0);
    await verify("legacy");

    // the served FORWARD reader gives what iptables-save and ip6tables-save print, per node
    // (verify's traffic has moved both families' counters; nothing moves them now)
    const nodes = planLab().nodes;
    const counter = new ForwardCounter(nodes.map((n) => n.netns));
    try {
      for (const ipv6 of [false, true]) {
        const served = await counter.read(ipv6);
        const saved = await Promise.all(nodes.map((n) => readForward(processRunner, n, ipv6)));
        expect(saved.every((count) => count > 100)).toBe(true);
        expect(nodes.map((n) => served[n.netns])).toEqual(saved);
      }
    } finally {
      counter.close();
    }

    const again = await runCli(["lab", "up"]);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toMatch(/a lab is already up.*\n.*--recreate/);

    const down = await runCli(["lab", "down"]);
    expect(down.exitCode).toBe(0);
    await expectNothingLeft();
  });

  it("refuses eBPF over foreign iptables rules, passes with --force, and reports later rules as drift", async () => {
    expect((await runCli(["lab", "up", "--recreate", "--iptables-services", "0"])).exitCode).toBe(0);
    await processRunner.run([
      "nsenter",
      "--net=/run/netns/rb-node1",
      "iptables",
      "-A",
      "FORWARD",
      "-p",
      "tcp",
      "--dport",
      "2222",
      "-j",
      "DROP",
    ]);

    const refused = await runCli(["lab", "mode", "ebpf"]);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain("node1: filter: -A FORWARD -p tcp -m tcp --dport 2222 -j DROP");
    expect(parseJsonOutput<{ mode: string }>(await runCli(["lab", "status", "--json"])).mode).toBe("legacy");

    const forced = await runCli(["lab", "mode", "ebpf", "--force", "--json"]);
    expect(forced.exitCode).toBe(0);
    expect(
      parseJsonOutput<{ bypassedRules: Record<string, string[]> }>(forced).bypassedRules.node1,
    ).toHaveLength(1);
    await verify("ebpf");

    await processRunner.run([
      "nsenter",
      "--net=/run/netns/rb-node2",
      "iptables",
      "-A",
      "INPUT",
      "-p",
      "udp",
      "-j",
      "ACCEPT",
    ]);
    const status = parseJsonOutput<{ drift: { node: string; rule: string }[] }>(
      await runCli(["lab", "status", "--json"]),
    );
    expect(status.drift).toEqual([{ node: "node2", rule: "filter: -A INPUT -p udp -j ACCEPT" }]);
    expect((await runCli(["lab", "down"])).exitCode).toBe(0);
  });

  it("recovers a lab killed half-way through `up`", async () => {
    const bin = fileURLToPath(new URL("../../bin/routebench.js", import.meta.url));
    // A big lab takes long enough to be caught half-way.
    // Its own process group, so SIGKILL takes the `ip` it is running too, as kill -9 of a shell job does.
    const child = spawn("node", [bin, "lab", "up", "--nodes", "8", "--pods-per-node", "8"], {
      stdio: "ignore",
      detached: true,
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const made = existsSync("/run/netns")
        ? readdirSync("/run/netns").filter((n) => n.startsWith("rb-")).length
        : 0;
      if (made >= 10) break;
      await sleep(2);
    }
    const closed = new Promise((resolve) => child.once("close", resolve));
    process.kill(-(child.pid as number), "SIGKILL");
    await closed;
    const partial = readdirSync("/run/netns").filter((n) => n.startsWith("rb-"));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(73); // killed before the whole lab (1 + 8 + 64 namespaces) existed

    const status = parseJsonOutput<{ up: boolean; leftovers: { namespaces: string[] } }>(
      await runCli(["lab", "status", "--json"]),
    );
    expect(status.up).toBe(false);
    expect(status.leftovers.namespaces.length).toBe(partial.length);

    const up = await runCli(["lab", "up"]);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/cleaned leftovers of a lab that did not finish/);
    await verify("legacy");
    expect((await runCli(["lab", "down"])).exitCode).toBe(0);
  });

  it("gives clear errors: no lab, bad mode, bad number", async () => {
    const mode = await runCli(["lab", "mode", "ebpf"]);
    expect(mode.exitCode).toBe(3);
    expect(mode.stderr).toMatch(/no lab is up/);
    const badMode = await runCli(["lab", "mode", "fast"]);
    expect(badMode.exitCode).toBe(2);
    expect(badMode.stderr).toMatch(
      /value 'fast' is invalid for argument 'mode'. Allowed choices are legacy, ebpf/,
    );
    const badNodes = await runCli(["lab", "up", "--nodes", "x"]);
    expect(badNodes.exitCode).toBe(2);
    expect(badNodes.stderr).toMatch(/--nodes takes a whole number/);
    expect((await runCli(["lab", "up", "--nodes", "99"])).stderr).toMatch(
      /--nodes must be a whole number from 1 to 16/,
    );
  });
});
