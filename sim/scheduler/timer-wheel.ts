/**
 * The one scheduler of a shard: a hashed timer wheel that drives every virtual node's
 * keepalives, leases, status reports, pod start delays and reconnect sleeps from a single
 * real `setTimeout`, so a shard of 50k nodes holds no per-node timer and allocates nothing
 * per schedule.
 *
 * Timers live in a slab of parallel typed arrays; a TimerId is the slab index plus a
 * generation, so a stale id (fired, cancelled, reused slot) is recognised and ignored.
 * Each slot of the wheel is a doubly linked list in schedule order; an entry whose due tick
 * lies rounds ahead stays in its slot and is skipped until its round comes, which is what
 * lets delays of hours share a wheel of ~41 s.
 *
 * Periodic work is re-armed by the target itself inside `onTimer` (one-shot timers only):
 * `schedule(this, kind, periodMs)` keeps edgecore's "period after the last run" rhythm and,
 * after a blocked loop, fires a late timer once rather than once per missed period.
 */

/** Something that timers fire on. One object (a virtual node) usually owns several kinds. */
export interface TimerTarget {
  onTimer(kind: number, nowMs: number): void;
}

/** Handle of one scheduled timer. Never 0, so 0 (`NO_TIMER`) can mean "none". */
export type TimerId = number & { readonly __timerId: unique symbol };

export const NO_TIMER = 0 as TimerId;

export interface TimerWheelOptions {
  /** Resolution in ms; a timer fires in the first tick at or after its due time. Default 10. */
  tickMs?: number;
  /**
   * Grid of `scheduleLoose` timers, a multiple of tickMs (default tickMs: loose = exact). Periodic
   * work that tolerates this much slack lands on shared ticks, so thousands of targets cost one
   * wake-up per grid step instead of one per tick.
   */
  coalesceMs?: number;
  /** Slots in the wheel, a power of two ≥ 32. One round = slots × tickMs. Default 4096. */
  slots?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
  /**
   * No real timer: time moves only by `advance(ms)` (virtual time, starting at the injected
   * clock's value, or 0) or by calling `runDue()` after moving an injected clock.
   */
  manual?: boolean;
  /** Let the process exit while timers are pending. Default true (the shard's sockets keep it alive). */
  unref?: boolean;
  /** Slab entries allocated up front; the slab doubles when full. Default 1024. */
  initialCapacity?: number;
  /**
   * Called with an error thrown by a target's `onTimer`. The wheel counts it and keeps firing
   * the rest of the batch; without this handler the first such error is rethrown once the
   * batch is done.
   */
  onError?: (error: unknown, kind: number) => void;
}

export interface TimerWheelStats {
  /** Timers scheduled and not yet fired or cancelled. */
  readonly pending: number;
  /** Timers fired since creation. */
  readonly fired: number;
  /** Errors thrown by targets since creation. */
  readonly errors: number;
  /** How late (ms) the last batch ran, measured from the start of its earliest due tick: event-loop saturation shows here. */
  readonly lagMs: number;
  /** Slab capacity (entries). */
  readonly capacity: number;
}

const FREE = 0;
const LIVE = 1;
const FIRING = 2;

const NIL = -1;
/** Slab index bits of a TimerId; the rest is the generation. */
const INDEX_SPACE = 2 ** 24;
/** Generations wrap below 2^28 so that an id stays a safe integer. */
const GEN_SPACE = 2 ** 28;

/**
 * Delay from `nowMs` to the first instant `anchorMs + k·periodMs` (k an integer) strictly
 * after `nowMs`. With the anchor at a node's connect time this is edgecore's rhythm: the
 * first run one period after connecting, and phase kept across a shard restart.
 */
export function nextPhaseDelay(periodMs: number, anchorMs: number, nowMs: number): number {
  if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new RangeError(`period must be a positive finite number of ms, got ${periodMs}`);
  const since = nowMs - anchorMs;
  const rem = ((since % periodMs) + periodMs) % periodMs;
  return periodMs - rem;
}

/**
 * A deterministic phase in [0, periodMs) for the `seed`-th member of a group (golden-ratio
 * sequence: any n consecutive seeds are spread almost evenly over the period). For nodes
 * that connect in the same tick, e.g. a ramp that is instant or a loopback cloud; add it to
 * the anchor. It shifts only the first fire; every later period stays exact.
 */
