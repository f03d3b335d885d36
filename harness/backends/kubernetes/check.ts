/**
 * `routebench k8s check`: everything a first run on a cluster needs, each checked with a
 * pass/fail line and a fix, before anything is changed. The probes are effects; each verdict is
 * a small pure step on what they read.
 */
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Node,
  VersionApi,
} from "@kubernetes/client-node";
import type { KubernetesOptions, Sweep } from "../../sweep/schema.js";
import { api } from "./api.js";
import { Cluster, makeKubeRunId } from "./backend.js";
import { CILIUM_CONFIG, CILIUM_DAEMONSET, readRestoreMarker } from "./cilium.js";
import { podPlans, podSecurityLevel, renderPod } from "./manifests.js";
import { enforcedLevel, podSecurityViolations } from "./podsecurity.js";
import { chooseNodes, hostRoutingFallbacks, type NodeFacts, nodeFacts, zoneProblem } from "./pure.js";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for fail and warn. */
  fix?: string;
}

export interface Permission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** The one object a resourceNames rule grants (rbac.yaml's Role): asked by name or the review denies it. */
  name?: string;
}

/** Every permission the sweep's run needs, as manifests/rbac.yaml grants them. Pure. */
export function requiredPermissions(sweep: Sweep): Permission[] {
  const k = sweep.kubernetes;
  const ns = k.namespace;
  const cilium = k.routing.ciliumNamespace;
  const perms: Permission[] = [
    { verb: "list", group: "", resource: "nodes" },
    ...(ns
      ? [{ verb: "get", group: "", resource: "namespaces" }]
      : ["create", "delete"].map((verb) => ({ verb, group: "", resource: "namespaces" }))),
    ...["get", "list", "create", "delete", "deletecollection"].map((verb) => ({
      verb,
      group: "",
      resource: "pods",
      namespace: ns,
    })),
    { verb: "get", group: "", resource: "pods", subresource: "log", namespace: ns },
    { verb: "list", group: "", resource: "events", namespace: ns },
    // exec is a WebSocket upgrade of a GET: the API server checks create, and get for the upgrade
    ...["create", "get"].map((verb) => ({
      verb,
      group: "",
      resource: "pods",
      subresource: "exec",
      namespace: ns,
    })),
    { verb: "list", group: "", resource: "pods", namespace: cilium },
    ...["create", "get"].map((verb) => ({
      verb,
      group: "",
      resource: "pods",
      subresource: "exec",
      namespace: cilium,
    })),
    { verb: "get", group: "apps", resource: "daemonsets", namespace: cilium },
  ];
  if (k.routing.strategy === "cilium-configmap")
    perms.push(
      { verb: "get", group: "", resource: "configmaps", namespace: cilium, name: CILIUM_CONFIG },
      { verb: "patch", group: "", resource: "configmaps", namespace: cilium, name: CILIUM_CONFIG },
      { verb: "patch", group: "apps", resource: "daemonsets", namespace: cilium, name: CILIUM_DAEMONSET },
      { verb: "list", group: "cilium.io", resource: "ciliumnodeconfigs", namespace: cilium },
    );
  return perms;
}

function permissionName(p: Permission): string {
  const resource = `${p.group ? `${p.group}/` : ""}${p.resource}${p.subresource ? `/${p.subresource}` : ""}`;
  return `${p.verb} ${resource}${p.namespace ? ` in ${p.namespace}` : ""}`;
}

