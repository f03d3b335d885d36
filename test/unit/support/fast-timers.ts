/**
 * `node:timers/promises` with every wait capped at 5 ms, for tests of code that polls with
 * backoff (the Kubernetes backend waits 250 ms doubling to 5 s between looks): against an
 * in-process API server that answers at once, those waits are all a test would measure. The
 * polls still go through the event loop, deadlines stay on the real clock, and plain
 * setTimeout (the fake API server's own delays) is untouched. Use in a test file as
 *   vi.mock("node:timers/promises", () => import("../support/fast-timers.js"));
 * A test that waits for a deadline to pass (a rollout timeout) also fakes Date
 * (`vi.useFakeTimers({ toFake: ["Date"] })`): each wait then moves the clock on by the whole
 * delay asked for, so the deadline passes after as many looks as it would in real time.
 */
import type { TimerOptions } from "node:timers";
import { vi } from "vitest";

const real = await vi.importActual<typeof import("node:timers/promises")>("node:timers/promises");

export const { setImmediate, setInterval, scheduler } = real;

export function setTimeout<T = void>(delay?: number, value?: T, options?: TimerOptions): Promise<T> {
  if (vi.isFakeTimers()) vi.setSystemTime(Date.now() + (delay ?? 0));
  return real.setTimeout(Math.min(delay ?? 0, 5), value, options);
}

export default { ...real, setTimeout };
