/** The checks of what this user may do: every permission a sweep's run needs, asked of the API server. */
import { AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Sweep } from "../../sweep/schema.js";
import { api } from "./api.js";
import { type Check, fail, pass } from "./check-result.js";
import { CILIUM_CONFIG, CILIUM_DAEMONSET } from "./cilium-config.js";
import { wantsServices } from "./services.js";

/** One permission as a SelfSubjectAccessReview asks for it (its resourceAttributes). */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** The one object a resourceNames rule grants (rbac.yaml's Role): asked by name or the review denies it. */
  name?: string;
}

/** pods/exec is a WebSocket upgrade of a GET: the API server checks create, and get for the upgrade. */
function execPermissions(namespace: string | undefined): Permission[] {
  return ["create", "get"].map((verb) => ({
    verb,
    group: "",
    resource: "pods",
    subresource: "exec",
    namespace,
  }));
}

/**
 * Every permission the sweep's run needs, as manifests/rbac*.yaml grant them: nodes and access
 * reviews cluster-wide (rbac.yaml); the pods, their exec, logs and events in the run's namespace
 * (rbac-run.yaml; without a named namespace, creating and deleting rb-<run> and the same rights
 * everywhere); Cilium's daemonset, config, agents and their exec in Cilium's namespace, and the
 * switch's patches for cilium-configmap (rbac-cilium.yaml). Pure.
 */
export function requiredPermissions(sweep: Sweep): Permission[] {
  const k = sweep.kubernetes;
  const ns = k.namespace;
  const cilium = k.routing.ciliumNamespace;
  const perms: Permission[] = [
    { verb: "list", group: "", resource: "nodes" },
    { verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews" },
    ...(ns
      ? // a namespace's own Role may read it: the request's namespace is the namespace's name
        [{ verb: "get", group: "", resource: "namespaces", namespace: ns, name: ns }]
      : ["create", "delete"].map((verb) => ({ verb, group: "", resource: "namespaces" }))),
    ...["get", "list", "create", "delete", "deletecollection"].map((verb) => ({
      verb,
      group: "",
      resource: "pods",
      namespace: ns,
    })),
    { verb: "get", group: "", resource: "pods", subresource: "log", namespace: ns },
    { verb: "list", group: "", resource: "events", namespace: ns },
    ...execPermissions(ns),
    { verb: "get", group: "apps", resource: "daemonsets", namespace: cilium, name: CILIUM_DAEMONSET },
    { verb: "get", group: "", resource: "configmaps", namespace: cilium, name: CILIUM_CONFIG },
    { verb: "list", group: "", resource: "pods", namespace: cilium },
    ...execPermissions(cilium),
  ];
  if (wantsServices(sweep))
    perms.push(
      ...["create", "deletecollection"].map((verb) => ({
        verb,
        group: "",
        resource: "services",
        namespace: ns,
      })),
    );
  if (k.routing.strategy === "cilium-configmap")
    perms.push(
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

/** One SelfSubjectAccessReview per required permission; fails naming each one missing. */
export async function rbacCheck(sweep: Sweep, kc: KubeConfig): Promise<Check> {
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
  return missing.length === 0
    ? pass(
        "rbac",
        "Permissions (SelfSubjectAccessReview)",
        `all ${requiredPermissions(sweep).length} the sweep needs`,
      )
    : fail(
        "rbac",
        "Permissions (SelfSubjectAccessReview)",
        `missing: ${missing.join("; ")}`,
        `apply and bind manifests/rbac.yaml (cluster-wide), rbac-run.yaml in ${sweep.kubernetes.namespace ?? "the run's namespace (name one: kubernetes.namespace)"} and rbac-cilium.yaml in ${sweep.kubernetes.routing.ciliumNamespace} (each file's header says how)`,
      );
}