/** The QoS class the pods will get from the sweep's resources (kubernetes.io/docs/concepts/workloads/pods/pod-qos). Pure. */
export function qosClass(
  resources: KubernetesOptions["resources"],
): "Guaranteed" | "Burstable" | "BestEffort" {
  const { requests = {}, limits = {} } = resources;
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return "BestEffort";
  const guaranteed = ["cpu", "memory"].every(
    (r) => limits[r] !== undefined && (requests[r] === undefined || requests[r] === limits[r]),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The AKS eBPF host routing requirements a node object shows (learn.microsoft.com, aks/how-to-enable-ebpf-host-routing). Pure. */
export function aksProblems(version: { major: string; minor: string }, nodes: readonly V1Node[]): string[] {
  const problems: string[] = [];
  const minor = Number.parseInt(version.minor, 10);
  if (Number(version.major) === 1 && minor < 33)
    problems.push(`Kubernetes ${version.major}.${version.minor} (needs 1.33 or later)`);
  for (const node of nodes) {
    const os = node.status?.nodeInfo?.osImage ?? "";
    if (!/Ubuntu 24\.04|Azure Linux 3\.0|CBL-Mariner\/Linux 3/.test(os))
      problems.push(`${node.metadata?.name}: ${os || "unknown OS"} (needs Ubuntu 24.04 or Azure Linux 3.0)`);
    if ((node.spec?.podCIDRs?.length ?? 0) > 1)
      problems.push(`${node.metadata?.name}: dual-stack (not supported)`);
  }
  return problems;
}

function isAks(nodes: readonly V1Node[]): boolean {
  return nodes.some(
    (n) =>
      n.spec?.providerID?.startsWith("azure://") ||
      "kubernetes.azure.com/cluster" in (n.metadata?.labels ?? {}),
  );
}

const pass = (id: string, title: string, detail: string): Check => ({ id, title, status: "pass", detail });
const fail = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "fail",
  detail,
  fix,
});
const skip = (id: string, title: string, detail: string): Check => ({ id, title, status: "skip", detail });

/**
 * Runs every check against the cluster of `kc`. Never changes the cluster, except the image check's
 * throw-away namespace and pod (labelled managed-by routebench, deleted at once).
 */
