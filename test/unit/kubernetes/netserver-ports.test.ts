import { describe, expect, it } from "vitest";
import { trialNetperfArgvs } from "../../../harness/backends/backend.js";
import { podPlans, renderPod } from "../../../harness/backends/kubernetes/manifests.js";
import { parseSweep } from "../../../harness/sweep/load.js";
import { planSweep } from "../../../harness/sweep/plan.js";
import {
  NETPERF_TESTS,
  NETSERVER_DATA_PORT,
  NETSERVER_PORT,
} from "../../../harness/vocabulary/vocabulary.js";

const sweep = parseSweep(
  "backend: kubernetes\nplacements: [cross-node]\ntests:\n  - {test: TCP_STREAM, messageSizes: [1024]}\n  - {test: TCP_RR}\n  - {test: TCP_CRR}\n  - {test: UDP_RR}\n  - {test: UDP_STREAM, messageSizes: [1024]}\nrepetitions: 1\n",
  "x.yaml",
);

describe("the netserver pod's ports", () => {
  it("declares the data port for TCP and for UDP, and the control port for TCP", () => {
    const plan = podPlans(["node-a", "node-b"], ["cross-node"], true).filter((p) => p.netserver);
    for (const p of plan) {
      const ports = renderPod(p, sweep.kubernetes, "ns", "run1").spec?.containers[0]?.ports ?? [];
      const declared = ports.map((port) => `${port.containerPort}/${port.protocol}`);
      expect(declared).toEqual([
        `${NETSERVER_PORT}/TCP`,
        `${NETSERVER_DATA_PORT}/TCP`,
        `${NETSERVER_DATA_PORT}/UDP`,
      ]);
      // with hostNetwork each one is a host port too, UDP included
      if (p.hostNetwork)
        expect(ports.map((port) => port.hostPort)).toEqual(ports.map((port) => port.containerPort));
    }
  });

  it("is the port every test's argv sends its data to", () => {
    const trials = planSweep(sweep);
    expect(new Set(trials.map((t) => t.point.test))).toEqual(new Set(NETPERF_TESTS));
    for (const trial of trials) {
      const [argv = []] = trialNetperfArgvs(
        trial,
        "10.0.0.2",
        NETSERVER_PORT,
        { client: null, server: null },
        NETSERVER_DATA_PORT,
      );
      expect(
        argv.slice(argv.indexOf("-P", argv.indexOf("--")), argv.indexOf("-P", argv.indexOf("--")) + 2),
      ).toEqual(["-P", `,${NETSERVER_DATA_PORT}`]);
    }
  });
});
