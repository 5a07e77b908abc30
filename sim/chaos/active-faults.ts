/**
 * The shard side of each link fault in force: small strategies behind one interface. Each says
 * how it shapes a member's link and whether it holds the member down right now; the engine
 * combines every fault on a node. Members are referred to by position j in the fault's member
 * list (global node indices, ascending).
 */
import type { TimerTarget, TimerWheel } from '../scheduler/timer-wheel.js';
import { NO_TIMER, type TimerId } from '../scheduler/timer-wheel.js';
import type { FaultCounts } from './chaos-counters.js';
import { FlapSchedule } from './flap-schedule.js';
import type { DialFailure, FlapFaultSpec, LinkFaultSpec, SingleFaultSpec } from './link-fault.js';
import type { LinkShape } from './link-shape.js';

/** A member held down: how its dials fail, and whether its live link is reset (or left stalled). */
export interface DownState {
  readonly dial: DialFailure;
  readonly resetLink: boolean;
}

export interface ActiveFault {
  readonly id: string;
  readonly counts: FaultCounts;
  /** Add this fault's shaping of member j's link. */
  shape(shape: LinkShape, j: number): void;
  /** Whether this fault holds member j down right now. */
  down(j: number): DownState | undefined;
  start(): void;
  /** End: after this, `down` answers undefined for every member. */
  stop(): void;
}

/** What a fault needs of the engine. */
export interface FaultHost {
  readonly wheel: TimerWheel;
  /** Member j of `fault` changed state on its own (a flap cycle): recompute its node. */
  changed(fault: ActiveFault, j: number): void;
  /** Count a flap transition shard-wide. */
  flapped(down: boolean): void;
}

abstract class ShapingFault implements ActiveFault {
  constructor(
    readonly id: string,
    readonly counts: FaultCounts,
  ) {}
  abstract shape(shape: LinkShape, j: number): void;
  down(): DownState | undefined {
    return undefined;
  }
  start(): void {}
  stop(): void {}
}

class DelayFault extends ShapingFault {
  constructor(id: string, counts: FaultCounts, private readonly spec: Extract<SingleFaultSpec, { kind: 'delay' }>) {
    super(id, counts);
  }
  shape(shape: LinkShape): void {
    shape.delay(this.spec.direction, this.spec.ms, this.spec.jitterMs);
  }
}

class BandwidthFault extends ShapingFault {
  constructor(id: string, counts: FaultCounts, private readonly spec: Extract<SingleFaultSpec, { kind: 'bandwidth' }>) {
    super(id, counts);
  }
  shape(shape: LinkShape): void {
    shape.cap(this.spec.direction, this.spec.bytesPerSecond);
  }
}

class StallFault extends ShapingFault {
  constructor(id: string, counts: FaultCounts, private readonly spec: Extract<SingleFaultSpec, { kind: 'stall' }>) {
    super(id, counts);
  }
  shape(shape: LinkShape): void {
    shape.stall(this.spec.direction);
  }
}

/** Every member down for as long as the fault lasts. */
class DownFault implements ActiveFault {
  private readonly state: DownState;
  private active = false;

  constructor(
    readonly id: string,
    readonly counts: FaultCounts,
    spec: Extract<SingleFaultSpec, { kind: 'down' }>,
    private readonly members: number,
  ) {
    this.state = { dial: spec.dial, resetLink: spec.link === 'reset' };
  }

  shape(shape: LinkShape): void {
    if (this.active && !this.state.resetLink) shape.stall('both');
  }

  down(): DownState | undefined {
    return this.active ? this.state : undefined;
  }

  start(): void {
    this.active = true;
    this.counts.downs += this.members;
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.counts.ups += this.members;
  }
}

/** Members cycle down and up on a FlapSchedule; one wheel entry per fault, at the next instant some member changes. */
class FlapFault implements ActiveFault, TimerTarget {
  private readonly schedule: FlapSchedule;
  private readonly isDown: Uint8Array;
  private readonly state: DownState;
  private timer: TimerId = NO_TIMER;
  private startedAt = 0;
  private swept = 0;
  private elapsed = 0;
  private readonly visit = (j: number): void => this.update(j, this.elapsed);

