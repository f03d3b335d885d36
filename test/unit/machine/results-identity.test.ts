/**
 * results.json names the machine its figures belong to (issue 22): the lab run's environment
 * holds this machine's identity; a Kubernetes run's holds the test nodes' (read in their pods,
 * with the controller recorded apart), and the report's headline line names the machine, or
 * each test node where they differ, and sets published figures apart as orientation.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kubernetesBackend } from "../../../harness/backends/kubernetes/backend.js";
import { parseMachineIdentity } from "../../../harness/machine/identity.js";
import { buildCharts } from "../../../harness/report/charts.js";
import { machineLine } from "../../../harness/report/machine-line.js";
import { renderMarkdown } from "../../../harness/report/markdown.js";
import { buildReportModel } from "../../../harness/report/model.js";
import { loadPublished } from "../../../harness/report/published.js";
import type { Results } from "../../../harness/results/schema.js";
import { resultsSchema } from "../../../harness/results/schema.js";
import { captureEnvironment } from "../../../harness/run/environment.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { FakeApiServer, kubeconfigFor } from "../../k8s/fake-apiserver.js";
import { environmentAnswers, FakeRunner } from "../support/fake-runner.js";

vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/machine/${name}`, import.meta.url), "utf8");
const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);
const fakes: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const azure = parseMachineIdentity({
  cpuinfo: fixture("cpuinfo-intel-azure.txt"),
  procVersion: "Linux version 6.8.0-1021-azure (buildd@lcy02-amd64-011) #25-Ubuntu SMP",
  dmiVendor: "Microsoft Corporation\n",
  dmiProduct: "Virtual Machine\n",
});
const pvm = parseMachineIdentity({
  cpuinfo: fixture("cpuinfo-amd-pvm.txt"),
  procVersion: fixture("version-pvm.txt"),
  kernelLog: fixture("kmsg-pvm.txt"),
});

describe("results.json holds the machine's identity", () => {
  it("on the lab: this machine's CPU vendor, family, model, stepping, microcode, clock, hypervisor and kernel build", async () => {
    const env = await captureEnvironment(new FakeRunner(environmentAnswers), "lab", { kind: "lab" });
    const machine = env.machine;
    expect(machine?.vendor).toMatch(/\S/);
    expect(machine?.kernelBuild).toBe(readFileSync("/proc/version", "utf8").trim());
    for (const key of ["family", "model", "stepping", "microcode", "nominalMHz", "hypervisor"] as const)
      expect(machine).toHaveProperty(key);
    expect(env.controller).toBeUndefined();
  });

  it("on Kubernetes: each test node's, read in its pods, with the controller apart", async () => {
    const fake = new FakeApiServer({ simulated: true, readyDelayMs: 20 });
    fakes.push(fake);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "rb-identity-")), "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigFor({ fake: await fake.start() }));
    const sweep = parseSweep(
      `backend: kubernetes\nmodes: [legacy]\ntests: [{test: TCP_RR}]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n  readyTimeoutSec: 10\n`,
      "k8s.yaml",
    );
    const session = await kubernetesBackend().open(sweep, () => undefined);
    try {
      const sut = await session.systemUnderTest?.();
      const env = await captureEnvironment(new FakeRunner(environmentAnswers), "kubernetes", {}, sut);
      // the simulated test server's exec reads this machine's files: both nodes read alike
      expect(env.machine?.kernelBuild).toBe(readFileSync("/proc/version", "utf8").trim());
      expect(Object.keys(env.nodeMachines ?? {})).toEqual(["node-a", "node-b"]);
      expect(env.nodeMachines?.["node-b"]).toEqual(env.machine);
      expect(env.controller?.hostname).toMatch(/\S/);
      expect(resultsSchema.shape.environment.parse(env)).toEqual(env);
    } finally {
      await session.close();
    }
  });
});

describe("the report's headline figures name it", () => {
  const old = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;

  it("names an Azure VM's hypervisor from DMI, and its nominal clock from the model name", () => {
    expect(azure.hypervisor).toBe("Microsoft Corporation Virtual Machine");
    expect(azure.nominalMHz).toBe(2800);
  });

  it("above the headlines, with published figures as orientation only", () => {
    const results: Results = { ...old, environment: { ...old.environment, machine: pvm } };
    const model = buildReportModel(results, loadPublished());
    const markdown = renderMarkdown(model, buildCharts(model.charts));
    const headlines = markdown.slice(markdown.indexOf("## Headlines"));
    expect(headlines.split("\n")[2]).toBe(machineLine(results));
    expect(headlines.split("\n")[2]).toMatch(
      /^Measured on .*AuthenticAMD family 26 model 2 stepping 1.*under PVM.*Published figures appear beside ours for orientation only; agreement with them validates nothing\.$/,
    );
  });

  it("on Kubernetes: the test nodes, each named where they differ", () => {
    const k8s = (nodeMachines: Record<string, typeof azure>): Results => ({
      ...old,
      environment: {
        ...old.environment,
        machine: azure,
        nodeMachines,
        controller: { kernel: "6.1", os: "Debian", cpuModel: "laptop", cpuCount: 8, hostname: "ci" },
      },
    });
    const alike = machineLine(k8s({ "aks-a": azure, "aks-b": azure }));
    expect(alike).toMatch(
      /^Measured on Intel\(R\) Xeon\(R\) Platinum 8370C .*GenuineIntel family 6 model 106 stepping 6/,
    );
    expect(alike).toContain("kernel 6.8.0-1021-azure");
    expect(alike).toContain("Every ratio below belongs to the test nodes");
    const differ = machineLine(k8s({ "aks-a": azure, "aks-b": { ...azure, microcode: "0xd0003e7" } }));
    expect(differ).toMatch(
      /test nodes that differ: aks-a, .*microcode 0xffffffff.*; aks-b, .*microcode 0xd0003e7/,
    );
  });
});