export async function runChecks(
  sweep: Sweep,
  kc: KubeConfig,
  log: (message: string) => void,
): Promise<Check[]> {
  const k = sweep.kubernetes;
  const checks: Check[] = [];
  const core = kc.makeApiClient(CoreV1Api);

  let version: { major: string; minor: string; gitVersion: string };
  try {
    version = await api("reading the Kubernetes version", () => kc.makeApiClient(VersionApi).getCode());
    checks.push(
      pass("api", "API server reachable", `${kc.getCurrentContext()}: Kubernetes ${version.gitVersion}`),
    );
  } catch (error) {
    checks.push(
      fail(
        "api",
        "API server reachable",
        (error as Error).message,
        "check --kubeconfig/--context and that the cluster is up",
      ),
    );
    return checks;
  }

  const authz = kc.makeApiClient(AuthorizationV1Api);
  const missing: string[] = [];
  for (const p of requiredPermissions(sweep)) {
    const review = await api("asking the API server what this user may do", () =>
      authz.createSelfSubjectAccessReview({
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: p },
        },
      }),
    );
    if (!review.status?.allowed) missing.push(permissionName(p));
  }
  checks.push(
    missing.length === 0
      ? pass(
          "rbac",
          "Permissions (SelfSubjectAccessReview)",
          `all ${requiredPermissions(sweep).length} the sweep needs`,
        )
      : fail(
          "rbac",
          "Permissions (SelfSubjectAccessReview)",
          `missing: ${missing.join("; ")}`,
          `kubectl apply -f manifests/rbac.yaml, then bind both roles (see its header; the Role goes in ${k.routing.ciliumNamespace})`,
        ),
  );

  const nodeList = await api("listing nodes", () => core.listNode());
  let nodes: [NodeFacts, NodeFacts] | null = null;
  try {
    nodes = chooseNodes(nodeList.items, k.nodes);
    checks.push(pass("nodes", "Two Ready Linux test nodes", `${nodes[0].name} (A), ${nodes[1].name} (B)`));
  } catch (error) {
    checks.push(
      fail(
        "nodes",
        "Two Ready Linux test nodes",
        (error as Error).message,
        (error as { hint?: string }).hint ?? "name two Ready Linux nodes in kubernetes.nodes",
      ),
    );
  }
  if (nodes) {
    const zone = zoneProblem(nodes[0], nodes[1]);
    checks.push(
      zone
        ? {
            id: "zone",
            title: "Test nodes in one zone",
            status: "warn",
            detail: zone,
            fix: "name two nodes of one zone in kubernetes.nodes",
          }
        : pass("zone", "Test nodes in one zone", nodes[0].zone ?? "no zone labels"),
    );
  } else checks.push(skip("zone", "Test nodes in one zone", "no test nodes"));

  const qos = qosClass(k.resources);
  checks.push(
    qos === "Guaranteed"
      ? pass("qos", "Pods' QoS class", "Guaranteed (requests = limits for CPU and memory)")
      : {
          id: "qos",
          title: "Pods' QoS class",
          status: qos === "BestEffort" ? "fail" : "warn",
          detail: `${qos}: the kubelet throttles or evicts such pods first, which shows up as noise`,
          fix: "set kubernetes.resources.requests equal to .limits for cpu and memory",
        },
  );

  const cilium = k.routing.ciliumNamespace;
  const ds = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDaemonSet({ name: CILIUM_DAEMONSET, namespace: cilium })
    .catch(() => null);
  const ciliumImage = ds?.spec?.template.spec?.containers[0]?.image ?? "";
  checks.push(
    ds
      ? pass("cilium", "Cilium installed", `${cilium}/ds/${CILIUM_DAEMONSET}: ${ciliumImage.split("@")[0]}`)
      : k.routing.strategy === "none"
        ? {
            id: "cilium",
            title: "Cilium installed",
            status: "warn",
            detail: `no ${cilium}/ds/${CILIUM_DAEMONSET}`,
            fix: "without Cilium the modes are recorded as NOT verified",
          }
        : fail(
            "cilium",
            "Cilium installed",
            `no ${cilium}/ds/${CILIUM_DAEMONSET}`,
            "set kubernetes.routing.ciliumNamespace where Cilium runs",
          ),
  );

  const cluster = new Cluster(
    kc.getCurrentContext(),
    kc,
    { ...k, namespace: k.namespace },
    `check-${makeKubeRunId()}`,
    log,
  );
  cluster.nodes = nodes;
  const readings = nodes && ds ? await cluster.agentStatus() : null;
  if (readings) {
    const modes = Object.entries(readings).map(
      ([n, r]) => `${n}: ${r.status.hostRouting ?? `unreadable (${r.tail})`}`,
    );
    const unreadable = Object.values(readings).some((r) => !r.status.hostRouting);
    checks.push(
      unreadable
        ? fail(
            "agents",
            "Cilium agents on the test nodes",
            modes.join("; "),
            "kubectl -n " +
              cilium +
              " get pods -l k8s-app=cilium -o wide: each test node needs a running agent",
          )
        : pass(
            "agents",
            "Cilium agents on the test nodes",
            `host routing now: ${modes.join("; ")}; ${Object.values(readings)[0]?.status.version ?? ""}`,
          ),
    );
    const statuses = Object.values(readings).map((r) => r.status);
    const kpr = statuses.filter(
      (s) => s.kubeProxyReplacement && s.kubeProxyReplacement.toLowerCase() !== "true",
    );
    checks.push(
      kpr.length === 0
        ? pass("kpr", "kube-proxy replacement (needed for BPF host routing)", "True on every test node")
        : fail(
            "kpr",
            "kube-proxy replacement (needed for BPF host routing)",
            hostRoutingFallbacks(kpr[0] as never).join("; "),
            "install Cilium with kubeProxyReplacement=true; otherwise Cilium falls back to legacy host routing",
          ),
    );
    const masq = statuses.filter((s) => s.masquerading?.toLowerCase() === "iptables");
    checks.push(
      masq.length === 0
        ? pass("masquerade", "Masquerading not by iptables", statuses[0]?.masquerading ?? "unknown")
        : fail(
            "masquerade",
            "Masquerading not by iptables",
            "iptables masquerading: BPF host routing needs BPF masquerading",
            "set bpf.masquerade=true in Cilium's Helm values",
          ),
    );
  } else {
    for (const [id, title] of [
      ["agents", "Cilium agents on the test nodes"],
      ["kpr", "kube-proxy replacement (needed for BPF host routing)"],
      ["masquerade", "Masquerading not by iptables"],
    ] as const)
      checks.push(skip(id, title, "no Cilium or no test nodes"));
  }

  checks.push(await strategyCheck(sweep, cluster, core, nodeList.items));
  checks.push(
    isAks(nodeList.items)
      ? (() => {
          const problems = aksProblems(version, nodeList.items);
          const held = nodeList.items.filter((n) =>
            n.spec?.taints?.some((t) => t.key === "node.cilium.io/agent-not-ready"),
          );
          if (held.length)
            problems.push(
              `${held.map((n) => n.metadata?.name).join(", ")} tainted node.cilium.io/agent-not-ready (foreign host iptables rules block ACNS eBPF host routing)`,
            );
          return problems.length
            ? fail(
                "aks",
                "AKS eBPF host routing requirements",
                problems.join("; "),
                "see README, First run on a real cluster: AKS",
              )
            : pass(
                "aks",
                "AKS eBPF host routing requirements",
                "Kubernetes ≥ 1.33, Ubuntu 24.04 / Azure Linux 3.0, single-stack, no agent held back",
              );
        })()
      : skip("aks", "AKS eBPF host routing requirements", "not an AKS cluster"),
  );

  checks.push(await podSecurityCheck(sweep, core, nodes));
  checks.push(
    nodes
      ? await imageCheck(cluster, sweep, nodes)
      : skip("image", "Image pulls and runs netperf", "no test nodes"),
  );
  return checks;
}

