/** Report formats, kept apart from the renderers so parsing `--format` loads no charting code. */
import { UsageError } from "../util/errors.js";

export const REPORT_FORMATS = ["html", "md", "svg", "png", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function parseFormats(text: string): ReportFormat[] {
  const formats = text
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of formats) {
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new UsageError(
        `unknown report format ${JSON.stringify(f)}; use a comma-separated list of ${REPORT_FORMATS.join(", ")}`,
      );
    }
  }
  return formats as ReportFormat[];
}
