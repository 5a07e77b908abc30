/**
 * Bounded polling for end-to-end tests: every wait has a deadline and, when it passes, fails
 * with what it was waiting for and the last thing it saw, so a red test says why.
 */

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, lastSeen: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${lastSeen}`);
    this.name = 'WaitTimeoutError';
  }
}

/** One poll's result: `done` with a value, or not yet with a description of what was seen. */
export type Poll<T> = { done: true; value: T } | { done: false; seen: string };

export const done = <T>(value: T): Poll<T> => ({ done: true, value });
export const notYet = (seen: unknown): Poll<never> => ({ done: false, seen: typeof seen === 'string' ? seen : JSON.stringify(seen) });

export async function waitFor<T>(what: string, poll: () => Poll<T> | Promise<Poll<T>>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 200;
  let seen = 'nothing yet';
  for (;;) {
    try {
      const r = await poll();
      if (r.done) return r.value;
      seen = r.seen;
    } catch (error) {
      seen = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, opts.timeoutMs, seen);
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
  }
}

/** Observe that something stays true for `holdMs`; fails as soon as it does not. */
export async function holdsFor(what: string, check: () => string | undefined | Promise<string | undefined>, holdMs: number, intervalMs = 250): Promise<void> {
  const end = Date.now() + holdMs;
  while (Date.now() < end) {
    const problem = await check();
    if (problem !== undefined) throw new Error(`${what} stopped holding: ${problem}`);
    await sleep(Math.min(intervalMs, Math.max(1, end - Date.now())));
  }
  const problem = await check();
  if (problem !== undefined) throw new Error(`${what} stopped holding: ${problem}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
