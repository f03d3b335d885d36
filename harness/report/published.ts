/**
 * Published figures to set beside ours (a copy of shared/reference/published.json, kept in
 * the package so reports render anywhere). Labelled with source and setup so nobody mistakes
 * them for measurements of this run.
 */
import type { NetperfTest, Placement } from "../vocabulary/vocabulary.js";
import published from "./published.json" with { type: "json" };

export interface PublishedFigure {
  placement: Placement;
  test: NetperfTest;
  metric: string;
  mode: string;
  value: number;
  streams?: number;
  approx?: boolean;
}

export interface PublishedSource {
  id: string;
  title: string;
  setup: string;
  seedFile?: string;
  figures: PublishedFigure[];
}

export function loadPublished(): PublishedSource[] {
  // imported, so tsc copies it into dist/: the built CLI does not read the source tree
  return (published as { sources: PublishedSource[] }).sources;
}

/** A short label for charts; the full title and setup go in captions and tables. */
export function shortSourceLabel(source: PublishedSource): string {
  if (source.id.startsWith("azure")) return "Azure blog 2025 (AKS)";
  if (source.id.startsWith("cilium")) return "Cilium docs 2021 (100 GbE)";
  return source.id;
}
