/** The kubeconfig, loaded the way kubectl loads it, and the API clients made from it. */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  KubeConfig,
  VersionApi,
} from "@kubernetes/client-node";
import type { KubernetesOptions } from "../../sweep/kubernetes-options.js";
import { UsageError } from "../../util/errors.js";

/** The API clients of one kube context: all the backend talks to a cluster through. */
export interface KubeClients {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly version: VersionApi;
  readonly exec: Exec;
}

/** The clients of the kubeconfig's current context. */
export function kubeClients(kc: KubeConfig): KubeClients {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    version: kc.makeApiClient(VersionApi),
    exec: new Exec(kc),
  };
}

/** Loads the kubeconfig the way kubectl does: the given file, else $KUBECONFIG, else ~/.kube/config. */
export function loadKubeConfig(options: KubernetesOptions, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new UsageError(
      `cannot load the kubeconfig ${options.kubeconfig ?? "(default)"}: ${(error as Error).message}`,
    );
  }
  const wanted = context ?? options.context;
  if (wanted) {
    if (!kc.getContexts().some((c) => c.name === wanted)) {
      throw new UsageError(
        `kube context ${wanted} is not in the kubeconfig; contexts: ${kc
          .getContexts()
          .map((c) => c.name)
          .join(", ")}`,
      );
    }
    kc.setCurrentContext(wanted);
  }
  if (!kc.getCurrentCluster())
    throw new UsageError("the kubeconfig has no current cluster", "pass --kubeconfig and --context");
  return kc;
}
