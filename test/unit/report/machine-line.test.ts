import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMachineIdentity } from "../../../harness/machine/identity.js";
import { cellText } from "../../../harness/report/cells.js";
import { machineLine } from "../../../harness/report/machine-line.js";
import { environmentTable } from "../../../harness/report/run-tables.js";
import { type Results, resultsSchema } from "../../../harness/results/schema.js";

const FIXTURE = new URL("../../fixtures/results/mini-lab.json", import.meta.url);
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/machine/${name}`, import.meta.url), "utf8");

describe("the machine the figures belong to", () => {
  const old = JSON.parse(readFileSync(FIXTURE, "utf8")) as Results;
  const machine = parseMachineIdentity({
    cpuinfo: fixture("cpuinfo-amd-pvm.txt"),
    procVersion: fixture("version-pvm.txt"),
    kernelLog: fixture("kmsg-pvm.txt"),
  });
  const withMachine: Results = { ...old, environment: { ...old.environment, machine } };

  it("names the machine above the headlines and says the ratio is its own", () => {
    expect(resultsSchema.parse(withMachine).environment.machine).toEqual(machine);
    const line = machineLine(withMachine);
    expect(line).toContain("AuthenticAMD family 26 model 2 stepping 1");
    expect(line).toContain("under PVM");
    expect(line).toContain("Every ratio below belongs to this machine");
    expect(line).toContain("orientation only");
    const rows = environmentTable(withMachine).rows.map((r) => r.map(cellText));
    expect(rows.find((r) => r[0] === "Kernel build")?.[1]).toMatch(/^Linux version 6\.18\.44/);
  });

  it("still reads a results file written before the machine was recorded, and says what it lacks", () => {
    expect(resultsSchema.parse(old).environment.machine).toBeUndefined();
    expect(machineLine(old)).toContain("predates the machine's full identity");
  });
});
