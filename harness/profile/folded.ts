/**
 * `perf script` output to folded stacks, the format of Brendan Gregg's flamegraph.pl and most
 * flame-graph tools: one line per distinct call chain, `comm;outermost;…;innermost count`.
 * Kernel frames carry flamegraph.pl's `_[k]` annotation (its --color=java/--kernel readers
 * know it), so the attribution can tell the kernel's functions from netperf's own. Pure
 * (`foldedText` only inflates bytes it is given).
 */
import { gunzipSync } from "node:zlib";

export interface FoldedStacks {
  /** chain (root first, `;`-separated, comm first) → samples. */
  stacks: Map<string, number>;
  samples: number;
}

/** The `perf script` argv whose output `foldPerfScript` reads. */
export function perfScriptArgv(dataFile: string): string[] {
  return ["perf", "script", "-i", dataFile, "-F", "comm,pid,tid,cpu,event,ip,sym,dso"];
}

const KERNEL = "_[k]";

/** `netperf 14175/14175 [001] cpu-clock:` → the comm (which may hold spaces). */
const HEADER = /^(\S.*?)\s+(\d+)\/(\d+)\s+\[(\d+)\]/;
/** `\tffffffff8205025f ip_finish_output2 ([kernel.kallsyms])` */
const FRAME = /^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$/;

function frameName(address: string, symbol: string, dso: string): string {
  const name = (symbol === "" ? "[unknown]" : symbol).replace(/\+0x[0-9a-f]+$/, "").replaceAll(";", ":");
  // x86-64 and arm64 kernel addresses are in the upper half
  const kernel = address.length === 16 && address.startsWith("ffff");
  if (kernel) return `${name}${KERNEL}`;
  return name === "[unknown]" ? `[${dso.split("/").at(-1) || "unknown"}]` : name;
}

/** Folds `perf script -F comm,pid,tid,cpu,event,ip,sym,dso` output (with call chains, perf record -g). */
export function foldPerfScript(text: string): FoldedStacks {
  const stacks = new Map<string, number>();
  let samples = 0;
  let comm: string | null = null;
  let frames: string[] = [];
  const flush = () => {
    if (comm === null) return;
    const chain = [comm.replaceAll(";", ":").replaceAll(" ", "_"), ...frames.reverse()].join(";");
    stacks.set(chain, (stacks.get(chain) ?? 0) + 1);
    samples++;
    comm = null;
    frames = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    const frame = FRAME.exec(line);
    if (frame && comm !== null) {
      frames.push(frameName(frame[1] as string, frame[2] as string, frame[3] as string));
      continue;
    }
    const header = HEADER.exec(line);
    if (header) {
      flush();
      comm = header[1] as string;
    }
  }
  flush();
  return { stacks, samples };
}

/** Folded stacks as text, one chain per line, heaviest first. */
export function formatFolded(stacks: ReadonlyMap<string, number>): string {
  return [...stacks]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([chain, n]) => `${chain} ${n}`)
    .join("\n")
    .concat(stacks.size > 0 ? "\n" : "");
}

/** Folded text from a file's bytes, gzipped (`.gz`, as a run folder keeps them) or not. */
export function foldedText(bytes: Buffer): string {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
}

/** Reads folded text (ours or another tool's): `chain count` per line; malformed lines are refused with their number. */
export function parseFolded(text: string, where = "folded stacks"): Map<string, number> {
  const stacks = new Map<string, number>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const space = line.lastIndexOf(" ");
    const count = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isInteger(count) || count < 0)
      throw new Error(
        `${where}:${i + 1}: expected "frame;frame;… count", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    const chain = line.slice(0, space);
    stacks.set(chain, (stacks.get(chain) ?? 0) + count);
  });
  return stacks;
}

/** The frames of a chain, comm first; whether each is a kernel frame; names without the annotation. */
export function chainFrames(chain: string): { comm: string; frames: { name: string; kernel: boolean }[] } {
  const [comm = "", ...rest] = chain.split(";");
  return {
    comm,
    frames: rest.map((f) =>
      f.endsWith(KERNEL) ? { name: f.slice(0, -KERNEL.length), kernel: true } : { name: f, kernel: false },
    ),
  };
}
