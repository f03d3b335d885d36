/**
 * The wire format of the test API server: Kubernetes Status objects, Node objects, the Cilium
 * agent's `cilium-dbg status` report and a kubeconfig pointing at the servers. Pure.
 */
import type { RoutingMode } from "../../harness/vocabulary/vocabulary.js";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes wire-format objects, as loose as JSON
export type Json = Record<string, any>;

/** A Kubernetes Status (the body of every error answer). */
export function status(code: number, message: string): Json {
  const reasons: Record<number, string> = {
    429: "TooManyRequests",
    403: "Forbidden",
    404: "NotFound",
    409: "AlreadyExists",
    500: "InternalError",
  };
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: reasons[code] ?? "Unknown",
    code,
  };
}

/** One node as the fake keeps it: identity, pool, labels, schedulability and (simulated) its agent's mode. */
export interface NodeState {
  name: string;
  lab: string;
  ip: string;
  zone: string;
  ready: boolean;
  pool: string;
  labels: Record<string, string>;
  /** Cordoned (kubectl cordon, or a rolling upgrade draining it). */
  unschedulable: boolean;
  capacityCpu: string;
  allocatableCpu: string;
  allocatableMemory: string;
  dualStack: boolean;
  aks: boolean;
  /** simulated: the host routing this node's agent runs; null: the cluster-wide one. */
  mode: RoutingMode | null;
  instanceType: string;
  kernel: string;
}

/** The Node object of a NodeState (or of the control-plane node). */
export function nodeObject(n: NodeState, controlPlane = false): Json {
  return {
    metadata: {
      name: n.name,
      labels: {
        "kubernetes.io/hostname": n.name,
        "topology.kubernetes.io/zone": n.zone,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": n.instanceType,
        ...(n.aks
          ? { "kubernetes.azure.com/cluster": "MC_rg_fake", "kubernetes.azure.com/agentpool": n.pool }
          : {}),
        ...n.labels,
        ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
      },
    },
    spec: {
      ...(n.aks ? { providerID: `azure:///subscriptions/x/vm/${n.name}` } : {}),
      ...(n.dualStack ? { podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"] } : {}),
      ...(n.unschedulable ? { unschedulable: true } : {}),
      taints: [
        ...(controlPlane ? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] : []),
        ...(n.unschedulable ? [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] : []),
      ],
    },
    status: {
      conditions: [{ type: "Ready", status: n.ready ? "True" : "False" }],
      addresses: [{ type: "InternalIP", address: n.ip }],
      capacity: { cpu: n.capacityCpu, memory: "65851948Ki" },
      allocatable: { cpu: n.allocatableCpu, memory: n.allocatableMemory },
      nodeInfo: {
        kernelVersion: n.kernel,
        osImage: "Ubuntu 24.04.1 LTS",
        operatingSystem: "linux",
        architecture: "amd64",
        containerRuntimeVersion: "containerd://1.7",
        kubeletVersion: "v1.33.2",
        kubeProxyVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}

/** What `cilium-dbg status` prints, as the fake's faults shape it. */
export interface AgentReport {
  kubeProxyReplacement: boolean;
  /** kube-proxy-replacement.features.socketLB: on, off, or only in the host namespace (bpf-lb-sock-hostns-only). */
  socketLB: "on" | "off" | "hostns-only";
  exitsOne: boolean;
  format: "old" | "new";
}

/**
 * `cilium-dbg status` of an agent. The text form follows a real 1.18.4 report
 * (test/fixtures/cilium/status-1.18.4.txt); the JSON form carries the fields of api/v1's
 * StatusResponse that routebench reads (no public capture of the JSON was found).
 */
export function agentStatusText(routing: "BPF" | "Legacy", report: AgentReport, json: boolean): string {
  const kpr = report.kubeProxyReplacement ? "True" : "False";
  const state = report.exitsOne ? "Warning" : "Ok";
  if (json)
    return `${JSON.stringify(
      {
        cilium: { state, msg: "1.18.2 (v1.18.2-5f21a4a8)" },
        "kube-proxy-replacement": {
          mode: kpr,
          // api/v1 KubeProxyReplacementFeatures: omitempty, so a false flag is absent
          features: {
            ...(report.kubeProxyReplacement && report.socketLB !== "off"
              ? { socketLB: { enabled: true } }
              : {}),
            ...(report.socketLB === "hostns-only" ? { bpfSocketLBHostnsOnly: true } : {}),
          },
        },
        masquerading: { enabled: true, mode: "BPF" },
        routing: {
          "inter-host-routing-mode": "Native",
          "intra-host-routing-mode": routing,
          "tunnel-protocol": "",
        },
      },
      null,
      2,
    )}\n`;
  const line =
    report.format === "old"
      ? `Host Routing:            ${routing}`
      : `Routing:                 Network: Native   Host: ${routing}`;
  return `KVStore:                 Disabled\nKubernetes:              Ok   1.33\nKubeProxyReplacement:    ${kpr}\nCilium:                  ${state}   1.18.2 (v1.18.2-5f21a4a8)\n${line}\nMasquerading:            BPF\nCluster health:          2/2 reachable\n`;
}

/** A kubeconfig with one context per server. */
export function kubeconfigFor(servers: Record<string, string>): string {
  const names = Object.keys(servers);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    // plain HTTP on loopback: client-node allows it only with TLS verification off
    clusters: names.map((name) => ({
      name,
      cluster: { server: servers[name], "insecure-skip-tls-verify": true },
    })),
    users: [{ name: "tester", user: { token: "fake-token" } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: "tester" } })),
    "current-context": names[0],
  });
}
