/**
 * buildNetperfArgv's optional global options, whole: -T with either end pinned or both (the
 * other left empty, as netperf's "-T client,server" allows), no -T without a CPU, and the
 * socket buffers only for TCP_STREAM.
 */
import { describe, expect, it } from "vitest";
import { buildNetperfArgv } from "../../../harness/netperf/argv.js";

const common = { test: "TCP_RR" as const, host: "h", port: 1, durationSec: 2, measureCpu: false };
const globals = (argv: string[]) => argv.slice(0, argv.indexOf("--"));

describe("buildNetperfArgv's optional options", () => {
  it("pins either end, both, or neither", () => {
    const head = ["netperf", "-H", "h", "-p", "1", "-t", "TCP_RR", "-l", "2", "-P", "0"];
    expect(globals(buildNetperfArgv({ ...common, cpu: { client: 0, server: 1 } }))).toEqual([
      ...head,
      "-T",
      "0,1",
    ]);
    expect(globals(buildNetperfArgv({ ...common, cpu: { client: 3 } }))).toEqual([...head, "-T", "3,"]);
    expect(globals(buildNetperfArgv({ ...common, cpu: { server: 2 } }))).toEqual([...head, "-T", ",2"]);
    expect(globals(buildNetperfArgv({ ...common, cpu: {} }))).toEqual(head);
    expect(globals(buildNetperfArgv(common))).toEqual(head);
  });

  it("sets socket buffers for UDP_STREAM never", () => {
    const udp = buildNetperfArgv({
      ...common,
      test: "UDP_STREAM",
      messageSize: 1024,
      socketBufferBytes: 4096,
    });
    expect(udp.slice(udp.indexOf("--") + 1, -2)).toEqual(["-m", "1024", "-R", "1"]);
  });
});
