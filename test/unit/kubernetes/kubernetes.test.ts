import { readFileSync, writeFileSync } from "node:fs";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { ClusterRole, Role } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Pod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { translateApiError } from "../../../harness/backends/kubernetes/api-errors.js";
import { parseCiliumHostRouting } from "../../../harness/backends/kubernetes/cilium-status.js";
import { exitCodeOf } from "../../../harness/backends/kubernetes/exec.js";
import {
  manifestsYaml,
  podPlans,
  renderNamespace,
  renderPod,
} from "../../../harness/backends/kubernetes/manifests.js";
import { chooseNodes } from "../../../harness/backends/kubernetes/nodes.js";
import { podProblem } from "../../../harness/backends/kubernetes/pod-problem.js";
import { parseSweep } from "../../../harness/sweep/load.js";

const sweep = parseSweep(
  `backend: kubernetes\nmodes: [legacy, ebpf, host]\ntests: [{test: TCP_RR}]\nkubernetes:\n  image: example.com/netperf:2.7.0\n  tolerations: [{key: dedicated, operator: Equal, value: perf, effect: NoSchedule}]\n  nodeSelector: {pool: perf}\n  resources: {requests: {cpu: "2"}, limits: {cpu: "4"}}\n`,
  "k8s.yaml",
);

describe("manifests", () => {
  const plans = podPlans(["node-a", "node-b"], sweep.placements, true);
  const objects = [
    renderNamespace("rb-run1", "run1", "privileged", "tester.host"),
    ...plans.map((p) => renderPod(p, sweep.kubernetes, "rb-run1", "run1", "tester.host")),
  ];

  it("places client and servers same-node and cross-node, with host-network twins for the baseline", () => {
    expect(plans.map((p) => [p.name, p.node, p.hostNetwork])).toEqual([
      ["rb-client", "node-a", false],
      ["rb-server-same", "node-a", false],
      ["rb-server-cross", "node-b", false],
      ["rb-host-client", "node-a", true],
      ["rb-host-server-a", "node-a", true],
      ["rb-host-server-b", "node-b", true],
    ]);
    const server = objects[3] as V1Pod;
    expect(server.spec?.nodeSelector).toEqual({ pool: "perf", "kubernetes.io/hostname": "node-b" });
    expect(server.spec?.tolerations?.[0]?.key).toBe("dedicated");
    expect(server.spec?.containers[0]?.resources?.limits).toEqual({ cpu: "4" });
    expect(server.metadata?.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "routebench",
      "routebench.io/run": "run1",
    });
  });

  it("matches the committed YAML", () => {
    const file = new URL("../../fixtures/manifests/run.yaml", import.meta.url);
    const yaml = manifestsYaml(objects);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, yaml);
    expect(yaml).toBe(readFileSync(file, "utf8"));
  });

  it("commits YAML that deploys what a run needs (read from the file, not from the code that wrote it)", () => {
    const file = new URL("../../fixtures/manifests/run.yaml", import.meta.url);
    type Doc = {
      kind: string;
      metadata: { name: string };
      spec?: V1Pod["spec"];
    };
    const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Doc);
    const summary = docs.map((d) => [
      d.kind,
      d.metadata.name,
      d.spec?.nodeSelector?.["kubernetes.io/hostname"] ?? null,
      d.spec?.hostNetwork ?? false,
      (d.spec?.containers?.[0]?.ports ?? []).map((p) => `${p.protocol}:${p.containerPort}`).join(" "),
    ]);
    // netserver's control port 12865 and its fixed data port 12866 (TCP and UDP) on every server
    const server = "TCP:12865 TCP:12866 UDP:12866";
    expect(summary).toEqual([
      ["Namespace", "rb-run1", null, false, ""],
      ["Pod", "rb-client", "node-a", false, ""],
      ["Pod", "rb-server-same", "node-a", false, server],
      ["Pod", "rb-server-cross", "node-b", false, server],
      ["Pod", "rb-host-client", "node-a", true, ""],
      ["Pod", "rb-host-server-a", "node-a", true, server],
      ["Pod", "rb-host-server-b", "node-b", true, server],
    ]);
  });

  it("validates against the Kubernetes schemas (kubernetes-models)", () => {
    for (const object of objects) {
      const model =
        (object as { kind?: string }).kind === "Namespace"
          ? new Namespace(object as never)
          : new Pod(object as never);
      expect(() => model.validate()).not.toThrow();
    }
    const rbac = ["rbac.yaml", "rbac-run.yaml", "rbac-cilium.yaml"];
    for (const doc of rbac.flatMap((f) => parseAllDocuments(readFileSync(`manifests/${f}`, "utf8")))) {
      const object = doc.toJS() as { kind: string };
      expect(() =>
        (object.kind === "ClusterRole"
          ? new ClusterRole(object as never)
          : new Role(object as never)
        ).validate(),
      ).not.toThrow();
    }
    expect(() =>
      new Pod({ metadata: { name: "x" }, spec: { containers: [{ name: 3 }] } } as never).validate(),
    ).toThrow();
  });
});

