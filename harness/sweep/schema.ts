/**
 * The sweep file's schema. Everything has a default except what makes a sweep yours;
 * `resolveSweep` applies the profile so the rest of routebench sees one resolved value.
 */
import { z } from "zod";

export const MODES = ["legacy", "ebpf", "host"] as const;
export type Mode = (typeof MODES)[number];
export const PLACEMENTS = ["same-node", "cross-node"] as const;
export const PROFILES = ["quick", "standard", "full"] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * Test length and repetitions of each profile; a sweep's own `duration`/`repetitions` win.
 * standard and full repeat at least 6 times: with fewer paired blocks the exact sign-flip
 * test cannot reach p < 0.05 (its smallest p-value is 2/2^n), so nothing could be called.
 */
export const PROFILE_SETTINGS: Record<Profile, { durationSec: number; repetitions: number }> = {
  quick: { durationSec: 1, repetitions: 3 },
  standard: { durationSec: 5, repetitions: 6 },
  full: { durationSec: 20, repetitions: 8 },
};

const messageSize = z.number().int().min(1).max(1_048_576);

const rrSize = z.string().superRefine((text, ctx) => {
  const match = /^(\d+),(\d+)$/.exec(text);
  if (!match) {
    ctx.addIssue({ code: "custom", message: 'expected a request,response pair of byte counts, e.g. "1,1"' });
  } else if ([match[1], match[2]].some((n) => Number(n) < 1 || Number(n) > 1_048_576)) {
    ctx.addIssue({ code: "custom", message: "request and response sizes must be from 1 to 1048576 bytes" });
  }
});

const streamTest = z.strictObject({
  test: z.literal("TCP_STREAM"),
  /** Bytes per send() (netperf -m). */
  messageSizes: z.array(messageSize).min(1, { message: "needs at least one message size" }),
});

const rrTest = z.strictObject({
  test: z.literal("TCP_RR"),
  /** "request,response" byte counts (netperf -r). */
  sizes: z.array(rrSize).min(1, { message: "needs at least one request,response size" }).default(["1,1"]),
  /** Latency percentiles to report: netperf 2.7 measures P50, P90 and P99. */
  percentiles: z
    .array(
      z.union([z.literal(50), z.literal(90), z.literal(99)], {
        message: "netperf 2.7 reports percentiles 50, 90 and 99",
      }),
    )
    .min(1)
    .default([50, 90, 99]),
});

const labOptions = z.strictObject({
  nodes: z.number().int().min(1).max(16).default(2),
  podsPerNode: z.number().int().min(1).max(64).default(2),
  iptablesServices: z.number().int().min(0).max(5000).default(100),
});

const cpuPinning = z.strictObject({
  client: z.number().int().min(0).optional(),
  server: z.number().int().min(0).optional(),
});

export const sweepSchema = z.strictObject({
  name: z.string().min(1).default("sweep"),
  description: z.string().optional(),
  backend: z.enum(["lab"]).default("lab"),
  lab: labOptions.default({ nodes: 2, podsPerNode: 2, iptablesServices: 100 }),
  modes: z
    .array(z.enum(MODES))
    .min(1, { message: "needs at least one mode (legacy, ebpf, host)" })
    .refine((modes) => new Set(modes).size === modes.length, { message: "lists a mode twice" })
    .default(["legacy", "ebpf"]),
  placements: z
    .array(z.enum(PLACEMENTS))
    .min(1, { message: "needs at least one placement (same-node, cross-node)" })
    .refine((list) => new Set(list).size === list.length, { message: "lists a placement twice" })
    .default(["same-node", "cross-node"]),
  tests: z
    .array(
      z.discriminatedUnion("test", [streamTest, rrTest], { message: "test must be TCP_STREAM or TCP_RR" }),
    )
    .min(1, { message: "needs at least one test" }),
  profile: z.enum(PROFILES).default("standard"),
  /** Seconds per netperf test (netperf -l); default from the profile. */
  duration: z.number().int().min(1).max(3600).optional(),
  /** Repetitions of every point; default from the profile. */
  repetitions: z.number().int().min(1).max(1000).optional(),
  /** interleaved: each block runs every point and mode once in seeded random order; blocked: mode by mode. */
  order: z.enum(["interleaved", "blocked"]).default("interleaved"),
  seed: z.number().int().min(0).default(1),
  cpu: cpuPinning.default({}),
  /** Extra attempts for a failed trial. */
  retries: z.number().int().min(0).max(10).default(1),
  /** --target-ci: keep adding repetitions until each comparison's CI is within ±targetCiPct %. */
  targetCiPct: z.number().positive().max(100).optional(),
  maxRepetitions: z.number().int().min(1).max(1000).optional(),
});

export type SweepFile = z.input<typeof sweepSchema>;
export type ParsedSweep = z.output<typeof sweepSchema>;
export type SweepTest = ParsedSweep["tests"][number];

/** A sweep with the profile applied: what gets planned, run and written into results.json. */
export interface Sweep extends Omit<ParsedSweep, "duration" | "repetitions" | "maxRepetitions"> {
  durationSec: number;
  repetitions: number;
  maxRepetitions: number;
}

export interface SweepOverrides {
  profile?: Profile;
  seed?: number;
  targetCiPct?: number;
}

/**
 * Applies overrides and the profile. A profile given on the command line wins over the
 * file's duration and repetitions (that is what `--profile quick` is for).
 */
export function resolveSweep(parsed: ParsedSweep, overrides: SweepOverrides = {}): Sweep {
  const profile = overrides.profile ?? parsed.profile;
  const fromProfile = PROFILE_SETTINGS[profile];
  const cliProfile = overrides.profile !== undefined;
  const durationSec = cliProfile ? fromProfile.durationSec : (parsed.duration ?? fromProfile.durationSec);
  const repetitions = cliProfile ? fromProfile.repetitions : (parsed.repetitions ?? fromProfile.repetitions);
  const { duration: _d, repetitions: _r, maxRepetitions, ...rest } = parsed;
  return {
    ...rest,
    profile,
    seed: overrides.seed ?? parsed.seed,
    targetCiPct: overrides.targetCiPct ?? parsed.targetCiPct,
    durationSec,
    repetitions,
    maxRepetitions: Math.max(maxRepetitions ?? repetitions * 4, repetitions),
  };
}
