/**
 * Makes sure no control-plane process group outlives this process: on `exit`, and on SIGINT,
 * SIGTERM or SIGHUP, every tracked group is sent SIGKILL. Groups are tracked by their leader's pid
 * (children are spawned detached, so pgid = pid). A SIGKILL of this process itself cannot be
 * caught: then the supervisor's parent-death signal kills them (supervised-process.ts), or the next
 * run stops them from this run's pid file (sim/run/run-pid-file.ts).
 */

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

class ExitReaper {
  private readonly groups = new Set<number>();
  private installed = false;

  track(pgid: number): void {
    this.groups.add(pgid);
    this.install();
  }

  forget(pgid: number): void {
    this.groups.delete(pgid);
  }

  /** Synchronous: safe inside an `exit` handler. */
  killAll(): void {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.groups.clear();
  }

  private install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('exit', () => this.killAll());
    for (const sig of SIGNALS) {
      const onSignal = (): void => {
        this.killAll();
        // Only take over the default action (exit) when nobody else handles the signal.
        if (process.listenerCount(sig) === 1) process.exit(SIGNAL_EXIT_CODES[sig] ?? 1);
      };
      process.on(sig, onSignal);
    }
  }
}

export const reaper = new ExitReaper();
