import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseDeviceDrops,
  parseDeviceRxPackets,
  parseSnmpTables,
  parseStackCounters,
} from "../../../harness/backends/lab/kernel-counters.js";

// Captured from a lab pod's and node's /proc/<netserver pid>/net/* after a 1 s cross-node
// TCP_STREAM (kernel in test/fixtures/proc/KERNEL.txt).
const proc = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "proc", name), "utf8");

describe("kernel counters", () => {
  it("reads the node's IP forwarding and the client's TCP counters", () => {
    const ip = parseSnmpTables(proc("node-snmp.txt")).get("Ip");
    // the node forwarded what its lxc device received from the pod, and the replies
    expect(ip?.get("ForwDatagrams")).toBe(55647);
    const client = parseStackCounters(proc("pod-snmp.txt"), proc("pod-netstat.txt"), "rb-node1-pod1");
    expect(client.tcpRetransSegs).toBeGreaterThanOrEqual(0);
    expect(client.tcpReorder).toBeGreaterThanOrEqual(0);
    expect(Object.keys(client)).toEqual(["ipForwarded", "tcpRetransSegs", "tcpReorder", "tcpDsackRecv"]);
  });

  it("names a missing counter instead of reading zero", () => {
    expect(() => parseStackCounters(proc("pod-snmp.txt"), "", "rb-node1-pod1")).toThrow(
      /rb-node1-pod1: no TcpExt TCPSACKReorder counter/,
    );
  });

  it("sums receive and transmit drops per device", () => {
    expect(parseDeviceDrops(proc("node-dev.txt"))).toEqual({ lo: 0, eth0: 0, lxcn1p1: 0, lxcn1p2: 0 });
    const header = proc("node-dev.txt").split("\n").slice(0, 2).join("\n");
    const line = "eth0: 100 2 0 5 1 0 0 0 200 3 0 7 0 0 0 0";
    expect(parseDeviceDrops(`${header}\n${line}\n`)).toEqual({ eth0: 13 });
  });

  it("reads each device's received packets (second rx column)", () => {
    const header = proc("node-dev.txt").split("\n").slice(0, 2).join("\n");
    const lines = [
      "eth0: 100 2 0 5 1 0 0 0 200 3 0 7 0 0 0 0",
      "dn1p1: 9000 17 0 0 0 0 0 0 640 9 0 0 0 0 0 0",
    ];
    expect(parseDeviceRxPackets(`${header}\n${lines.join("\n")}\n`)).toEqual({ eth0: 2, dn1p1: 17 });
    const captured = parseDeviceRxPackets(proc("node-dev.txt"));
    expect(Object.keys(captured).sort()).toEqual(["eth0", "lo", "lxcn1p1", "lxcn1p2"]);
    expect(Object.values(captured).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });
});
