/** Calls to the API server: throttling (429) honoured within bounds, failures turned into errors a user can act on. */
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_THROTTLE_RETRIES, throttleDelayMs, translateApiError } from "./api-errors.js";

/**
 * Runs `call`; a 429 is retried after the server's Retry-After (capped at RETRY_AFTER_CAP_MS),
 * at most MAX_THROTTLE_RETRIES times; anything else, or a 429 too many, becomes an error naming `action`.
 */
export async function api<T>(
  action: string,
  call: () => Promise<T>,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = attempt < MAX_THROTTLE_RETRIES ? throttleDelayMs(error, attempt) : null;
      if (delay === null) throw translateApiError(error, action);
      await wait(delay);
    }
  }
}
