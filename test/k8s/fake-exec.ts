/**
 * pods/exec on the test API server (WebSocket, v4/v5.channel.k8s.io): `cilium-dbg status` in
 * an agent answers with its node's mode; in a test pod the command runs in the pod's lab
 * namespace (nsenter), or, simulated, on this machine (read-only commands, `sleep`, and `kill`
 * of a process this server started). Every exec is logged with the node it ran on and whether
 * that node was cordoned at the time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { setLabMode } from "../../harness/backends/lab/lab.js";
import { processRunner } from "../../harness/util/runner.js";
import type { FakeApiServer } from "./fake-apiserver.js";
import { isProfiler, perfExec, replayExec } from "./fake-perf.js";
import { agentStatusText, type Json } from "./fake-wire.js";

const SIMULATED_COMMANDS = ["netperf", "cat", "sleep", "kill"];

function finisher(ws: WebSocket) {
  return (code: number, stderr = "") => {
    if (ws.readyState !== ws.OPEN) return;
    if (stderr) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(stderr)]));
    // v5 (API servers ≥ 1.30) adds the CLOSE signal (255, stream) for the client to half-close
    // stdin; the server ends with the status as in v4. (@kubernetes/client-node 1.4's exec throws
    // "Unknown stream: 255" on a CLOSE frame from the server, so none is sent here.)
    const s =
      code === 0
        ? { metadata: {}, status: "Success" }
        : {
            metadata: {},
            status: "Failure",
            message: `command terminated with non-zero exit code: ${code}`,
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: String(code) }] },
          };
    ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(s))]));
    ws.close();
  };
}

/** The program a test pod's exec runs: the argv itself, what routebench's `sh -c '… exec "$@"'` wrapper runs, or its `kill`. */
function program(command: string[]): string[] {
  if (command[0] !== "sh" || command[1] !== "-c") return command;
  return command[2]?.startsWith("kill") ? ["kill", ...command.slice(4)] : command.slice(4);
}

async function agentExec(s: FakeApiServer, pod: Json, command: string[], ws: WebSocket): Promise<void> {
  const finish = finisher(ws);
  const cli = s.options.agentCommand ?? "cilium-dbg";
  if (command[0] !== cli)
    // what the container runtime answers for a binary the image lacks (Cilium ≤ 1.14 has no cilium-dbg)
    return finish(
      127,
      `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown\n`,
    );
  if (command[1] !== "status") return finish(1, `unknown command ${command.join(" ")}\n`);
  const node = s.nodes.find((n) => n.name === pod.internal.node);
  const current = s.options.simulated
    ? (node?.mode ?? s.simulatedMode)
    : (s.options.fixedMode ?? (await s.labMode(pod.internal.netns.replace(/^rb-/, ""))));
  // a Terminating agent of the previous rollout still answers, with the old mode
  const mode = pod.internal.stale ? (current === "ebpf" ? "legacy" : "ebpf") : current;
  const report = {
    kubeProxyReplacement: !s.faults.noKubeProxyReplacement,
    socketLB: s.faults.socketLB,
    exitsOne: s.faults.statusExitsOne,
    format: s.faults.statusFormat,
  };
  const text = agentStatusText(mode === "ebpf" ? "BPF" : "Legacy", report, command.includes("json"));
  ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
  // the agent exits 1 after its full report when it is not fully Ok
  return finish(s.faults.statusExitsOne ? 1 : 0);
}

export async function handleExec(s: FakeApiServer, req: IncomingMessage, ws: WebSocket): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
  const pod = m ? s.pods.get(`${m[1]}/${m[2]}`) : undefined;
  const command = url.searchParams.getAll("command");
  const finish = finisher(ws);
  if (!pod?.internal.netns && !pod?.internal.local) return finish(1, `pod not found or not running\n`);
  if (pod.internal.agent) return agentExec(s, pod, command, ws);
  const node = s.nodes.find((n) => n.name === pod.spec?.nodeName);
  s.execLog.push({
    pod: pod.metadata.name,
    node: pod.spec?.nodeName,
    cordoned: Boolean(node?.unschedulable),
    command,
  });
  const inner = program(command);
  // explain's profiling pod, simulated: perf answers from a capture (fake-perf.ts)
  if (pod.internal.local && isProfiler(pod)) return perfExec(s, pod, inner, ws, finish);
  if (pod.internal.local && replayExec(s, inner, ws, finish)) return;
  let child: ChildProcess;
  if (pod.internal.local) {
    // simulated: only read-only commands, sleep, and kill of this server's own children; no namespaces
    const [name, ...args] = inner;
    const allowed =
      SIMULATED_COMMANDS.includes(name ?? "") &&
      !(name === "netperf" && args[0] !== "-V") &&
      !(name === "kill" && !s.children.has(Number(args.at(-1))));
    if (!allowed)
      return finish(
        127,
        `the simulated fake runs only netperf -V, cat, sleep and kill, not ${inner.join(" ")}\n`,
      );
    child = spawn(command[0] as string, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  } else {
    if (s.options.fixedMode) await setLabMode(processRunner, s.options.fixedMode, { force: true });
    child = spawn("nsenter", [`--net=/run/netns/${pod.internal.netns}`, ...command], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
  if (child.pid) s.children.add(child.pid);
  let dropped = false;
  // only a measuring netperf (not `netperf -V` or the trial's `cat /proc/stat`) is dropped
  if (s.faults.dropNextExecAfterMs !== null && inner[0] === "netperf" && inner.includes("-l")) {
    const after = s.faults.dropNextExecAfterMs;
    s.faults.dropNextExecAfterMs = null;
    setTimeout(() => {
      dropped = true;
      child.kill("SIGKILL");
      ws.terminate();
    }, after);
  }
  const forward = (channel: number) => (chunk: Buffer) =>
    ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([channel]), chunk]));
  child.stdout?.on("data", forward(1));
  child.stderr?.on("data", forward(2));
  // as a real API server: a closed stream does NOT stop the process in the container
  child.on("close", (code) => {
    if (child.pid) s.children.delete(child.pid);
    if (!dropped) finish(code ?? 1);
  });
}
