/**
 * The files behind "Where the time goes": each point and mode's folded stacks, merged over its
 * profiled twins from the run folder's profiles/ (for people who use their own flame-graph
 * tools), and the differential flame graph of legacy against eBPF per point. Reads the run
 * folder; write.ts writes what this returns.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { classifyChain } from "../profile/attribute.js";
import { foldedText, formatFolded, parseFolded } from "../profile/folded.js";
import type { Results } from "../results/schema.js";
import type { Point } from "../sweep/plan.js";
import { PointMap } from "../sweep/point.js";
import type { Mode } from "../vocabulary/vocabulary.js";
import { differentialFlameSvg } from "./flame-svg.js";
import { MODE_NAMES, pointName } from "./points.js";

export interface ExplainFiles {
  /** file name → folded text (benchmark busy samples only, summed over blocks). */
  folded: Map<string, string>;
  /** One differential flame graph per point with both modes profiled. */
  flames: { id: string; title: string; caption: string; svg: string }[];
  /** Profiled twins whose folded file was not found. */
  missing: string[];
}

const slug = (key: string) => key.replace(/[^\w.,-]+/g, "_");

/** One point's profiled modes: the plan's point (its id names the files) and each mode's merged busy stacks. */
interface Profiled {
  point: Point;
  stacks: Map<Mode, Map<string, number>>;
}

export function explainFiles(results: Results, runDir: string): ExplainFiles {
  const merged = new PointMap<Profiled>();
  const missing: string[] = [];
  for (const t of results.trials) {
    const file = t.state === "completed" ? t.profile?.foldedFile : undefined;
    if (!file) continue;
    const path = join(runDir, file);
    if (!existsSync(path)) {
      missing.push(file);
      continue;
    }
    const { stacks } = merged.upsert(t.point, () => ({ point: t.point, stacks: new Map() }));
    const into = stacks.get(t.mode) ?? new Map<string, number>();
    for (const [chain, n] of parseFolded(foldedText(readFileSync(path)), path))
      if (classifyChain(chain).kind === "busy") into.set(chain, (into.get(chain) ?? 0) + n);
    stacks.set(t.mode, into);
  }
  const folded = new Map<string, string>();
  for (const { point, stacks } of merged.values())
    for (const [mode, chains] of stacks)
      folded.set(`folded-${slug(point.key)}-${mode}.folded`, formatFolded(chains));
  const flames = merged.values().flatMap(({ point, stacks }) => {
    const legacy = stacks.get("legacy");
    const ebpf = stacks.get("ebpf");
    if (!legacy || !ebpf) return [];
    const title = `${pointName(point)}: ${MODE_NAMES.legacy} against ${MODE_NAMES.ebpf}`;
    return [
      {
        id: `flame-${slug(point.key)}`,
        title,
        caption: `Differential flame graph of the benchmark CPU's busy samples, ${pointName(point)}: frames as wide as their mean share in the two modes, red where legacy spends more of its time, blue where eBPF does. The folded stacks beside this report (folded-*.folded) open in flamegraph.pl, speedscope or inferno.`,
        svg: differentialFlameSvg(legacy, ebpf, { title, aLabel: "legacy", bLabel: "eBPF" }),
      },
    ];
  });
  return { folded, flames, missing };
}