describe("Cilium status", () => {
  it("reads both formats of the host routing line", () => {
    expect(
      parseCiliumHostRouting(
        "KubeProxyReplacement:    True\nHost Routing:            BPF\nMasquerading: BPF",
      ),
    ).toBe("BPF");
    expect(parseCiliumHostRouting("Host Routing:            Legacy\n")).toBe("Legacy");
    expect(parseCiliumHostRouting("Routing:                 Network: Tunnel [vxlan]   Host: BPF\n")).toBe(
      "BPF",
    );
    expect(parseCiliumHostRouting("Routing:                 Network: Native   Host: Legacy\n")).toBe(
      "Legacy",
    );
    expect(parseCiliumHostRouting("error: cannot connect to agent")).toBeNull();
  });
});

function node(
  name: string,
  extra: Partial<{
    ready: boolean;
    taint: boolean;
    os: string;
    controlPlane: boolean;
    unschedulable: boolean;
  }> = {},
): V1Node {
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/os": extra.os ?? "linux",
        ...(extra.controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
      },
    },
    spec: {
      unschedulable: extra.unschedulable,
      taints: extra.taint ? [{ key: "x", effect: "NoSchedule" }] : [],
    },
    status: {
      conditions: [{ type: "Ready", status: extra.ready === false ? "False" : "True" }],
      nodeInfo: { kernelVersion: "6.8" } as never,
    },
  };
}

describe("node selection", () => {
  it("takes two Ready, schedulable Linux workers, or the named ones", () => {
    const nodes = [
      node("cp", { controlPlane: true }),
      node("w3"),
      node("win", { os: "windows" }),
      node("w1", { ready: false }),
      node("w2"),
      node("t", { taint: true }),
    ];
    expect(chooseNodes(nodes).map((n) => n.name)).toEqual(["w2", "w3"]);
    expect(chooseNodes(nodes, ["w3", "w2"]).map((n) => n.name)).toEqual(["w3", "w2"]);
    expect(() => chooseNodes(nodes, ["w9", "w2"])).toThrow(/node w9 .* is not in the cluster/);
    expect(() => chooseNodes([node("w2"), node("cp", { controlPlane: true })])).toThrow(
      /found 1:\n.*w2: usable\n.*cp: control plane/,
    );
  });
});

describe("errors in the user's terms", () => {
  it("explains pods that do not come up", () => {
    const pod = (status: V1Pod["status"]): V1Pod => ({ metadata: { name: "rb-server-same" }, status });
    expect(
      podProblem(
        pod({
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/2 nodes are available",
            },
          ],
        }),
        [],
        "",
      ),
    ).toBe("rb-server-same cannot be scheduled: 0/2 nodes are available");
    expect(podProblem(pod({ phase: "Pending" }), [], "")).toBeNull();
    expect(
      podProblem(
        pod({
          containerStatuses: [
            {
              name: "netserver",
              image: "x",
              ready: false,
              restartCount: 1,
              imageID: "",
              state: { waiting: { reason: "CrashLoopBackOff" } },
            },
          ],
        }),
        [],
        "boom",
      ),
    ).toBe("rb-server-same: container netserver CrashLoopBackOff; last log lines:\nboom");
  });

  it("turns API answers into actionable errors", () => {
    expect(
      translateApiError({ code: 403, body: '{"message":"pods is forbidden"}' }, "creating pod x").message,
    ).toBe("creating pod x: forbidden (403): pods is forbidden");
    expect((translateApiError({ code: 403, body: "{}" }, "a") as { hint?: string }).hint).toMatch(
      /manifests\/rbac.yaml/,
    );
    expect(
      (translateApiError({ code: 409, body: { message: "exists" } }, "a") as { hint?: string }).hint,
    ).toMatch(/k8s cleanup/);
    expect(translateApiError({ code: 503, body: "not json" }, "a").message).toBe(
      "a: the API server answered 503: not json",
    );
    const plain = new Error("socket hang up");
    expect(translateApiError(plain, "a")).toBe(plain);
  });

  it("reads the exit code from the exec status channel", () => {
    expect(exitCodeOf({ status: "Success" })).toBe(0);
    expect(
      exitCodeOf({ status: "Failure", details: { causes: [{ reason: "ExitCode", message: "255" }] } }),
    ).toBe(255);
    expect(exitCodeOf({ status: "Failure" })).toBe(1);
    expect(exitCodeOf(null)).toBeNull();
  });
});
