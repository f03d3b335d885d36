/**
 * A mode switch that replaces the nodes, as AKS's does, through the test API server (simulated,
 * no lab): `az aks update` (a stand-in script) starts a rolling upgrade that cordons, drains and
 * replaces each node under a new name and takes seconds here (minutes on Azure). The command
 * strategy must wait for it (not kill the CLI at the timeout), find the test nodes again, verify
 * the mode by the agents and AKS's node label, never run a trial on a cordoned node, and put
 * back the mode and the ACNS state it found.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import { fakeAzScript } from "../../k8s/fake-aks.js";
import { FakeApiServer, kubeconfigFor } from "../../k8s/fake-apiserver.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const dir = mkdtempSync(join(tmpdir(), "rb-node-replacing-"));
const fakes: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function aksCluster() {
  const fake = new FakeApiServer({
    simulated: true,
    aks: true,
    aksStepMs: 120,
    readyDelayMs: 20,
    nodes: [{ name: "aks-pool1-a" }, { name: "aks-pool1-b" }, { name: "aks-pool1-c" }],
  });
  fakes.push(fake);
  const server = await fake.start();
  const kubeconfig = join(dir, `kubeconfig-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor({ fake: server }));
  const bin = mkdtempSync(join(dir, "bin-"));
  const az = join(bin, "az");
  writeFileSync(az, fakeAzScript(server));
  chmodSync(az, 0o755);
  const update = (mode: string, ...extra: string[]) =>
    JSON.stringify([
      az,
      "aks",
      "update",
      "--resource-group",
      "rg",
      "--name",
      "c1",
      "--enable-acns",
      "--acns-datapath-acceleration-mode",
      mode,
      ...extra,
    ]);
  const sweep = parseSweep(
    `backend: kubernetes\nmodes: [legacy, ebpf]\nplacements: [same-node, cross-node]\ntests: [{test: TCP_RR}]\nduration: 1\nrepetitions: 1\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n  nodeSelector: {kubernetes.azure.com/agentpool: pool1}\n  routing:\n    strategy: command\n    rolloutTimeoutSec: 1\n    commands:\n      ebpf: ${update("BpfVeth")}\n      legacy: ${update("None", "--no-wait")}\n`,
    "aks.yaml",
  );
  return { fake, sweep };
}

describe("a node-replacing switch (AKS's rolling upgrade)", () => {
  it("waits for the update past the timeout, follows the new nodes, verifies by agent and label, and restores mode and ACNS", async () => {
    const { fake, sweep } = await aksCluster();
    fake.aks.acnsEnabled = false; // the run turns ACNS on; the end turns it off again
    const logged: string[] = [];
    const session = await kubernetesBackend().open(sweep, (m) => logged.push(m));
    const before = fake.nodes.map((n) => n.name);
    try {
      expect((await session.useMode("legacy")).verified).toBe(true);
      const evidence = await session.useMode("ebpf");
      // every machine was replaced, under new names; the pods followed
      const after = fake.nodes.map((n) => n.name);
      expect(after.filter((n) => before.includes(n))).toEqual([]);
      const testNodes = Object.keys(evidence.nodes);
      expect(testNodes.every((n) => after.includes(n))).toBe(true);
      expect(evidence).toMatchObject({ ok: true, verified: true });
      expect(Object.values(evidence.nodes)).toEqual([
        "Host Routing: BPF; kubernetes.azure.com/ebpf-host-routing=true",
        "Host Routing: BPF; kubernetes.azure.com/ebpf-host-routing=true",
      ]);
      expect(fake.testPods().every((p) => after.includes(p.spec.nodeName))).toBe(true);
      // the az update outlasted rolloutTimeoutSec (1 s) and was not killed
      const update = fake.aks.updates.find((u) => u.mode === "BpfVeth");
      expect((update?.finished ?? 0) - (update?.started ?? 0)).toBeGreaterThan(1000);
      expect(logged.some((m) => /still running after \d+ s; waiting \(not killed/.test(m))).toBe(true);

      // a node cordoned before a trial: the trial runs elsewhere, never on it
      const trial = planSweep(sweep).find((t) => t.mode === "ebpf" && t.point.placement === "cross-node");
      if (!trial) throw new Error("no trial");
      const cordoned = fake.nodes.find((n) => n.name === testNodes[1]);
      if (cordoned) cordoned.unschedulable = true;
      const execsBefore = fake.execLog.length;
      const outcome = await session.runTrial(trial, new AbortController().signal);
      expect(outcome.restarts?.[0]).toMatch(/is cordoned \(being drained\)/);
      const trialExecs = fake.execLog.slice(execsBefore);
      expect(trialExecs.length).toBeGreaterThan(0);
      expect(trialExecs.every((e) => e.node !== cordoned?.name && !e.cordoned)).toBe(true);
    } finally {
      await session.close();
    }
    expect(fake.execLog.filter((e) => e.cordoned)).toEqual([]);
    // back to legacy (BpfVeth → None), then ACNS off as it was found
    expect(fake.aks.updates.map((u) => u.mode)).toEqual(["None", "BpfVeth", "None", "None"]);
    expect(fake.aks).toMatchObject({
      acnsEnabled: false,
      accelerationMode: "None",
      provisioningState: "Succeeded",
    });
    expect(fake.testPods()).toEqual([]);
  }, 60_000);
});
