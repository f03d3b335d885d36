import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { parseStackCounters } from "../../../harness/backends/lab/kernel-counters.js";
import { NamespaceCounterFiles } from "../../../harness/backends/lab/netns-counters.js";

/** Tcp ActiveOpens of a namespace's snmp text. */
function activeOpens(snmp: string): number {
  const lines = snmp.split("\n").filter((l) => l.startsWith("Tcp:"));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf("ActiveOpens")]);
}

/** Opens and closes `n` TCP connections over loopback (this machine's namespace: no lab needed). */
async function connections(n: number): Promise<void> {
  const server = createServer((socket) => socket.end()).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  for (let i = 0; i < n; i++) {
    const socket = connect(port, "127.0.0.1");
    socket.resume();
    await once(socket, "close");
  }
  server.close();
}

describe("a namespace's counter files", () => {
  it("read the namespace's current counters after the process they were opened through is gone", async () => {
    // a process in this test's own network namespace stands for a lab netserver
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    await once(holder, "spawn");
    const files = await NamespaceCounterFiles.open("this namespace", holder.pid as number);
    try {
      const before = await files.read();
      holder.kill("SIGKILL");
      await once(holder, "exit");
      await connections(5);
      const after = await files.read();
      expect(activeOpens(after.snmp) - activeOpens(before.snmp)).toBeGreaterThanOrEqual(5);
      expect(() => parseStackCounters(after.snmp, after.netstat, "this namespace")).not.toThrow();
      expect(after.dev).toMatch(/\blo:/);
    } finally {
      await files.close();
    }
  });

  it("name the namespace and the process when that process is already gone", async () => {
    const gone = spawn("true", { stdio: "ignore" });
    await once(gone, "exit");
    await expect(NamespaceCounterFiles.open("rb-node1-pod1", gone.pid as number)).rejects.toThrow(
      /cannot open the counters of rb-node1-pod1 through process \d+/,
    );
  });
});
