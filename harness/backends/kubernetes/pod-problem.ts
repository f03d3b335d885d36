/** Why a test pod is not ready, in the user's terms, from its status, events and log. Pure. */
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";

/** Why a pod is not ready, in the user's terms; null while it is simply still starting. */
export function podProblem(pod: V1Pod, events: CoreV1Event[], logTail: string): string | null {
  const name = pod.metadata?.name ?? "pod";
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return `${name} cannot be scheduled: ${scheduled.message ?? "no reason given"}`;
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting && ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"].includes(waiting.reason ?? "")) {
      const event = events.find((e) => e.reason === "Failed" && /pull/i.test(e.message ?? ""));
      return `${name}: image ${status.image} cannot be pulled (${waiting.reason}): ${event?.message ?? waiting.message ?? ""}`.trim();
    }
    if (waiting?.reason === "CrashLoopBackOff" || status.state?.terminated) {
      const how = waiting?.reason ?? `exited with code ${status.state?.terminated?.exitCode}`;
      return `${name}: container ${status.name} ${how}${logTail ? `; last log lines:\n${logTail}` : ""}`;
    }
  }
  if (pod.status?.phase === "Failed")
    return `${name} failed: ${pod.status.message ?? pod.status.reason ?? "no reason given"}`;
  return null;
}
