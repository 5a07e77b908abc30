/**
 * The link a dial gets while its node's network is down: it never opens, and reports its failure
 * to the node through the shard wheel — at the next tick for a refused dial, after the handshake
 * timeout for one into a partition — so the node's edgehub redial policy runs as on a real failure.
 */
import type { HubLink, HubListener } from '../edge/hub/hub-link.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../scheduler/timer-wheel.js';

export class FailedLink implements HubLink, TimerTarget {
  private timer: TimerId = NO_TIMER;
  private reported = false;

  constructor(
    private readonly listener: HubListener,
    private readonly reason: string,
    private readonly wheel: TimerWheel,
    delayMs: number,
  ) {
    this.timer = wheel.schedule(this, 0, delayMs);
  }

  get isOpen(): boolean {
    return false;
  }

  send(): boolean {
    return false;
  }

  /** Abandon the dial: it reports at the next tick, as a destroyed socket reports its close. */
  terminate(): void {
    if (!this.reported) this.wheel.reschedule(this.timer, 0);
  }

  onTimer(): void {
    if (this.reported) return;
    this.reported = true;
    this.listener.onHubClosed(this, false, this.reason);
  }
}
