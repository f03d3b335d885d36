/** How an API failure is read: whether and when to retry it, and the error a user sees when not. Pure. */
import { EnvironmentError } from "../../util/errors.js";
import { isPodSecurityDenial } from "./podsecurity.js";

interface ApiErrorLike {
  code?: number;
  body?: unknown;
  message?: string;
  headers?: Record<string, string>;
}

/** The longest routebench waits on one Retry-After, and how often it retries a 429, before giving up. */
export const RETRY_AFTER_CAP_MS = 30_000;
export const MAX_THROTTLE_RETRIES = 5;

/**
 * How long to wait before retrying a throttled call: the API server's Retry-After (seconds),
 * bounded; null when the error is not a 429.
 */
export function throttleDelayMs(error: unknown, attempt: number): number | null {
  const e = error as ApiErrorLike;
  if (e?.code !== 429) return null;
  const header = Object.entries(e.headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : backoffDelayMs(attempt);
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** Poll interval for the n-th look (0-based): 250 ms doubling to a 5 s ceiling, so a long wait costs few requests. */
export function backoffDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000);
}

/** The network error under a failed request (fetch's "fetch failed" wraps it as cause), or null. */
export function networkCause(error: unknown): string | null {
  const e = error as { message?: string; code?: unknown; cause?: { code?: string; message?: string } };
  const code = typeof e?.code === "string" ? e.code : e?.cause?.code;
  if (
    code &&
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT)$/.test(
      code,
    )
  )
    return `${code}${e.cause?.message && !e.cause.message.startsWith(code) ? `: ${e.cause.message}` : ""}`;
  if (e?.message === "fetch failed") return e.cause?.message ?? "fetch failed";
  return null;
}

/** Turns an API failure into an error that says what was refused and what to do. */
export function translateApiError(error: unknown, action: string): Error {
  const e = error as ApiErrorLike;
  const unreachable = networkCause(error);
  if (unreachable)
    return new EnvironmentError(
      `${action}: the API server cannot be reached (${unreachable})`,
      "check the kubeconfig's server address and context, your network or VPN, and that the cluster is running (a stopped AKS cluster: az aks start)",
    );
  if (typeof e?.code !== "number") return error instanceof Error ? error : new Error(String(error));
  let message = "";
  try {
    message = (typeof e.body === "string" ? JSON.parse(e.body) : e.body)?.message ?? "";
  } catch {
    message = String(e.body ?? "");
  }
  switch (e.code) {
    case 401:
      return new EnvironmentError(
        `${action}: the API server did not accept the kubeconfig's credentials (401)`,
        "refresh the credentials (e.g. az aks get-credentials)",
      );
    case 403:
      return new EnvironmentError(
        `${action}: forbidden (403): ${message}`,
        isPodSecurityDenial(message)
          ? "Pod Security admission refused the pod, not RBAC: label the namespace pod-security.kubernetes.io/enforce=privileged (the host baseline needs hostNetwork, explain's profiling pod hostPID and privileged), or leave kubernetes.namespace unset so routebench creates a labelled one"
          : /admission webhook .* denied the request/.test(message)
            ? "a policy admission webhook (Gatekeeper, e.g. Azure Policy's pod security initiatives, or Kyverno) refused the pod, not RBAC nor Pod Security: exempt the test namespace from that policy, or run without what needs it (explain's privileged profiling pod, the host baseline's hostNetwork)"
            : "grant the permissions in manifests/rbac.yaml, rbac-run.yaml and rbac-cilium.yaml to the kubeconfig's user (`routebench k8s check` lists what is missing)",
      );
    case 429:
      return new EnvironmentError(
        `${action}: the API server is throttling requests (429) and kept doing so: ${message}`,
        "run again later, or ask the cluster's admins about API priority and fairness limits",
      );
    case 404:
      return new EnvironmentError(`${action}: not found (404): ${message}`);
    case 409:
      return new EnvironmentError(
        `${action}: conflict (409): ${message}`,
        "a leftover of an earlier run? `routebench k8s cleanup` removes them",
      );
    default:
      return new EnvironmentError(
        `${action}: the API server answered ${e.code}: ${message || e.message || ""}`.trim(),
        e.code >= 500 ? "the cluster had a problem; try again" : undefined,
      );
  }
}
