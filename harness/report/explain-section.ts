/**
 * "Where the time goes": the report section of a run with `explain`. Per point, each mode's CPU
 * time per unit of work divided among kernel subsystems (µs per transaction, ms per GB), with
 * intervals across blocks; the difference between modes by subsystem, set against the measured
 * difference; and what sampling did to the ratio. Stacked bars are drawn here as plain SVG (no
 * script): one bar per mode and point. Pure: the flame graphs come from flame-svg.ts, fed by
 * write.ts with the run's folded stacks.
 */

import { explainRun } from "../profile/explain.js";
import type { Explain, ExplainPoint, Interval } from "../results/profile-schema.js";
import type { Results } from "../results/schema.js";
import { MODES, SUBSYSTEM_NAMES, SUBSYSTEMS, type Subsystem } from "../vocabulary/vocabulary.js";
import { type Table, text } from "./cells.js";
import { escapeHtml } from "./html.js";
import { MODE_NAMES, pointName } from "./points.js";

/** One colour per subsystem, the stacked bars' and the legend's. */
export const SUBSYSTEM_COLOURS: Record<Subsystem, string> = {
  netfilter: "#c53030",
  conntrack: "#dd6b20",
  forwarding: "#d69e2e",
  route: "#b7791f",
  neighbour: "#975a16",
  ebpf: "#2f855a",
  devices: "#2b6cb0",
  "tcp-udp": "#6b46c1",
  socket: "#805ad5",
  scheduler: "#718096",
  user: "#a0aec0",
  other: "#cbd5e0",
};

/** The run's attribution: the stored one, or computed from the trials of a file written before it was stored. */
export function runExplain(results: Results): Explain | null {
  return results.explain ?? explainRun(results.trials);
}

const digits = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

/** "3.71 [3.52–3.90]", or "3.71 (n = 1: no interval)". */
export function formatInterval(i: Interval): string {
  if (i.lower === null || i.upper === null) return `${digits(i.mean)} (n = ${i.n}, no interval)`;
  return `${digits(i.mean)} [${digits(i.lower)} – ${digits(i.upper)}]`;
}

const modeName = (mode: string) => MODE_NAMES[mode as keyof typeof MODE_NAMES] ?? mode;

function pointTable(point: ExplainPoint): Table {
  const modes = MODES.flatMap((m) => point.modes.filter((x) => x.mode === m));
  const d = point.difference;
  const columns = [
    "Subsystem",
    ...modes.map((m) => `${modeName(m.mode)} (${point.unit})`),
    ...(d ? ["legacy − eBPF"] : []),
  ];
  const rows = SUBSYSTEMS.filter((s) => modes.some((m) => (m.shares[s] ?? 0) > 0)).map((s) => [
    text(SUBSYSTEM_NAMES[s]),
    ...modes.map((m) => {
      const i = m.bySubsystem[s];
      return text(i ? `${formatInterval(i)} (${((m.shares[s] ?? 0) * 100).toFixed(1)}%)` : "–");
    }),
    ...(d ? [text(d.bySubsystem[s] ? formatInterval(d.bySubsystem[s] as Interval) : "–")] : []),
  ]);
  rows.push([
    text("total (measured, /proc/stat)"),
    ...modes.map((m) => text(formatInterval(m.measured))),
    ...(d ? [text(formatInterval(d.measured))] : []),
  ]);
  rows.push([
    text("total read from the samples alone"),
    ...modes.map((m) => text(m.sampled ? formatInterval(m.sampled) : "–")),
    ...(d ? [text(d.sampled ? formatInterval(d.sampled) : "–")] : []),
  ]);
  const foreign = modes.map((m) => `${modeName(m.mode)} ${(m.foreignShare * 100).toFixed(0)}%`).join(", ");
  return {
    id: `explain-${point.key.replaceAll("/", "-")}`,
    title: `Where the time goes: ${pointName(point)} (${point.unit}, 95% intervals over blocks; share of busy samples)`,
    columns,
    rows,
    note: `${modes.map((m) => `${modeName(m.mode)}: ${m.blocks} blocks, ${m.samples} samples`).join("; ")}. Other tasks held ${foreign} of the benchmark CPU's samples (not counted).`,
  };
}

/** "legacy spends 3.7 µs more per transaction: 1.6 netfilter, 0.9 forwarding…", and the check against the measured difference. */
export function differenceSentence(point: ExplainPoint): string | null {
  const d = point.difference;
  if (!d) return null;
  const unit = point.unit.replace(/^(µs|ms) per /, "$1 per ");
  const [amount, per] = [point.unit.split(" per ")[0], point.unit.split(" per ")[1]];
  const parts = SUBSYSTEMS.map((s) => [s, d.bySubsystem[s]?.mean ?? 0] as const)
    .filter(([, v]) => Math.abs(v) >= Math.abs(d.measured.mean) * 0.05 && Math.abs(v) > 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([s, v]) => `${v >= 0 ? "" : "−"}${digits(Math.abs(v))} ${SUBSYSTEM_NAMES[s]}`);
  const more = d.measured.mean >= 0 ? "more" : "less";
  const head = `${pointName(point)}: legacy spends ${digits(Math.abs(d.measured.mean))} ${amount} ${more} per ${per} than eBPF (${formatInterval(d.measured)} ${unit})${parts.length ? `: ${parts.join(", ")}` : ""}.`;
  const sum = `The attributed differences add up to ${digits(d.attributedSum)} by construction (shares sum to one).${
    d.pairing === "unpaired"
      ? " No block held both modes (the run's design switches modes rarely), so each mode's blocks are compared unpaired, with Welch's interval: a drift between the modes' blocks is not separated from the mode."
      : ""
  }`;
  const check = !d.sampled
    ? "No independent check: the profiled twins gave no rate."
    : d.sampledWithinMeasured === null
      ? `Read from the samples alone the difference is ${formatInterval(d.sampled)}; the measured difference has no interval to judge it by.`
      : d.sampledWithinMeasured
        ? `Read from the samples alone the difference is ${formatInterval(d.sampled)}: within the measured difference's interval.`
        : `Read from the samples alone the difference is ${formatInterval(d.sampled)}: outside the measured difference's interval by ${digits(Math.abs(d.missBy ?? 0))} ${amount} per ${per}.`;
  return `${head} ${sum} ${check}`;
}

