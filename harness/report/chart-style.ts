/**
 * How every report chart looks, whatever it shows: the vega-lite schema, fonts, the mode and
 * placement palettes, the message-size axis, and a chart's frame. Pure data.
 */
import type { TopLevelSpec } from "vega-lite";
import { PLACEMENTS } from "../vocabulary/vocabulary.js";

/** A chart: its id (file name chart-<id>.svg), title, caption and vega-lite spec. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const MODE_PALETTE: Record<string, string> = {
  legacy: "#d9822b",
  ebpf: "#2b6cb0",
  host: "#718096",
  direct: "#6b46c1",
};

/** Colours for the modes present, in a fixed order, so legends list no mode the run lacks. */
export function modeColors(modes: Iterable<string>) {
  const present = new Set(modes);
  const domain = Object.keys(MODE_PALETTE).filter((m) => present.has(m));
  return { domain, range: domain.map((m) => MODE_PALETTE[m] as string) };
}
export const PLACEMENT_COLORS = { domain: [...PLACEMENTS], range: ["#2b6cb0", "#2f855a"] };
export const FONT = "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif";

export const CONFIG = {
  font: FONT,
  view: { stroke: "#cbd5e0" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#edf2f7" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const },
};

/** The message-size axis: log scale, ticks at the sizes measured. */
export function sizeAxis(sizes: number[]) {
  return {
    field: "size",
    type: "quantitative" as const,
    scale: { type: "log" as const, base: 2 },
    title: "message size (bytes, log scale)",
    axis: { values: [...new Set(sizes)] },
  };
}

/** Colour by routing mode, legend listing the modes present. */
export function modeColor(modes: Iterable<string>) {
  return { field: "mode", type: "nominal" as const, scale: modeColors(modes), title: "host routing" };
}

/** The vega-lite schema the specs are written against (the version `render.ts` compiles with). */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** What every top-level spec shares: schema, title, white background, the report's look. */
export function frame(title: string) {
  return { $schema: VEGA_LITE_SCHEMA, title, background: "white", config: CONFIG } as const;
}

/** A single-view chart's frame with its size (keys in the order of the committed specs). */
export function base(title: string, width = 560, height = 300) {
  const { $schema, background, config } = frame(title);
  return { $schema, title, width, height, background, config } as const;
}
