/**
 * Arrival models for API calls. `constant-arrival-rate` is k6's open model: iteration i starts at
 * t0 + i/rate whether or not earlier ones finished, at most `concurrency` in flight, and an
 * iteration due while the bound is hit is dropped and counted — never silently delayed, since a
 * delayed arrival hides exactly the slowness the run is there to measure. `paced` is the closed
 * variant for set-up work that must not be skipped: the same schedule, but a due iteration waits
 * for a free slot. One timer for the whole run, re-armed for the next due iteration.
 */

export type ArrivalModel = 'constant-arrival-rate' | 'paced';

export interface ArrivalPlan {
  iterations: number;
  ratePerSecond: number;
  /** Most iterations in flight at once (k6's preAllocatedVUs/maxVUs). */
  concurrency: number;
  model: ArrivalModel;
}

export interface ArrivalResult {
  model: ArrivalModel;
  iterations: number;
  started: number;
  completed: number;
  failed: number;
  /** Iterations that were due while `concurrency` were in flight (constant-arrival-rate only). */
  dropped: number;
  /** Indices of the dropped iterations, in order. */
  droppedIndices: number[];
  /** Iterations never started because the run was aborted. */
  cancelled: number;
  maxInFlight: number;
  /** First iteration start to last completion. */
  durationMs: number;
}

export interface ArrivalOptions {
  signal?: AbortSignal;
  /** Called with each failed iteration's error; failures are counted either way. */
  onError?: (index: number, error: unknown) => void;
}

export function runArrivals(plan: ArrivalPlan, task: (index: number) => Promise<void>, opts: ArrivalOptions = {}): Promise<ArrivalResult> {
  if (!(plan.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0 (got ${plan.ratePerSecond})`);
  if (!(plan.concurrency >= 1)) throw new RangeError(`concurrency must be ≥ 1 (got ${plan.concurrency})`);
  const result: ArrivalResult = {
    model: plan.model,
    iterations: plan.iterations,
    started: 0,
    completed: 0,
    failed: 0,
    dropped: 0,
    droppedIndices: [],
    cancelled: 0,
    maxInFlight: 0,
    durationMs: 0,
  };
  if (plan.iterations <= 0) return Promise.resolve(result);
  const intervalMs = 1000 / plan.ratePerSecond;
  const t0 = Date.now();
  let next = 0;
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  return new Promise<ArrivalResult>((resolve) => {
    const maybeFinish = (): void => {
      if (finished || inFlight > 0 || next < plan.iterations) return;
      finished = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      result.durationMs = Date.now() - t0;
      resolve(result);
    };
    const onAbort = (): void => {
      result.cancelled += plan.iterations - next;
      next = plan.iterations;
      maybeFinish();
    };
    const launch = (i: number): void => {
      inFlight += 1;
      result.started += 1;
      if (inFlight > result.maxInFlight) result.maxInFlight = inFlight;
      let p: Promise<void>;
      try {
        p = task(i);
      } catch (error) {
        p = Promise.reject(error);
      }
      p.then(
        () => {
          result.completed += 1;
        },
        (error: unknown) => {
          result.failed += 1;
          opts.onError?.(i, error);
        },
      ).finally(() => {
        inFlight -= 1;
        // A paced run that was waiting for a slot can go on now.
        if (plan.model === 'paced') tick();
        maybeFinish();
      });
    };
    const tick = (): void => {
      if (finished) return;
      const due = Math.min(plan.iterations, Math.floor((Date.now() - t0) / intervalMs) + 1);
      while (next < due) {
        if (inFlight >= plan.concurrency) {
          if (plan.model === 'paced') break;
          result.dropped += 1;
          result.droppedIndices.push(next);
          next += 1;
          continue;
        }
        launch(next);
        next += 1;
      }
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (next < plan.iterations && !(plan.model === 'paced' && next < due)) {
        timer = setTimeout(tick, Math.max(0, t0 + next * intervalMs - Date.now()));
      }
      maybeFinish();
    };
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}
