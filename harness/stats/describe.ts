/** Descriptive statistics of one point's repetitions. Pure. */
import { max, mean, median, min, sampleStandardDeviation } from "simple-statistics";

export interface Description {
  n: number;
  median: number;
  mean: number;
  /** null when n < 2. */
  stddev: number | null;
  /** Coefficient of variation (stddev / mean); null when n < 2 or the mean is 0. */
  cv: number | null;
  min: number;
  max: number;
}

/** Describes a non-empty sample. */
export function describe(values: readonly number[]): Description {
  if (values.length === 0) throw new Error("describe: empty sample");
  const data = [...values];
  const average = mean(data);
  const stddev = data.length >= 2 ? sampleStandardDeviation(data) : null;
  return {
    n: data.length,
    median: median(data),
    mean: average,
    stddev,
    cv: stddev === null || average === 0 ? null : stddev / Math.abs(average),
    min: min(data),
    max: max(data),
  };
}
