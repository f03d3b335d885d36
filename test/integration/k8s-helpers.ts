/**
 * Shared by the Kubernetes backend's root tests (kubernetes*.test.ts): local API servers
 * (test/k8s/fake-apiserver.ts) whose pods are the lab's pod namespaces, their kubeconfig, and
 * sweep files. One lab serves a whole file: the backend switches it, never brings it up.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { FakeApiServer, type FakeOptions, kubeconfigFor } from "../k8s/fake-apiserver.js";
import { cleanupEverything, expectNothingLeft, runCli } from "./helpers.js";

export const dir = mkdtempSync(join(tmpdir(), "rb-k8s-"));
const fakes: FakeApiServer[] = [];

/**
 * Brings the lab up once for the calling file and takes it down after its last test, whatever
 * failed; stops each test's API servers after it.
 */
export function useLabForKubernetes(): void {
  beforeAll(async () => {
    await cleanupEverything();
    expect((await runCli(["lab", "up", "--iptables-services", "10"])).exitCode).toBe(0);
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
  });
  afterAll(async () => {
    await cleanupEverything();
    await expectNothingLeft();
  });
}

export async function startFakes(
  clusters: Record<string, FakeOptions>,
): Promise<{ fakes: Record<string, FakeApiServer>; kubeconfig: string }> {
  const servers: Record<string, string> = {};
  const started: Record<string, FakeApiServer> = {};
  for (const [name, options] of Object.entries(clusters)) {
    const fake = new FakeApiServer(options);
    fakes.push(fake);
    started[name] = fake;
    servers[name] = await fake.start();
  }
  const kubeconfig = join(dir, `kubeconfig-${Object.keys(clusters).join("-")}-${fakes.length}`);
  writeFileSync(kubeconfig, kubeconfigFor(servers));
  return { fakes: started, kubeconfig };
}

/** TCP_RR and TCP_STREAM at 16384 bytes: what a sweep file measures unless `tests` says otherwise. */
const BOTH_TESTS = "  - {test: TCP_RR}\n  - {test: TCP_STREAM, messageSizes: [16384]}\n";

/** A Kubernetes sweep file: legacy and eBPF, 1 s trials, 2 repetitions; `extra` adds top-level keys. */
export function sweepFile(name: string, kubernetes: object, extra = "", tests = BOTH_TESTS): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nbackend: kubernetes\nmodes: [legacy, ebpf]\ntests:\n${tests}duration: 1\nrepetitions: 2\n${extra}kubernetes: ${JSON.stringify({ readyTimeoutSec: 10, ...kubernetes })}\n`,
  );
  return file;
}

/** TCP_RR alone, for sweep files whose subject is not what is measured. */
export const RR_ONLY = "  - {test: TCP_RR}\n";

export const log = () => {};

/** The API server address of a kubeconfig written by startFakes (its first context). */
export function kubeconfigServer(kubeconfig: string): string {
  return (JSON.parse(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] })
    .clusters[0]?.cluster.server as string;
}