export function phaseOffset(seed: number, periodMs: number): number {
  const frac = (seed * 0.6180339887498949) % 1;
  return Math.floor((frac < 0 ? frac + 1 : frac) * periodMs);
}

export class TimerWheel {
  readonly tickMs: number;
  readonly slots: number;
  readonly coalesceMs: number;

  private readonly clock: () => number;
  private readonly manual: boolean;
  private readonly unref: boolean;
  private readonly onError: ((error: unknown, kind: number) => void) | undefined;
  /** Clock value of tick 0. */
  private readonly originMs: number;
  /** Added to the clock: moved by `advance`. */
  private skewMs = 0;

  // Slab (struct of arrays), indexed by entry.
  private cap: number;
  private targets: (TimerTarget | null)[];
  private kinds: Int32Array;
  private dueTick: Float64Array;
  private dueMs: Float64Array;
  private next: Int32Array;
  private prev: Int32Array;
  private gen: Uint32Array;
  private state: Uint8Array;
  private freeHead = NIL;
  /** Entries below this index have been handed out at least once. */
  private highWater = 0;

  // Wheel.
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly counts: Int32Array;
  /** Bit per slot: set while the slot's list is non-empty. */
  private readonly occupied: Uint32Array;

  /** Every tick ≤ this has been processed; new timers go to later ticks. */
  private doneTick: number;
  private live = 0;
  private firedTotal = 0;
  private errorTotal = 0;
  private lastLagMs = 0;

  /** Entries due in the batch being fired. */
  private batch: Int32Array;
  private batchLen = 0;
  private running = false;
  private stopped = false;

