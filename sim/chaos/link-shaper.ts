/**
 * The fault layer on one lean hub link while a fault shapes it: a FIFO hold per direction that
 * releases bytes when they are due, within a bandwidth cap, and never while stalled. It has no
 * timer: the engine's one pump entry on the shard wheel calls `pump` for the links that hold
 * bytes. Order is TCP's: nothing overtakes, nothing is dropped or cut while the link lives.
 */
import type { LinkChaos, TlsHubLink } from '../edge/hub/tls-hub-link.js';
import type { DirectionShape, LinkShape } from './link-shape.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Held inbound bytes above which the socket stops being read (TCP pushes back on the cloud),
 * and below which reading resumes.
 */
export const IN_HIGH_WATER = 64 * 1024;
export const IN_LOW_WATER = 16 * 1024;

export interface ShaperStats {
  heldBytesOut: number;
  heldBytesIn: number;
  bytesHeld: number;
  bytesDiscarded: number;
}

/** What a shaper needs of the engine: the wheel's clock, a random source, the pump and the counters. */
export interface ShaperHost {
  now(): number;
  random(): number;
  /** Pump `shaper` at `atMs` (or at the next tick, if that is sooner than the pump already due). */
  wake(shaper: LinkShaper, atMs: number): void;
  readonly stats: ShaperStats;
}

const OUT = 0;
const IN = 1;

/** Chunks with their due times, oldest first; `head` moves instead of shifting the arrays. */
class Hold {
  chunks: Buffer[] = [];
  due: number[] = [];
  head = 0;
  bytes = 0;
  bucket: TokenBucket | undefined;

  get empty(): boolean {
    return this.head === this.chunks.length;
  }

  push(chunk: Buffer, due: number): void {
    this.chunks.push(chunk);
    this.due.push(due);
    this.bytes += chunk.length;
  }

  /** Remove and return the oldest chunk. */
  shift(): Buffer {
    const chunk = this.chunks[this.head]!;
    this.head++;
    this.bytes -= chunk.length;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.due = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.due = this.due.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }

  /** Remove and return the first `n` bytes of the oldest chunk (n < its length). */
  split(n: number): Buffer {
    const chunk = this.chunks[this.head]!;
    this.chunks[this.head] = chunk.subarray(n);
    this.bytes -= n;
    return chunk.subarray(0, n);
  }

  clear(): number {
    const dropped = this.bytes;
    this.chunks = [];
    this.due = [];
    this.head = 0;
    this.bytes = 0;
    return dropped;
  }
}

export class LinkShaper implements LinkChaos {
  /** False once the link is half-closed (slow close). */
  sendable = true;
  /** In the engine's pump list. */
  pumping = false;
  private readonly holds = [new Hold(), new Hold()] as const;
  private readonly shapes: [DirectionShape | undefined, DirectionShape | undefined] = [undefined, undefined];
  private pausedForStall = false;
  private pausedForPressure = false;
  private paused = false;
  /** The socket's handle was stopped by the pause and must be restarted. */
  private handleStopped = false;
  /** Detached from its link: released on heal or dropped on close. */
  private done = false;

  constructor(
    readonly link: TlsHubLink,
    private readonly host: ShaperHost,
  ) {
    link.chaos = this;
  }

  get detached(): boolean {
    return this.done;
  }

  get halfClosed(): boolean {
    return !this.sendable;
  }

  /** Follow a new shape. Items already held keep their due times; a direction that is now neutral is flushed at once. */
  setShape(shape: LinkShape): void {
    if (this.done) return;
    const now = this.host.now();
    this.follow(OUT, shape.out, now);
    this.follow(IN, shape.in, now);
    if (this.holds[OUT].bytes > 0 && shape.out.neutral) this.flush(OUT);
    if (this.holds[IN].bytes > 0 && shape.in.neutral) this.flush(IN);
    this.pausedForStall = shape.in.stalled;
    this.updatePause();
    if (!this.holds[OUT].empty || !this.holds[IN].empty) this.host.wake(this, now);
  }

  outbound(link: TlsHubLink, bytes: Buffer): void {
    if (!this.sendable) {
      // Only a handshake in flight can write here after the FIN; it goes nowhere, as on a shut socket.
      this.host.stats.bytesDiscarded += bytes.length;
      return;
    }
    this.take(OUT, bytes, link);
  }

  inbound(link: TlsHubLink, chunk: Buffer): void {
    this.take(IN, chunk, link);
    if (!this.pausedForPressure && this.holds[IN].bytes > IN_HIGH_WATER) {
      this.pausedForPressure = true;
      this.updatePause();
    }
  }

  /** Release what is due at `nowMs`; returns when this link next needs a pump (Infinity: not until something changes). */
  pump(nowMs: number): number {
    if (this.done) return Number.POSITIVE_INFINITY;
    const out = this.drain(OUT, nowMs);
    if (this.done) return Number.POSITIVE_INFINITY;
    const inn = this.drain(IN, nowMs);
    if (this.done) return Number.POSITIVE_INFINITY;
    if (this.pausedForPressure && this.holds[IN].bytes < IN_LOW_WATER) {
      this.pausedForPressure = false;
      this.updatePause();
    }
    return Math.min(out, inn);
  }

