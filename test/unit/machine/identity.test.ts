import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  describeMachine,
  hypervisorFromKernelLog,
  nominalMHzFromModelName,
  parseMachineIdentity,
} from "../../../harness/machine/identity.js";
import { machineIdentitySchema } from "../../../harness/results/schema.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/machine/${name}`, import.meta.url), "utf8");

describe("parseMachineIdentity", () => {
  it("names this lab VM from its captured /proc/cpuinfo, /proc/version and kernel log (AMD under PVM, no microcode exposed)", () => {
    const m = parseMachineIdentity({
      cpuinfo: fixture("cpuinfo-amd-pvm.txt"),
      procVersion: fixture("version-pvm.txt"),
      kernelLog: fixture("kmsg-pvm.txt"),
    });
    expect(machineIdentitySchema.parse(m)).toEqual(m);
    expect(m).toMatchObject({
      vendor: "AuthenticAMD",
      family: 26,
      model: 2,
      stepping: 1,
      microcode: null,
      modelName: "AMD EPYC",
      nominalMHz: 2096,
      nominalMHzSource: "cpuinfo cpu MHz",
      hypervisor: "PVM",
      cpuCount: 2,
    });
    expect(m.kernelBuild).toMatch(/^Linux version 6\.18\.44-fc-v1272 .*gcc/);
    expect(describeMachine(m)).toBe(
      "AMD EPYC (AuthenticAMD family 26 model 2 stepping 1, microcode not exposed), 2 CPUs at 2096 MHz (reported clock), under PVM, kernel 6.18.44-fc-v1272",
    );
  });

  it("takes the nominal clock from the model name and the hypervisor from DMI when the kernel log is not readable", () => {
    const m = parseMachineIdentity({
      cpuinfo: fixture("cpuinfo-intel-azure.txt"),
      procVersion: "Linux version 6.8.0-1021-azure (buildd@lcy02-amd64-080) #25-Ubuntu SMP",
      dmiVendor: "Microsoft Corporation\n",
      dmiProduct: "Virtual Machine\n",
      kernelLog: null,
    });
    expect(m).toMatchObject({
      vendor: "GenuineIntel",
      family: 6,
      model: 106,
      stepping: 6,
      microcode: "0xffffffff",
      nominalMHz: 2800,
      nominalMHzSource: "model name",
      hypervisor: "Microsoft Corporation Virtual Machine",
      platform: "Microsoft Corporation Virtual Machine",
      cpuCount: 2,
    });
  });

  it("prefers cpufreq's base frequency to the current clock, and says bare metal has no hypervisor", () => {
    const cpuinfo =
      "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 33\nmodel name\t: AMD Ryzen 7 5800X 8-Core Processor\nstepping\t: 0\nmicrocode\t: 0xa201016\ncpu MHz\t\t: 3593.12\nflags\t\t: fpu sse\n";
    const m = parseMachineIdentity({
      cpuinfo,
      procVersion: "Linux version 6.1.0",
      baseFrequencyKHz: "3800000\n",
    });
    expect(m).toMatchObject({
      nominalMHz: 3800,
      nominalMHzSource: "cpufreq base_frequency",
      hypervisor: null,
      microcode: "0xa201016",
    });
    expect(describeMachine(m)).toContain("no hypervisor detected");
  });

  it("reads the small parts on their own", () => {
    expect(nominalMHzFromModelName("Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz")).toBe(2300);
    expect(nominalMHzFromModelName("AMD EPYC 7763 64-Core Processor")).toBeNull();
    expect(hypervisorFromKernelLog("Booting\nHypervisor detected: KVM\n")).toBe("KVM");
    expect(hypervisorFromKernelLog("")).toBeNull();
  });

  it("keeps a results file without the machine readable (the field is optional)", () => {
    expect(machineIdentitySchema.optional().parse(undefined)).toBeUndefined();
  });
});
