/**
 * The sweep file's `kubernetes:` section: which cluster, namespace and nodes, the netperf image
 * and its resources, and how the run puts the cluster in each routing mode.
 */
import { z } from "zod";

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const argv = z.array(z.string()).min(1, { message: "needs a command: a list of program and arguments" });

/**
 * The image `cilium connectivity perf` runs (netperf and netserver in /usr/local/bin), pinned by
 * digest as cilium-cli pins it: cilium/cilium, cilium-cli/defaults/defaults.go,
 * ConnectivityCheckImagesPerf["ConnectivityPerformanceImage"]. A tag alone could move under a run.
 */
export const NETPERF_IMAGE =
  "quay.io/cilium/network-perf:3.21-1782913202-88c270c@sha256:c115a00b80bbf4ff49857dd545f0c40025f226d79051b2c8fdab3e8b938c7f92";

/**
 * Small requests, so that the four pods a node carries with the host baseline fit a 2-vCPU node
 * beside its system pods (the scheduler reserves requests; netperf still uses whatever CPU is
 * free), and no CPU limit: a CFS quota would throttle netperf within each 100 ms period and show
 * up as latency tails. Memory is limited (netperf needs a few MiB) so the pods cannot grow.
 * The QoS class is Burstable.
 */
export const DEFAULT_RESOURCES = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { memory: "256Mi" },
};

/**
 * explain's profiling pod (one per test node, privileged, hostPID): an image with `perf`, or one
 * where the command can install it. Debian's linux-perf (bookworm: perf 6.1) is one static
 * binary, not Ubuntu's wrapper that looks for linux-tools-$(uname -r) and fails on a cloud
 * kernel such as AKS's -azure builds (microsoft/perfview#1003), and records cpu-clock with call
 * chains on older and newer kernels alike. AKS node images do not ship perf, and a pod cannot
 * use the node's own anyway, so the default installs it when the pod starts (the node needs
 * egress to deb.debian.org; where it has none, give an image with perf built in). The pod is
 * ready when `perf --version` runs (manifests/profiler-pod.yaml).
 */
export const PROFILER_IMAGE = "docker.io/library/debian:bookworm-slim";
export const PROFILER_COMMAND = [
  "sh",
  "-c",
  "command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null; } && exec sleep 2147483647",
];

export const kubernetesOptions = z.strictObject({
  /** Path of the kubeconfig; default $KUBECONFIG or ~/.kube/config. */
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  /** An existing namespace to use; default: a namespace created (and deleted) by the run. */
  namespace: z.string().optional(),
  /** The two test nodes [A, B]; default: two Ready, schedulable Linux workers. */
  nodes: z
    .array(z.string())
    .length(2, { message: "names exactly two nodes: [nodeA, nodeB]" })
    // [a, a] would silently measure same-node traffic under the cross-node label
    .refine((nodes) => nodes[0] !== nodes[1], { message: "names two different nodes: cross-node needs two" })
    .optional(),
  image: z.string().default(NETPERF_IMAGE),
  tolerations: z.array(toleration).default([]),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  resources: z
    .strictObject({
      requests: z.record(z.string(), z.string()).optional(),
      limits: z.record(z.string(), z.string()).optional(),
    })
    .default(DEFAULT_RESOURCES),
  readyTimeoutSec: z.number().int().min(1).max(3600).default(180),
  /** explain: the profiling pod's image and command (PROFILER_IMAGE, PROFILER_COMMAND). */
  profiler: z
    .strictObject({ image: z.string().default(PROFILER_IMAGE), command: argv.default(PROFILER_COMMAND) })
    .default({ image: PROFILER_IMAGE, command: PROFILER_COMMAND }),
  routing: z
    .strictObject({
      strategy: z.enum(["cilium-configmap", "command", "contexts", "none"]).default("none"),
      /** command: the argv to run locally to put the cluster in each mode (e.g. az aks update ...). */
      commands: z.strictObject({ legacy: argv.optional(), ebpf: argv.optional() }).default({}),
      /** contexts: the kube context of the cluster in each mode. */
      contexts: z.strictObject({ legacy: z.string().optional(), ebpf: z.string().optional() }).default({}),
      ciliumNamespace: z.string().default("kube-system"),
      rolloutTimeoutSec: z.number().int().min(1).max(7200).default(600),
    })
    .default({
      strategy: "none",
      commands: {},
      contexts: {},
      ciliumNamespace: "kube-system",
      rolloutTimeoutSec: 600,
    }),
});

export type KubernetesOptions = z.output<typeof kubernetesOptions>;
