import { describe, expect, it } from "vitest";
import { findLauncher, type ProcReader, parseStat, stillRunning } from "../../../harness/cli/signals.js";

/** A /proc/<pid>/stat line: pid (comm) state ppid … with the start time as field 22. */
function stat(pid: number, comm: string, state: string, ppid: number, startTime: string): string {
  const rest = Array.from({ length: 17 }, () => "0");
  return `${pid} (${comm}) ${state} ${ppid} ${rest.join(" ")} ${startTime} 0 0`;
}

/** A fake /proc: pid → [comm, state, ppid, start time, cmdline]. */
function procOf(table: Record<number, [string, string, number, string, string]>): ProcReader {
  return {
    stat: (pid) => {
      const p = table[pid];
      return p ? stat(pid, p[0], p[1], p[2], p[3]) : null;
    },
    cmdline: (pid) => table[pid]?.[4] ?? null,
  };
}

describe("the launcher a run stands in for", () => {
  it("reads state, parent and start time of a stat line whose command holds spaces and parentheses", () => {
    expect(parseStat(stat(7, "node (x) y", "S", 3, "12345"))).toEqual({
      state: "S",
      ppid: 3,
      startTime: "12345",
    });
  });

  it("is bin/routebench.js when it names itself and is the parent; nothing when it is not the parent", () => {
    const proc = procOf({ 40: ["node", "S", 1, "900", "/usr/bin/node bin/routebench.js run"] });
    expect(findLauncher({ ROUTEBENCH_LAUNCHER_PID: "40" }, 40, proc)).toEqual({
      pid: 40,
      startTime: "900",
      name: "bin/routebench.js",
    });
    // a routebench started by another process that inherited the variable
    expect(findLauncher({ ROUTEBENCH_LAUNCHER_PID: "40" }, 41, proc)).toBeNull();
  });

  it("is the nearest npm ancestor under npm run or npx, through a shell, and only then", () => {
    const proc = procOf({
      50: ["sh", "S", 49, "3", "sh -c bash scripts/setup.sh && node bin/routebench.js run"],
      49: ["npm run start", "S", 10, "2", "npm run start"],
      10: ["bash", "S", 1, "1", "-bash"],
    });
    expect(findLauncher({ npm_lifecycle_event: "start" }, 50, proc)).toMatchObject({
      pid: 49,
      startTime: "2",
    });
    // started from a shell: nobody stands for it; a lost parent (nohup) must not stop it
    expect(findLauncher({}, 50, proc)).toBeNull();
    expect(findLauncher({ npm_lifecycle_event: "start" }, 10, proc)).toBeNull();
  });

  it("is gone when its pid is gone, a zombie, or reused by another process", () => {
    const launcher = { pid: 40, startTime: "900", name: "bin/routebench.js" };
    expect(stillRunning(launcher, procOf({ 40: ["node", "S", 1, "900", ""] }))).toBe(true);
    expect(stillRunning(launcher, procOf({}))).toBe(false);
    expect(stillRunning(launcher, procOf({ 40: ["node", "Z", 1, "900", ""] }))).toBe(false);
    expect(stillRunning(launcher, procOf({ 40: ["node", "S", 1, "901", ""] }))).toBe(false);
  });
});