/** Above this share of the benchmark CPU's samples held by other tasks, the measured CPU per unit is mostly theirs. */
export const FOREIGN_SHARE_CAVEAT = 0.1;

/** Other tasks on the benchmark CPU: /proc/stat's busy time counts theirs too, the benchmark's own samples do not. */
export function foreignSentence(point: ExplainPoint): string | null {
  const busy = point.modes.filter((m) => m.foreignShare > FOREIGN_SHARE_CAVEAT);
  if (busy.length === 0) return null;
  const own = point.modes
    .map((m) => `${modeName(m.mode)} ${m.sampled ? formatInterval(m.sampled) : "–"}`)
    .join(", ");
  return `${pointName(point)}: other tasks held ${busy.map((m) => `${(m.foreignShare * 100).toFixed(0)}% (${modeName(m.mode)})`).join(", ")} of the benchmark CPU's samples. The measured CPU time per unit counts their time too, so the figures by subsystem overstate the benchmark's own cost in proportion (the shares stand); read from the benchmark's own samples it is ${own} ${point.unit}. Run on a quieter machine for figures that add up.`;
}

function samplingSentence(point: ExplainPoint): string | null {
  const s = point.sampling;
  if (!s) return null;
  const blocks = point.difference?.pairing === "unpaired" ? "each mode's blocks, unpaired" : "same blocks";
  return `${pointName(point)}: eBPF/legacy ${s.metric} ${formatInterval(s.unsampled)} in the measured trials, ${formatInterval(s.sampled)} in their profiled twins (${blocks}).`;
}

export interface ExplainSection {
  tables: Table[];
  /** Sentences: each point's difference and its check, then sampling's effect. */
  findings: string[];
  method: string;
  /** One stacked bar per point and mode. */
  bars: { point: string; mode: string; unit: string; parts: { subsystem: Subsystem; value: number }[] }[];
}

export function explainSection(results: Results): ExplainSection | null {
  const explain = runExplain(results);
  if (!explain || explain.points.length === 0) return null;
  return {
    tables: explain.points.map(pointTable),
    findings: [
      ...explain.points.flatMap((p) => differenceSentence(p) ?? []),
      ...explain.points.flatMap((p) => foreignSentence(p) ?? []),
      ...explain.points.flatMap((p) => samplingSentence(p) ?? []),
    ],
    method: explain.method,
    bars: explain.points.flatMap((p) =>
      MODES.flatMap((m) => p.modes.filter((x) => x.mode === m)).map((m) => ({
        point: pointName(p),
        mode: modeName(m.mode),
        unit: p.unit,
        parts: SUBSYSTEMS.map((s) => ({ subsystem: s, value: m.bySubsystem[s]?.mean ?? 0 })).filter(
          (x) => x.value > 0,
        ),
      })),
    ),
  };
}

/** The stacked bars as one SVG: a row per point and mode, scaled per unit (points with different units get their own scale). */
export function stackedBarsSvg(section: ExplainSection): string {
  const rowHeight = 22;
  const labelWidth = 300;
  const barWidth = 560;
  const legendHeight = 20 * Math.ceil(SUBSYSTEMS.length / 4) + 10;
  const maxByUnit = new Map<string, number>();
  for (const b of section.bars) {
    const total = b.parts.reduce((a, p) => a + p.value, 0);
    maxByUnit.set(b.unit, Math.max(maxByUnit.get(b.unit) ?? 0, total));
  }
  const height = legendHeight + section.bars.length * rowHeight + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 200}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
  ];
  SUBSYSTEMS.forEach((s, i) => {
    const x = (i % 4) * 220;
    const y = Math.floor(i / 4) * 20 + 4;
    out.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${SUBSYSTEM_COLOURS[s]}"/><text x="${x + 16}" y="${y + 10}">${escapeHtml(SUBSYSTEM_NAMES[s])}</text>`,
    );
  });
  section.bars.forEach((b, row) => {
    const y = legendHeight + row * rowHeight;
    const total = b.parts.reduce((a, p) => a + p.value, 0);
    const scale = barWidth / (maxByUnit.get(b.unit) || 1);
    out.push(`<text x="0" y="${y + 14}">${escapeHtml(`${b.point}, ${b.mode}`)}</text>`);
    let x = labelWidth;
    for (const p of b.parts) {
      const w = p.value * scale;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${SUBSYSTEM_COLOURS[p.subsystem]}"><title>${escapeHtml(`${SUBSYSTEM_NAMES[p.subsystem]}: ${digits(p.value)} ${b.unit}`)}</title></rect>`,
      );
      x += w;
    }
    out.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 14}">${digits(total)} ${escapeHtml(b.unit)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
