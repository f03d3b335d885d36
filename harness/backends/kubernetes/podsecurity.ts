/**
 * Pod Security admission, as far as routebench's pods touch it: the namespace labels that set
 * the level, and which of the level's rules a pod breaks, worded as the admission plugin words
 * its 403 (kubernetes/pod-security-admission, policy/check_*.go; levels and labels from
 * kubernetes.io/docs/concepts/security/pod-security-standards). Pure.
 */
import type { V1Container, V1Namespace, V1Pod } from "@kubernetes/client-node";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version";

/** The namespace's enforced level; null where it has no label and the cluster's default applies. */
export function enforcedLevel(namespace: V1Namespace): PodSecurityLevel | null {
  const level = namespace.metadata?.labels?.[ENFORCE_LABEL];
  return level === "privileged" || level === "baseline" || level === "restricted" ? level : null;
}

function containers(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** The rules of `level` that `pod` breaks (empty: admitted). Only the rules routebench's pods can meet or break. */
export function podSecurityViolations(pod: V1Pod, level: PodSecurityLevel): string[] {
  if (level === "privileged") return [];
  const spec = pod.spec;
  const violations: string[] = [];
  // the plugin's wording (policy/check_hostNamespaces.go): each host namespace the pod asks for
  const hostNamespaces = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((key) => spec?.[key]);
  if (hostNamespaces.length)
    violations.push(`host namespaces (${hostNamespaces.map((key) => `${key}=true`).join(", ")})`);
  const hostPorts = containers(pod).flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => p.hostPort),
  );
  if (hostPorts.length > 0) violations.push(`hostPort (${hostPorts.join(", ")})`);
  if (containers(pod).some((c) => c.securityContext?.privileged)) violations.push("privileged");
  if (level === "baseline") return violations;

  const podContext = spec?.securityContext;
  const missing = (test: (c: V1Container) => boolean) =>
    containers(pod)
      .filter(test)
      .map((c) => `"${c.name}"`);
  const escalating = missing((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalating.length)
    violations.push(`allowPrivilegeEscalation != false (containers ${escalating.join(", ")})`);
  const capabilities = missing((c) => !c.securityContext?.capabilities?.drop?.includes("ALL"));
  if (capabilities.length)
    violations.push(`unrestricted capabilities (containers ${capabilities.join(", ")})`);
  const rootable = missing((c) => (c.securityContext?.runAsNonRoot ?? podContext?.runAsNonRoot) !== true);
  if (rootable.length) violations.push(`runAsNonRoot != true (containers ${rootable.join(", ")})`);
  const seccomp = missing(
    (c) =>
      !["RuntimeDefault", "Localhost"].includes(
        (c.securityContext?.seccompProfile ?? podContext?.seccompProfile)?.type ?? "",
      ),
  );
  if (seccomp.length) violations.push(`seccompProfile (containers ${seccomp.join(", ")})`);
  return violations;
}

/** True when an API answer is Pod Security admission's refusal rather than RBAC's. */
export function isPodSecurityDenial(message: string): boolean {
  return /violates PodSecurity/.test(message);
}
