/**
 * What every stage of a run reads and the signal handler, the fleet and the workload change: why
 * the run is ending (interrupted, failed, stalled, steady long enough), whether it is tearing
 * down, and the one wake-up of the wait for its end.
 */
import type { RunSummary } from '../model/run-summary.js';

export class RunState {
  /** SIGINT or SIGTERM arrived. */
  interrupted = false;
  /** The first failure; the run ends at it. */
  error: RunSummary['error'] = null;
  /** No node became Ready for the whole stall window while nodes were pending. */
  stalled = false;
  /** The caller's steady time (`RunHooks.steadyMs`) has passed since the fleet was all Ready. */
  steadyDone = false;
  /** The teardown has begun: a shard exiting now is being stopped, not failing. */
  tearingDown = false;
  private wakeUp: (() => void) | undefined;

  /** The run should end now, for any reason. */
  get ending(): boolean {
    return this.interrupted || this.error !== null || this.stalled || this.steadyDone;
  }

  /** End the wait, when it has begun (a reason set before it began is seen when it begins). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Wait until something wakes the run, it has a reason to end, or `deadlineMs` (wall clock) has
   * passed; null: no deadline (a scenario ends when its timeline does).
   */
  waitForEnd(deadlineMs: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (deadlineMs !== null) {
        const t = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
        t.unref?.();
      }
      if (this.ending) resolve();
    });
  }

  /** Stop on SIGINT/SIGTERM (the summary is still written); returns how to stop listening. */
  listenForSignals(): () => void {
    const onSignal = (): void => {
      this.interrupted = true;
      this.wake();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
}