async function strategyCheck(
  sweep: Sweep,
  cluster: Cluster,
  core: CoreV1Api,
  nodes: readonly V1Node[],
): Promise<Check> {
  const { strategy, commands, ciliumNamespace } = sweep.kubernetes.routing;
  const title = `Routing strategy ${strategy}`;
  const switching = sweep.modes.filter((m) => m !== "host");
  if (strategy === "cilium-configmap") {
    const config = await core
      .readNamespacedConfigMap({ name: CILIUM_CONFIG, namespace: ciliumNamespace })
      .catch(() => null);
    if (!config)
      return fail(
        "strategy",
        title,
        `no ${ciliumNamespace}/${CILIUM_CONFIG}`,
        "set kubernetes.routing.ciliumNamespace",
      );
    const marker = readRestoreMarker(config);
    if (marker)
      return fail(
        "strategy",
        title,
        `${CILIUM_CONFIG} is still switched by run ${marker.runId} (killed?)`,
        "routebench k8s cleanup restores it",
      );
    cluster.nodes ??= nodes.slice(0, 2).map(nodeFacts) as [NodeFacts, NodeFacts];
    const overrides = await cluster.nodeConfigOverrides();
    if (overrides.length)
      return fail(
        "strategy",
        title,
        overrides
          .map((o) => `CiliumNodeConfig ${o.config} sets enable-host-legacy-routing=${o.value} on ${o.node}`)
          .join("; "),
        "remove the key from the CiliumNodeConfig, or use routing.strategy none",
      );
    return pass(
      "strategy",
      title,
      `enable-host-legacy-routing is ${config.data?.["enable-host-legacy-routing"] ?? "absent (Cilium's default)"}; no CiliumNodeConfig overrides it`,
    );
  }
  if (strategy === "command") {
    const lacking = switching.filter((m) => !commands[m as "legacy" | "ebpf"]);
    if (lacking.length)
      return fail(
        "strategy",
        title,
        `no command for ${lacking.join(", ")}`,
        "set kubernetes.routing.commands.<mode>",
      );
    const az = switching
      .map((m) => commands[m as "legacy" | "ebpf"] ?? [])
      .filter((argv) => argv[0] === "az");
    if (az.some((argv) => !argv.includes("--enable-acns")))
      return fail(
        "strategy",
        title,
        "an az aks update command lacks --enable-acns",
        "az aks update … --enable-acns --acns-datapath-acceleration-mode BpfVeth|None (sweeps/aks.yaml)",
      );
    return pass(
      "strategy",
      title,
      switching.map((m) => `${m}: ${(commands[m as "legacy" | "ebpf"] ?? []).join(" ")}`).join("; "),
    );
  }
  return pass(
    "strategy",
    title,
    strategy === "none" ? "measures the mode the cluster is in" : "one kube context per mode",
  );
}

