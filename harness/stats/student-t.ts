/**
 * Student's t distribution, the one both the within-run comparison (per-pair log ratios) and
 * the release gate (Welch on log values) use for small samples. A thin typed wrapper over
 * jStat, which has no dependencies and no types of its own.
 */
import jstatModule from "jstat";

interface StudentT {
  cdf(x: number, df: number): number;
  inv(p: number, df: number): number;
}
const { studentt } = (jstatModule as unknown as { jStat: { studentt: StudentT } }).jStat;

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as in Welch). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: degrees of freedom must be > 0, got ${df}`);
  return studentt.cdf(t, df);
}

/** The t with P(T ≤ t) = p. */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTQuantile: degrees of freedom must be > 0, got ${df}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  return studentt.inv(p, df);
}
