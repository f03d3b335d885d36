/**
 * A lab namespace's kernel counter files (/proc/net/snmp, netstat and dev), held open. They
 * are opened once through a process that lives in the namespace (its netserver, at that
 * moment), and the kernel binds each open file to the namespace itself (it holds a reference
 * to it), not to that process: read again from offset 0, they print the namespace's current
 * counters after the process is gone. So a netserver that dies mid-trial costs nothing here,
 * and reading costs three preads, not a subprocess. Closed when the session ends (an open file
 * keeps a deleted namespace alive).
 */
import { type FileHandle, open } from "node:fs/promises";

const FILES = ["snmp", "netstat", "dev"] as const;
type CounterFile = (typeof FILES)[number];

/** What a trial's reading needs of a namespace's counters: NamespaceCounterFiles, or a test's fake. */
export type CounterSource = Pick<NamespaceCounterFiles, "netns" | "read" | "close">;

export class NamespaceCounterFiles {
  private constructor(
    readonly netns: string,
    private readonly handles: Record<CounterFile, FileHandle>,
  ) {}

  /** Opens the files through `pid`, a process in `netns`; throws naming both when it is gone. */
  static async open(netns: string, pid: number): Promise<NamespaceCounterFiles> {
    const opened: FileHandle[] = [];
    try {
      for (const name of FILES) opened.push(await open(`/proc/${pid}/net/${name}`, "r"));
    } catch (error) {
      await Promise.all(opened.map((h) => h.close().catch(() => undefined)));
      throw new Error(
        `cannot open the counters of ${netns} through process ${pid} (${(error as Error).message}): it ended before they were opened`,
      );
    }
    const [snmp, netstat, dev] = opened as [FileHandle, FileHandle, FileHandle];
    return new NamespaceCounterFiles(netns, { snmp, netstat, dev });
  }

  /** The three files' current text. */
  async read(): Promise<Record<CounterFile, string>> {
    const [snmp, netstat, dev] = await Promise.all(FILES.map((name) => readWhole(this.handles[name])));
    return { snmp: snmp as string, netstat: netstat as string, dev: dev as string };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.handles).map((h) => h.close().catch(() => undefined)));
  }
}

/** Reads a /proc file from offset 0 to its end: the kernel prints it afresh for a read at 0. */
async function readWhole(handle: FileHandle): Promise<string> {
  let buffer = Buffer.alloc(16384);
  let length = 0;
  for (;;) {
    if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(buffer.length)]);
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) return buffer.subarray(0, length).toString("utf8");
    length += bytesRead;
  }
}
