import { describe, expect, it } from "vitest";
import { profilingCheck } from "../../../harness/backends/kubernetes/check-profiling.js";
import type { KubeClients } from "../../../harness/backends/kubernetes/kubeconfig.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const clientsWith = (labels: Record<string, string> | null) =>
  ({
    core: {
      readNamespace: async ({ name }: { name: string }) => {
        if (labels === null) throw new Error("not found");
        return { metadata: { name, labels } };
      },
    },
  }) as unknown as KubeClients;

const sweep = (extra = "") =>
  parseSweep(`backend: kubernetes\nmodes: [legacy, ebpf]\ntests: [{test: TCP_RR}]\n${extra}`, "k8s.yaml");
const log = () => undefined;

// the check that starts the profiling pod and runs perf in it is in explain.test.ts, on the test API server
describe("k8s check: the profiling pod explain needs", () => {
  it("says whether Pod Security admits a hostPID, privileged pod when the sweep does not ask for explain", async () => {
    const restricted = await profilingCheck(
      sweep("kubernetes:\n  namespace: perf\n"),
      clientsWith({ "pod-security.kubernetes.io/enforce": "baseline" }),
      null,
      log,
    );
    expect(restricted.status).toBe("pass"); // the sweep does not ask for explain
    expect(restricted.detail).toMatch(
      /perf enforces baseline, which refuses it \(host namespaces \(hostPID=true\); privileged\)/,
    );
    const privileged = await profilingCheck(
      sweep("kubernetes:\n  namespace: perf\n"),
      clientsWith({ "pod-security.kubernetes.io/enforce": "privileged" }),
      null,
      log,
    );
    expect(privileged.detail).toMatch(/perf enforces privileged, which admits it/);
  });

  it("fails for a sweep that asks for explain without naming the CPUs, or in a namespace that refuses the pod", async () => {
    const unpinned = await profilingCheck(sweep("explain: true\n"), clientsWith(null), null, log);
    expect(unpinned.status).toBe("fail");
    expect(unpinned.detail).toMatch(/must be named/);
    expect(unpinned.fix).toMatch(/cpu: \{client: 2, server: 2\}/);
    const refused = await profilingCheck(
      sweep("explain: true\ncpu: {client: 1, server: 1}\nkubernetes:\n  namespace: perf\n"),
      clientsWith({ "pod-security.kubernetes.io/enforce": "restricted" }),
      null,
      log,
    );
    expect(refused.status).toBe("fail");
    expect(refused.fix).toMatch(
      /kubectl label namespace perf pod-security.kubernetes.io\/enforce=privileged/,
    );
  });
});
