/**
 * Student's t distribution, the one both the within-run comparison (per-pair log ratios) and
 * the release gate (Welch on log values) use for small samples, and Fisher's F, which the
 * agreement of runs (stats/between-runs.ts, Welch's one-way test) uses. A thin typed wrapper
 * over jStat, which has no dependencies and no types of its own.
 */
import jstatModule from "jstat";

interface StudentT {
  cdf(x: number, df: number): number;
  inv(p: number, df: number): number;
}
interface FisherF {
  cdf(x: number, df1: number, df2: number): number;
}
const { studentt, centralF } = (
  jstatModule as unknown as { jStat: { studentt: StudentT; centralF: FisherF } }
).jStat;

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

/** P(F ≤ x) for Fisher's F with `df1` and `df2` degrees of freedom (either may be fractional). */
export function fisherFCdf(x: number, df1: number, df2: number): number {
  if (!(df1 > 0 && df2 > 0))
    throw new RangeError(`fisherFCdf: degrees of freedom must be > 0, got ${df1} and ${df2}`);
  return x <= 0 ? 0 : centralF.cdf(x, df1, df2);
}
