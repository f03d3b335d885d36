/**
 * The Kubernetes backend: the same sweep on a real cluster through @kubernetes/client-node.
 * `open` connects to the cluster of each mode the strategy names (one, or one per mode) and
 * hands them to the session; what it connected is removed again when a later one fails.
 */
import type { Mode } from "../../vocabulary/vocabulary.js";
import type { Backend } from "../backend.js";
import { type Cluster, connect, makeKubeRunId } from "./connect.js";
import { loadKubeConfig } from "./kubeconfig.js";
import { closeNamespace } from "./pods.js";
import { type ClusterMap, KubernetesSession } from "./session.js";
import { STRATEGIES } from "./strategies.js";
import { assertRunnableOnKubernetes } from "./sweep-fit.js";

/** The backend `run --backend kubernetes` opens. */
export function kubernetesBackend(): Backend {
  return {
    async open(sweep, log) {
      assertRunnableOnKubernetes(sweep);
      const options = sweep.kubernetes;
      const runId = makeKubeRunId();
      const perMode = STRATEGIES[options.routing.strategy].kubeContexts(options.routing, sweep.modes);
      const targets: { key: Mode | "any"; context?: string }[] = perMode.length
        ? perMode.map(({ mode, context }) => ({ key: mode, context }))
        : [{ key: "any" }];
      const clusters: ClusterMap = new Map();
      const opened: Cluster[] = [];
      try {
        for (const { key, context } of targets) {
          const kc = loadKubeConfig(options, context);
          log(`connecting to ${context ? `${context} (the ${key} cluster)` : kc.getCurrentContext()}`);
          const cluster = await connect(kc, sweep, runId, log);
          opened.push(cluster);
          clusters.set(key, cluster);
          if (!clusters.has("any")) clusters.set("any", cluster);
        }
      } catch (error) {
        for (const cluster of opened) await closeNamespace(cluster, log);
        throw error;
      }
      return new KubernetesSession(sweep, clusters, log);
    },
  };
}