  /**
   * The faults are healed: hand over everything held, in order, and leave the link. Outbound goes
   * first, so what the node sends while the held inbound bytes are delivered goes out behind it.
   */
  release(): void {
    if (this.done) return;
    this.flush(OUT);
    if (this.sendable) {
      this.done = true;
      if (this.link.chaos === this) this.link.chaos = undefined;
    }
    this.flush(IN);
    this.pausedForStall = false;
    this.pausedForPressure = false;
    this.shapes[OUT] = undefined;
    this.shapes[IN] = undefined;
    this.holds[OUT].bucket = undefined;
    this.holds[IN].bucket = undefined;
    this.updatePause();
  }

  /** Slow close: what is held outbound goes first, then FIN; the node can no longer send, reading goes on unshaped unless a fault says otherwise. */
  halfClose(): void {
    if (this.done) return;
    this.flush(OUT);
    this.sendable = false;
    this.link.halfClose();
  }

  /** The link closed: what is still held is lost with it. Returns the bytes dropped. */
  dispose(): number {
    if (this.done) return 0;
    this.done = true;
    const stats = this.host.stats;
    const out = this.holds[OUT].clear();
    const inn = this.holds[IN].clear();
    stats.heldBytesOut -= out;
    stats.heldBytesIn -= inn;
    stats.bytesDiscarded += out + inn;
    if (this.link.chaos === this) this.link.chaos = undefined;
    return out + inn;
  }

  private follow(dir: number, shape: DirectionShape, now: number): void {
    const hold = this.holds[dir]!;
    const rate = shape.bytesPerSecond;
    if (rate === Number.POSITIVE_INFINITY) hold.bucket = undefined;
    else if (hold.bucket?.bytesPerSecond !== rate) hold.bucket = new TokenBucket(rate, now);
    this.shapes[dir] = shape.neutral ? undefined : shape;
  }

  private take(dir: number, bytes: Buffer, link: TlsHubLink): void {
    const shape = this.shapes[dir];
    const hold = this.holds[dir]!;
    if (shape === undefined && hold.empty) {
      this.pass(dir, bytes, link);
      return;
    }
    const now = this.host.now();
    let due = now;
    if (shape !== undefined && (shape.delayMs > 0 || shape.jitterMs > 0)) {
      due = now + shape.delayMs + (shape.jitterMs > 0 ? (this.host.random() * 2 - 1) * shape.jitterMs : 0);
    }
    // Jitter never reorders: the hold releases only its oldest chunk, so a chunk due earlier waits behind it.
    const stalled = shape !== undefined && shape.stalled;
    if (hold.empty && due <= now && !stalled) {
      const n = hold.bucket === undefined ? bytes.length : hold.bucket.take(bytes.length, now);
      if (n === bytes.length) {
        this.pass(dir, bytes, link);
        return;
      }
      if (n > 0) {
        this.pass(dir, bytes.subarray(0, n), link);
        bytes = bytes.subarray(n);
      }
    }
    hold.push(bytes, due);
    this.count(dir, bytes.length);
    if (!stalled) this.host.wake(this, due);
  }

  private drain(dir: number, now: number): number {
    const hold = this.holds[dir]!;
    const shape = this.shapes[dir];
    while (!hold.empty) {
      if (shape?.stalled) return Number.POSITIVE_INFINITY;
      const due = hold.due[hold.head]!;
      if (due > now) return due;
      let chunk: Buffer;
      const bucket = hold.bucket;
      if (bucket !== undefined) {
        const size = hold.chunks[hold.head]!.length;
        const n = bucket.take(size, now);
        if (n === 0) return now + Math.max(1, bucket.waitMs(size, now));
        chunk = n < size ? hold.split(n) : hold.shift();
      } else {
        chunk = hold.shift();
      }
      this.uncount(dir, chunk.length);
      this.pass(dir, chunk, this.link);
      if (this.done) return Number.POSITIVE_INFINITY;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Hand over everything held in `dir`, ignoring due times and caps. */
  private flush(dir: number): void {
    const hold = this.holds[dir]!;
    while (!hold.empty) {
      const chunk = hold.shift();
      this.uncount(dir, chunk.length);
      this.pass(dir, chunk, this.link);
    }
  }

  private pass(dir: number, bytes: Buffer, link: TlsHubLink): void {
    if (dir === OUT) link.passOut(bytes);
    else link.passIn(bytes);
  }

  private count(dir: number, n: number): void {
    const stats = this.host.stats;
    stats.bytesHeld += n;
    if (dir === OUT) stats.heldBytesOut += n;
    else stats.heldBytesIn += n;
  }

  private uncount(dir: number, n: number): void {
    const stats = this.host.stats;
    if (dir === OUT) stats.heldBytesOut -= n;
    else stats.heldBytesIn -= n;
  }

  private updatePause(): void {
    const want = !this.done && (this.pausedForStall || this.pausedForPressure);
    if (want === this.paused) return;
    this.paused = want;
    if (want) {
      this.handleStopped = this.link.pauseInbound();
    } else {
      this.link.resumeInbound(this.handleStopped);
      this.handleStopped = false;
    }
  }
}
