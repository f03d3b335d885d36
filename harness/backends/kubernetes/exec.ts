/** Runs a command in a pod through the pods/exec API (WebSocket), as a ProcessResult. */
import { Writable } from "node:stream";
import type { Exec, V1Status } from "@kubernetes/client-node";
import type { ProcessResult } from "../../util/runner.js";

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
}

/** Exit code from the status channel: Success, or a Failure whose ExitCode cause carries the code. */
export function exitCodeOf(status: V1Status | null): number | null {
  if (!status) return null;
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  return cause?.message !== undefined ? Number(cause.message) : 1;
}

export async function execInPod(
  exec: Exec,
  target: { namespace: string; pod: string; container: string },
  argv: string[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ProcessResult> {
  const started = performance.now();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let status: V1Status | null = null;
  let timedOut = false;
  let aborted = false;
  const recordArgv = ["pods/exec", `${target.namespace}/${target.pod}`, ...argv];
  const finish = (note = ""): ProcessResult => ({
    argv: recordArgv,
    exitCode: exitCodeOf(status),
    signal: timedOut ? "SIGKILL" : aborted ? "SIGINT" : null,
    stdout: Buffer.concat(stdout).toString("utf8"),
    stderr: Buffer.concat(stderr).toString("utf8") + note,
    durationMs: performance.now() - started,
    timedOut,
  });
  let socket: Awaited<ReturnType<Exec["exec"]>>;
  try {
    socket = await exec.exec(
      target.namespace,
      target.pod,
      target.container,
      argv,
      collector(stdout),
      collector(stderr),
      null,
      false,
      (s) => {
        status = s;
      },
    );
  } catch (error) {
    return finish(`pods/exec could not start: ${(error as Error).message}\n`);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      socket.close();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      socket.close();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // a stop that came before the exec started fires no event: close now
    if (options.signal?.aborted) onAbort();
    socket.on("close", () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // The status channel speaks last; a close without it means the stream dropped mid-command.
      const note =
        status || timedOut || aborted
          ? ""
          : "the pods/exec stream closed before the command finished (no exit status from the API server)\n";
      resolve(finish(note));
    });
  });
}
