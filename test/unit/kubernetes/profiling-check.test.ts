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

describe("k8s check: the profiling pod explain would need", () => {
  it("says whether Pod Security admits a hostPID, privileged pod, and that explain is refused on Kubernetes", async () => {
    const restricted = await profilingCheck(
      sweep("kubernetes:\n  namespace: perf\n"),
      clientsWith({ "pod-security.kubernetes.io/enforce": "baseline" }),
    );
    expect(restricted.status).toBe("pass"); // the sweep does not ask for explain
    expect(restricted.detail).toMatch(/perf enforces baseline, which refuses it \(host namespaces/);
    expect(restricted.detail).toMatch(/runs refuse explain on Kubernetes/);
    const privileged = await profilingCheck(
      sweep("kubernetes:\n  namespace: perf\n"),
      clientsWith({ "pod-security.kubernetes.io/enforce": "privileged" }),
    );
    expect(privileged.detail).toMatch(/perf enforces privileged, which admits it/);
  });

  it("fails for a sweep that asks for explain, with what to do", async () => {
    const check = await profilingCheck(sweep("explain: true\n"), clientsWith(null));
    expect(check.status).toBe("fail");
    expect(check.fix).toMatch(/run explain on the lab/);
  });
});
