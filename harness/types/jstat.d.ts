/** jstat ships no types; harness/stats/student-t.ts is the one typed door to it. */
declare module "jstat";