  constructor(
    readonly id: string,
    readonly counts: FaultCounts,
    spec: FlapFaultSpec,
    members: readonly number[],
    private readonly host: FaultHost,
  ) {
    this.schedule = new FlapSchedule(spec, members);
    this.isDown = new Uint8Array(members.length);
    this.state = { dial: spec.dial, resetLink: true };
  }

  shape(): void {}

  down(j: number): DownState | undefined {
    return this.isDown[j] === 1 ? this.state : undefined;
  }

  start(): void {
    this.startedAt = this.host.wheel.now();
    this.swept = 0;
    for (let j = 0; j < this.isDown.length; j++) this.update(j, 0);
    this.arm();
  }

  onTimer(_kind: number, nowMs: number): void {
    this.timer = NO_TIMER;
    this.elapsed = nowMs - this.startedAt;
    this.schedule.forEachChange(this.swept, this.elapsed, this.visit);
    this.swept = this.elapsed;
    this.arm();
  }

  stop(): void {
    if (this.timer !== NO_TIMER) this.host.wheel.cancel(this.timer);
    this.timer = NO_TIMER;
    for (let j = 0; j < this.isDown.length; j++) {
      if (this.isDown[j] === 1) {
        this.isDown[j] = 0;
        this.counts.ups++;
        this.host.flapped(false);
      }
    }
  }

  private arm(): void {
    const next = this.schedule.nextChangeAfter(this.swept);
    if (next !== Number.POSITIVE_INFINITY) this.timer = this.host.wheel.scheduleAt(this, 0, this.startedAt + next);
  }

  private update(j: number, elapsed: number): void {
    const down = this.schedule.isDown(j, elapsed) ? 1 : 0;
    if (down === this.isDown[j]) return;
    this.isDown[j] = down;
    if (down === 1) this.counts.downs++;
    else this.counts.ups++;
    this.host.flapped(down === 1);
    this.host.changed(this, j);
  }
}

/** Several faults under one id: shapes add up, the first that holds a member down decides how. */
class CombinedFault implements ActiveFault {
  constructor(
    readonly id: string,
    readonly counts: FaultCounts,
    private readonly parts: ActiveFault[],
  ) {}

  shape(shape: LinkShape, j: number): void {
    for (const p of this.parts) p.shape(shape, j);
  }

  down(j: number): DownState | undefined {
    for (const p of this.parts) {
      const d = p.down(j);
      if (d) return d;
    }
    return undefined;
  }

  start(): void {
    for (const p of this.parts) p.start();
  }

  stop(): void {
    for (const p of this.parts) p.stop();
  }
}

/** The strategy for a spec in force (not for the one-shot reset and slow close, which the engine runs once). */
export function activeFault(id: string, spec: LinkFaultSpec, members: readonly number[], counts: FaultCounts, host: FaultHost): ActiveFault {
  switch (spec.kind) {
    case 'delay':
      return new DelayFault(id, counts, spec);
    case 'bandwidth':
      return new BandwidthFault(id, counts, spec);
    case 'stall':
      return new StallFault(id, counts, spec);
    case 'down':
      return new DownFault(id, counts, spec, members.length);
    case 'flap':
      return new FlapFault(id, counts, spec, members, host);
    case 'combined': {
      const combined: ActiveFault = new CombinedFault(
        id,
        counts,
        spec.faults.map((part) =>
          activeFault(id, part, members, counts, { wheel: host.wheel, flapped: (down) => host.flapped(down), changed: (_f, j) => host.changed(combined, j) }),
        ),
      );
      return combined;
    }
    case 'reset':
    case 'slow-close':
      throw new RangeError(`${spec.kind} acts once; it is not a fault in force`);
  }
}
