/**
 * Holm's step-down adjustment: controls the chance of any false rejection in a family of
 * tests at α, whatever their dependence, and rejects at least what Bonferroni rejects. Pure.
 */

/**
 * Holm-adjusted p-values, in the input's order: reject test i at family level α when
 * adjusted[i] ≤ α. A null p (no test possible) stays null and does not count in the family.
 * reference: p = [0.01, 0.04, 0.03, 0.005] → [0.03, 0.06, 0.06, 0.02] (R: p.adjust(p, "holm"))
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const order = pValues
    .map((p, index) => ({ p, index }))
    .filter((entry): entry is { p: number; index: number } => entry.p !== null)
    .sort((a, b) => a.p - b.p);
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (order.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}