  private timer: NodeJS.Timeout | undefined;
  /** Tick the real timer is armed for, or Infinity. */
  private armedTick = Number.POSITIVE_INFINITY;
  private readonly onRealTimer = (): void => {
    this.timer = undefined;
    this.armedTick = Number.POSITIVE_INFINITY;
    this.runDue();
  };
  private readonly byDue = (a: number, b: number): number => this.dueMs[a]! - this.dueMs[b]!;

  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? 10;
    const slots = options.slots ?? 4096;
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) throw new RangeError(`tickMs must be a positive finite number, got ${tickMs}`);
    if (!Number.isInteger(slots) || slots < 32 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`slots must be a power of two ≥ 32, got ${slots}`);
    }
    const coalesceMs = options.coalesceMs ?? tickMs;
    if (!(coalesceMs >= tickMs) || !Number.isInteger(coalesceMs / tickMs)) {
      throw new RangeError(`coalesceMs must be a multiple of tickMs (${tickMs}), got ${coalesceMs}`);
    }
    this.tickMs = tickMs;
    this.slots = slots;
    this.coalesceMs = coalesceMs;
    this.manual = options.manual ?? false;
    this.unref = options.unref ?? true;
    this.onError = options.onError;
    this.clock = options.now ?? (this.manual ? () => 0 : () => performance.now());
    this.originMs = this.clock();
    this.doneTick = 0;

    const cap = Math.max(16, Math.min(options.initialCapacity ?? 1024, INDEX_SPACE));
    this.cap = cap;
    this.targets = new Array<TimerTarget | null>(cap).fill(null);
    this.kinds = new Int32Array(cap);
    this.dueTick = new Float64Array(cap);
    this.dueMs = new Float64Array(cap);
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.gen = new Uint32Array(cap).fill(1);
    this.state = new Uint8Array(cap);
    this.batch = new Int32Array(256);

    this.heads = new Int32Array(slots).fill(NIL);
    this.tails = new Int32Array(slots).fill(NIL);
    this.counts = new Int32Array(slots);
    this.occupied = new Uint32Array(slots >>> 5);
  }

  /** The wheel's clock in ms (the injected clock plus any `advance`). Inside `onTimer` during `advance`, the due tick's time. */
  now(): number {
    return this.clock() + this.skewMs;
  }

  get stats(): TimerWheelStats {
    return { pending: this.live, fired: this.firedTotal, errors: this.errorTotal, lagMs: this.lastLagMs, capacity: this.cap };
  }

  /** How late (ms) the last batch ran after the start of its earliest due tick. High lag means the shard's event loop is saturated. */
  get lagMs(): number {
    return this.lastLagMs;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.live;
  }

  /**
   * Fire `target.onTimer(kind, now)` once, no earlier than `delayMs` from now (at the first
   * tick at or after the due time). A delay of 0 fires at the next tick, never synchronously
   * and never within the batch that scheduled it. After `stop()` this is a no-op returning NO_TIMER.
   */
  schedule(target: TimerTarget, kind: number, delayMs: number): TimerId {
    return this.scheduleAt(target, kind, this.now() + checkDelay(delayMs));
  }

  /**
   * As `schedule`, but due at the first multiple of `coalesceMs` (counted from the wheel's start)
   * at or after `delayMs − tickMs` from now: at most one tick early and coalesceMs − tickMs late
   * (exactly `schedule` when coalesceMs is tickMs).
   * The tick of tolerance is what keeps a period: a target re-arming by P (a multiple of the grid)
   * from a batch that ran less than a tick late stays on its grid instant, P apart.
   */
  scheduleLoose(target: TimerTarget, kind: number, delayMs: number): TimerId {
    return this.scheduleAt(target, kind, this.onGrid(this.now() + checkDelay(delayMs)));
  }

  /** As `reschedule`, onto the grid of `scheduleLoose`. */
  rescheduleLoose(id: TimerId, delayMs: number): boolean {
    const i = this.resolve(id);
    if (i === NIL) return false;
    const atMs = this.onGrid(this.now() + checkDelay(delayMs));
    if (this.state[i] === LIVE) this.unlink(i);
    this.place(i, atMs);
    return true;
  }

  /** As `schedule`, with an absolute due time on the wheel's clock. A time in the past fires at the next tick. */
  scheduleAt(target: TimerTarget, kind: number, atMs: number): TimerId {
    if (this.stopped) return NO_TIMER;
    if (!Number.isFinite(atMs)) throw new RangeError(`due time must be a finite number of ms, got ${atMs}`);
    const i = this.alloc();
    this.targets[i] = target;
    this.kinds[i] = kind;
    this.live++;
    this.place(i, atMs);
    return (this.gen[i]! * INDEX_SPACE + i) as TimerId;
  }

  /**
   * First fire of periodic work: at the first instant `anchorMs + k·periodMs` strictly after
   * now (see `nextPhaseDelay`). Later periods are the target's to re-arm in `onTimer`.
   */
  schedulePhased(target: TimerTarget, kind: number, periodMs: number, anchorMs: number): TimerId {
    const now = this.now();
    return this.scheduleAt(target, kind, now + nextPhaseDelay(periodMs, anchorMs, now));
  }

  /** Cancel a timer. Returns false if it already fired, was cancelled, or the id is NO_TIMER. Safe inside `onTimer`. */
  cancel(id: TimerId): boolean {
    const i = this.resolve(id);
    if (i === NIL) return false;
    if (this.state[i] === LIVE) this.unlink(i);
    // A FIRING entry is only in the batch array; freeing it makes the batch loop skip it.
    this.release(i);
    this.live--;
    return true;
  }

  /**
   * Move a pending timer to fire `delayMs` from now, keeping its id. Returns false (and does
   * nothing) if the id is no longer pending. Works on a timer of the batch being fired too.
   */
  reschedule(id: TimerId, delayMs: number): boolean {
    const i = this.resolve(id);
    if (i === NIL) return false;
    const atMs = this.now() + checkDelay(delayMs);
    if (this.state[i] === LIVE) this.unlink(i);
    this.place(i, atMs);
    return true;
  }

  /** True if `id` is scheduled and has neither fired nor been cancelled. */
  isPending(id: TimerId): boolean {
    return this.resolve(id) !== NIL;
  }

  /**
   * Fire everything due by now, in due order; each target sees the same `nowMs` (the clock
   * at the start of the batch). This is what the real timer calls; call it directly only in
   * manual mode after moving an injected clock. Returns the number of timers fired.
   */
  runDue(): number {
    if (this.running || this.stopped) return 0;
    const nowMs = this.now();
    const nowTick = Math.floor((nowMs - this.originMs) / this.tickMs);
    try {
      return nowTick > this.doneTick ? this.fireThrough(nowTick, nowMs) : 0;
    } finally {
      this.arm();
    }
  }

  /**
   * Manual mode: move time forward by `ms`, firing timers tick by tick with the wheel's clock
   * set to each tick's time, so a target re-arming in `onTimer` keeps an exact period (as a
   * real loop that was never blocked would). Returns the number of timers fired.
   */
  advance(ms: number): number {
    if (!this.manual) throw new Error('TimerWheel.advance is for manual mode (options.manual)');
    if (this.running) throw new Error('TimerWheel.advance called from inside onTimer');
    const target = this.now() + checkDelay(ms);
    const targetTick = Math.floor((target - this.originMs) / this.tickMs);
    let fired = 0;
    while (!this.stopped && targetTick > this.doneTick) {
      const t = this.nextOccupied(this.doneTick + 1, targetTick);
      if (t < 0) {
        this.doneTick = targetTick;
        break;
      }
      const tickTime = this.originMs + t * this.tickMs;
      this.skewMs += tickTime - this.now();
      fired += this.fireThrough(t, tickTime);
    }
    this.skewMs += target - this.now();
    return fired;
  }

  /** Drop every timer and the real timer; later schedules are no-ops. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedTick = Number.POSITIVE_INFINITY;
    this.targets.fill(null);
    this.state.fill(FREE);
    this.live = 0;
    this.heads.fill(NIL);
    this.tails.fill(NIL);
    this.counts.fill(0);
    this.occupied.fill(0);
  }

  // ---- internals ----

  /** Process ticks doneTick+1 … lastTick and fire what is due. */
  private fireThrough(lastTick: number, nowMs: number): number {
    this.running = true;
    this.batchLen = 0;
    const from = this.doneTick + 1;
    // New timers scheduled from callbacks must land after this batch.
    this.doneTick = lastTick;
    let t = from;
    while (t <= lastTick) {
      t = this.nextOccupied(t, lastTick);
      if (t < 0) break;
      this.collect(t);
      t++;
    }
    const n = this.batchLen;
    if (n === 0) {
      this.running = false;
      return 0;
    }
    if (n > 1 && !this.batchSorted(n)) this.batch.subarray(0, n).sort(this.byDue);
    // Lateness of the earliest tick, not of the due time: a signal of loop saturation without tick quantisation.
    this.lastLagMs = Math.max(0, nowMs - (this.originMs + this.dueTick[this.batch[0]!]! * this.tickMs));

    let fired = 0;
    let firstError: unknown;
    let hasError = false;
    for (let b = 0; b < n; b++) {
      const i = this.batch[b]!;
      if (this.state[i] !== FIRING) continue; // cancelled or rescheduled by an earlier callback
      const target = this.targets[i]!;
      const kind = this.kinds[i]!;
      this.release(i);
      this.live--;
      fired++;
      try {
        target.onTimer(kind, nowMs);
      } catch (e) {
        this.errorTotal++;
        let unhandled: unknown = e;
        if (this.onError !== undefined) {
          try {
            this.onError(e, kind);
            continue;
          } catch (handlerError) {
            unhandled = handlerError;
          }
        }
        if (!hasError) {
          hasError = true;
          firstError = unhandled;
        }
      }
    }
    this.firedTotal += fired;
    this.batchLen = 0;
    this.running = false;
    if (hasError) throw firstError;
    return fired;
  }

  /** Move the entries of tick `t`'s slot that are due by `t` into the batch. */
  private collect(t: number): void {
    const slot = t % this.slots;
    let i = this.heads[slot]!;
    while (i !== NIL) {
      const nx = this.next[i]!;
      if (this.dueTick[i]! <= t) {
        this.unlink(i);
        this.state[i] = FIRING;
        if (this.batchLen === this.batch.length) {
          const grown = new Int32Array(this.batch.length * 2);
          grown.set(this.batch);
          this.batch = grown;
        }
        this.batch[this.batchLen++] = i;
      }
      i = nx;
    }
  }

  private batchSorted(n: number): boolean {
    const due = this.dueMs;
    let last = due[this.batch[0]!]!;
    for (let b = 1; b < n; b++) {
      const d = due[this.batch[b]!]!;
      if (d < last) return false;
      last = d;
    }
    return true;
  }

  /** First tick in [from, to] whose slot is non-empty, or -1. */
  private nextOccupied(from: number, to: number): number {
    const occ = this.occupied;
    const slots = this.slots;
    let t = from;
    // After one full round every slot has been looked at.
    const end = Math.min(to, from + slots - 1);
    while (t <= end) {
      const slot = t % slots;
      const bit = slot & 31;
      const word = occ[slot >>> 5]! >>> bit;
      if (word !== 0) {
        const cand = t + (31 - Math.clz32(word & -word));
        return cand <= to ? cand : -1;
      }
      t += 32 - bit;
    }
    return -1;
  }

  private place(i: number, atMs: number): void {
    const rel = (atMs - this.originMs) / this.tickMs;
    let tick = Math.ceil(rel);
    if (!(tick > this.doneTick)) tick = this.doneTick + 1;
    this.dueTick[i] = tick;
    this.dueMs[i] = atMs;
    this.state[i] = LIVE;
    const slot = tick % this.slots;
    const tail = this.tails[slot]!;
    this.prev[i] = tail;
    this.next[i] = NIL;
    if (tail === NIL) {
      this.heads[slot] = i;
      this.occupied[slot >>> 5]! |= 1 << (slot & 31);
    } else {
      this.next[tail] = i;
    }
    this.tails[slot] = i;
    this.counts[slot]!++;
    if (!this.manual && !this.running && tick < this.armedTick) this.arm();
  }

  /** The first grid instant (coalesceMs steps from the wheel's start) at or after `atMs − tickMs`; `atMs` itself without a grid. */
  private onGrid(atMs: number): number {
    const step = this.coalesceMs;
    if (step === this.tickMs) return atMs;
    return this.originMs + Math.ceil((atMs - this.tickMs - this.originMs) / step) * step;
  }

  private unlink(i: number): void {
    const slot = this.dueTick[i]! % this.slots;
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p === NIL) this.heads[slot] = n;
    else this.next[p] = n;
    if (n === NIL) this.tails[slot] = p;
    else this.prev[n] = p;
    if (--this.counts[slot]! === 0) this.occupied[slot >>> 5]! &= ~(1 << (slot & 31));
  }

  private alloc(): number {
    const i = this.freeHead;
    if (i !== NIL) {
      this.freeHead = this.next[i]!;
      return i;
    }
    if (this.highWater === this.cap) this.grow();
    return this.highWater++;
  }

  private release(i: number): void {
    this.state[i] = FREE;
    this.targets[i] = null;
    const g = this.gen[i]! + 1;
    this.gen[i] = g >= GEN_SPACE ? 1 : g;
    this.next[i] = this.freeHead;
    this.freeHead = i;
  }

  /** Slab index of a pending id, or NIL. */
  private resolve(id: TimerId): number {
    if (!(id >= INDEX_SPACE)) return NIL;
    const i = id % INDEX_SPACE;
    const g = (id - i) / INDEX_SPACE;
    if (i >= this.highWater || this.gen[i] !== g || this.state[i] === FREE) return NIL;
    return i;
  }

  private grow(): void {
    if (this.cap >= INDEX_SPACE) throw new RangeError(`TimerWheel is full (${INDEX_SPACE} timers)`);
    const cap = Math.min(this.cap * 2, INDEX_SPACE);
    const targets = new Array<TimerTarget | null>(cap).fill(null);
    for (let k = 0; k < this.cap; k++) targets[k] = this.targets[k]!;
    this.targets = targets;
    this.kinds = growInt32(this.kinds, cap);
    this.dueTick = growFloat64(this.dueTick, cap);
    this.dueMs = growFloat64(this.dueMs, cap);
    this.next = growInt32(this.next, cap);
    this.prev = growInt32(this.prev, cap);
    const gen = new Uint32Array(cap).fill(1);
    gen.set(this.gen);
    this.gen = gen;
    const state = new Uint8Array(cap);
    state.set(this.state);
    this.state = state;
    this.cap = cap;
  }

  /** Point the one real timer at the earliest non-empty tick, or let it sleep when there is none. */
  private arm(): void {
    if (this.manual || this.stopped) return;
    if (this.live === 0) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.armedTick = Number.POSITIVE_INFINITY;
      return;
    }
    // A non-empty slot may hold only later rounds: waking for it costs one empty pass.
    const t = this.nextOccupied(this.doneTick + 1, this.doneTick + this.slots);
    if (t < 0 || t >= this.armedTick) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = Math.max(0, this.originMs + t * this.tickMs - this.now());
    this.armedTick = t;
    this.timer = setTimeout(this.onRealTimer, Math.ceil(delay));
    if (this.unref) this.timer.unref();
  }
}

function checkDelay(ms: number): number {
  if (Number.isNaN(ms) || ms === Number.POSITIVE_INFINITY) throw new RangeError(`delay must be a finite number of ms, got ${ms}`);
  return ms > 0 ? ms : 0;
}

function growInt32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function growFloat64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
