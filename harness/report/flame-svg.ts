/**
 * A differential flame graph as one self-contained SVG (no script: hover titles only), in the
 * spirit of Brendan Gregg's difffolded.pl + flamegraph.pl: the merged call tree of two
 * profiles, each frame as wide as its mean share of the two profiles' busy samples, coloured
 * by the difference of its shares (red: more of `a`'s time, blue: more of `b`'s). Root at the
 * bottom. Frames narrower than `minShare` are dropped to keep the file small. Pure.
 *
 * No npm library fits: the flame-graph packages render in a browser with d3 and script, and
 * the report is a static page.
 */
import { escapeHtml } from "./html.js";

interface Node {
  name: string;
  a: number;
  b: number;
  children: Map<string, Node>;
}

function addChains(root: Node, stacks: ReadonlyMap<string, number>, side: "a" | "b", total: number): void {
  if (total <= 0) return;
  for (const [chain, n] of stacks) {
    const share = n / total;
    root[side] += share;
    let node = root;
    for (const frame of chain.split(";")) {
      let child = node.children.get(frame);
      if (!child) {
        child = { name: frame, a: 0, b: 0, children: new Map() };
        node.children.set(frame, child);
      }
      child[side] += share;
      node = child;
    }
  }
}

/** Red for more of a's share, blue for more of b's, white when equal; saturated at ±`full`. */
function colour(diff: number, full: number): string {
  const t = Math.max(-1, Math.min(1, diff / full));
  const fade = (v: number) => Math.round(255 - 175 * Math.abs(v));
  return t >= 0 ? `rgb(255,${fade(t)},${fade(t)})` : `rgb(${fade(t)},${fade(t)},255)`;
}

export interface FlameOptions {
  title: string;
  aLabel: string;
  bLabel: string;
  width?: number;
  minShare?: number;
}

export function differentialFlameSvg(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  options: FlameOptions,
): string {
  const width = options.width ?? 1100;
  const minShare = options.minShare ?? 0.002;
  const frameHeight = 16;
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const root: Node = { name: "all", a: 0, b: 0, children: new Map() };
  addChains(root, a, "a", total(a));
  addChains(root, b, "b", total(b));
  const rects: { x: number; depth: number; w: number; node: Node }[] = [];
  let maxDepth = 0;
  const walk = (node: Node, x: number, depth: number) => {
    const w = ((node.a + node.b) / 2) * width;
    rects.push({ x, depth, w, node });
    maxDepth = Math.max(maxDepth, depth);
    let cx = x;
    const children = [...node.children.values()].sort((p, q) => (p.name < q.name ? -1 : 1));
    for (const child of children) {
      if ((child.a + child.b) / 2 < minShare) {
        cx += ((child.a + child.b) / 2) * width;
        continue;
      }
      walk(child, cx, depth + 1);
      cx += ((child.a + child.b) / 2) * width;
    }
  };
  walk(root, 0, 0);
  const top = 40;
  const height = top + (maxDepth + 1) * frameHeight + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, monospace" font-size="10">`,
    `<text x="0" y="14" font-size="12" font-family="DejaVu Sans, sans-serif">${escapeHtml(options.title)}</text>`,
    `<text x="0" y="30" font-size="10" font-family="DejaVu Sans, sans-serif">width: mean share of the two profiles' busy samples; red: more in ${escapeHtml(options.aLabel)}, blue: more in ${escapeHtml(options.bLabel)}; hover for figures</text>`,
  ];
  for (const r of rects) {
    const y = height - 10 - (r.depth + 1) * frameHeight;
    const diff = r.node.a - r.node.b;
    const name = r.node.name.replace(/_\[k\]$/, "");
    const label = `${name}: ${options.aLabel} ${(r.node.a * 100).toFixed(2)}%, ${options.bLabel} ${(r.node.b * 100).toFixed(2)}% (${diff >= 0 ? "+" : ""}${(diff * 100).toFixed(2)} points)`;
    const chars = Math.floor((r.w - 4) / 6);
    const shown = chars >= 3 ? (name.length > chars ? `${name.slice(0, chars - 1)}…` : name) : "";
    out.push(
      `<g><title>${escapeHtml(label)}</title><rect x="${r.x.toFixed(2)}" y="${y}" width="${Math.max(0.5, r.w - 0.5).toFixed(2)}" height="${frameHeight - 1}" fill="${colour(diff, 0.02)}" stroke="#e2e8f0" stroke-width="0.3"/>${shown ? `<text x="${(r.x + 2).toFixed(2)}" y="${y + 11}">${escapeHtml(shown)}</text>` : ""}</g>`,
    );
  }
  out.push("</svg>");
  return out.join("\n");
}
