/** One line of `routebench k8s check`: its verdict, what was seen, and the fix. */

/** warn: the run works but its figures may suffer; skip: an earlier check left nothing to look at. */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

/** One check's line in the table, and its entry in `k8s check --json`. */
export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for fail and warn. */
  fix?: string;
}

/** A passed check. */
export const pass = (id: string, title: string, detail: string): Check => ({
  id,
  title,
  status: "pass",
  detail,
});

/** A failed check, with what to do. */
export const fail = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "fail",
  detail,
  fix,
});

/** A check that could not run because an earlier one failed. */
export const skip = (id: string, title: string, detail: string): Check => ({
  id,
  title,
  status: "skip",
  detail,
});
