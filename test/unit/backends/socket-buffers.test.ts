import { describe, expect, it } from "vitest";
import { ONE_CPU_SOCKET_BUFFER_BYTES, resolveSocketBuffer } from "../../../harness/backends/backend.js";
import { parseSweep } from "../../../harness/sweep/load.js";

describe("resolveSocketBuffer", () => {
  it("fixes TCP_STREAM buffers under one-CPU placement only, unless the sweep says otherwise", () => {
    expect(resolveSocketBuffer("auto", { policy: "one-cpu" })).toBe(ONE_CPU_SOCKET_BUFFER_BYTES);
    expect(resolveSocketBuffer("auto", { policy: "unpinned" })).toBeNull();
    expect(resolveSocketBuffer("auto", { policy: "explicit" })).toBeNull();
    expect(resolveSocketBuffer("autotune", { policy: "one-cpu" })).toBeNull();
    expect(resolveSocketBuffer(262144, { policy: "unpinned" })).toBe(262144);
  });

  it("reads socketBuffers from a sweep file, auto by default, and names a bad value", () => {
    const base = "tests: [{test: TCP_STREAM, messageSizes: [1024]}]\n";
    expect(parseSweep(base, "s.yaml").socketBuffers).toBe("auto");
    expect(parseSweep(`${base}socketBuffers: 1048576\n`, "s.yaml").socketBuffers).toBe(1048576);
    expect(() => parseSweep(`${base}socketBuffers: big\n`, "s.yaml")).toThrow(/socketBuffers/);
    expect(() => parseSweep(`${base}socketBuffers: 100\n`, "s.yaml")).toThrow(/socketBuffers/);
  });
});
