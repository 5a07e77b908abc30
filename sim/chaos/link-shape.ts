/**
 * How one node's link is shaped right now: every fault in force on the node adds to it (delays
 * add up like hops, bandwidth caps take the lowest, a stall wins), and the link's shaper follows it.
 */
import type { Direction } from './link-fault.js';

export class DirectionShape {
  stalled = false;
  delayMs = 0;
  jitterMs = 0;
  bytesPerSecond = Number.POSITIVE_INFINITY;

  /** Bytes pass untouched. */
  get neutral(): boolean {
    return !this.stalled && this.delayMs === 0 && this.jitterMs === 0 && this.bytesPerSecond === Number.POSITIVE_INFINITY;
  }
}

export class LinkShape {
  readonly in = new DirectionShape();
  readonly out = new DirectionShape();

  get neutral(): boolean {
    return this.in.neutral && this.out.neutral;
  }

  delay(direction: Direction, ms: number, jitterMs: number): void {
    for (const d of this.sides(direction)) {
      d.delayMs += ms;
      d.jitterMs += jitterMs;
    }
  }

  cap(direction: Direction, bytesPerSecond: number): void {
    for (const d of this.sides(direction)) d.bytesPerSecond = Math.min(d.bytesPerSecond, bytesPerSecond);
  }

  stall(direction: Direction): void {
    for (const d of this.sides(direction)) d.stalled = true;
  }

  private sides(direction: Direction): DirectionShape[] {
    return direction === 'in' ? [this.in] : direction === 'out' ? [this.out] : [this.in, this.out];
  }
}
