/**
 * Where the lab's state file lives, apart from its schema (state.ts) so that the lab lock, and
 * through it every command's error handling, can name the folder without loading zod.
 */
export const LAB_STATE_FILE = process.env.ROUTEBENCH_LAB_STATE ?? "/run/routebench/lab.json";