async function podSecurityCheck(
  sweep: Sweep,
  core: CoreV1Api,
  nodes: [NodeFacts, NodeFacts] | null,
): Promise<Check> {
  const title = "Pod Security admits the test pods";
  const k = sweep.kubernetes;
  const plans = podPlans(
    nodes ? [nodes[0].name, nodes[1].name] : ["A", "B"],
    sweep.placements,
    sweep.modes.includes("host"),
  );
  if (!k.namespace)
    return pass(
      "podsecurity",
      title,
      `routebench creates its namespace labelled enforce=${podSecurityLevel(plans)}`,
    );
  const ns = await core.readNamespace({ name: k.namespace }).catch(() => null);
  if (!ns)
    return fail(
      "podsecurity",
      title,
      `namespace ${k.namespace} does not exist`,
      "create it, or leave kubernetes.namespace unset",
    );
  const level = enforcedLevel(ns);
  if (!level)
    return pass(
      "podsecurity",
      title,
      `${k.namespace} has no enforce label: the cluster's default level applies`,
    );
  const violations = plans.flatMap((plan) =>
    podSecurityViolations(renderPod(plan, k, k.namespace as string, "check"), level).map(
      (v) => `${plan.name}: ${v}`,
    ),
  );
  return violations.length === 0
    ? pass("podsecurity", title, `${k.namespace} enforces ${level}`)
    : fail(
        "podsecurity",
        title,
        `${k.namespace} enforces ${level}; refused: ${violations.join("; ")}`,
        `kubectl label namespace ${k.namespace} pod-security.kubernetes.io/enforce=${podSecurityLevel(plans)} --overwrite, or leave kubernetes.namespace unset`,
      );
}

/** Starts the client pod on node A in a throw-away namespace and runs `netperf -V` in it. */
async function imageCheck(cluster: Cluster, sweep: Sweep, nodes: [NodeFacts, NodeFacts]): Promise<Check> {
  const title = "Image pulls and runs netperf";
  cluster.nodes = nodes;
  cluster.plans = podPlans([nodes[0].name, nodes[1].name], ["same-node"], false).filter(
    (p) => p.role === "client",
  );
  try {
    await cluster.openNamespace();
    await cluster.createPods();
    const out = await cluster.execIn("client", ["netperf", "-V"]);
    const version = /Netperf version (\S+)/.exec(out.stdout)?.[1];
    return version
      ? pass("image", title, `${sweep.kubernetes.image.split("@")[0]}: netperf ${version}`)
      : fail(
          "image",
          title,
          `netperf -V exited ${out.exitCode}: ${(out.stdout + out.stderr).trim().slice(0, 200)}`,
          "use an image with netperf and netserver on PATH (default: cilium-cli's network-perf)",
        );
  } catch (error) {
    return fail(
      "image",
      title,
      (error as Error).message,
      "set kubernetes.image to an image the nodes can pull (a registry mirror in air-gapped clusters)",
    );
  } finally {
    await cluster.cleanup();
  }
}

/** The table `routebench k8s check` prints: one line per check, a fix under each that did not pass. Pure. */
export function formatChecks(checks: readonly Check[]): string {
  const mark: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" };
  const width = Math.max(...checks.map((c) => c.title.length));
  return checks
    .map(
      (c) =>
        `${mark[c.status]}  ${c.title.padEnd(width)}  ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ""}`,
    )
    .join("\n");
}
