/**
 * The live progress line: on a TTY one line rewritten in place every second; otherwise a plain
 * line every few seconds, fit for CI logs.
 */
import { total, type FleetTotals } from './aggregate.js';

export type ProgressMode = 'tty' | 'plain' | 'off';

export function progressText(t: FleetTotals, msgsPerSecond: number, requested: number, elapsedMs: number): string {
  const s = t.states;
  const secs = Math.floor(elapsedMs / 1000);
  return [
    `[${String(Math.floor(secs / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}]`,
    `ready ${s.ready}/${requested}`,
    `connecting ${s.bootstrapping + s.connecting + s.registering}`,
    `reconnecting ${s.reconnecting}`,
    s.failed > 0 ? `failed ${s.failed}` : '',
    `${Math.round(msgsPerSecond)} msg/s`,
    `lag p99 ${t.eventLoopLagP99Ms.toFixed(1)} ms`,
    `rss ${(t.rssBytes / 1048576).toFixed(0)} MiB`,
  ]
    .filter(Boolean)
    .join(' · ');
}

export class ProgressLine {
  private lastMessages = 0;
  private lastAt = 0;
  private rate = 0;
  private lastPlain = 0;
  private wroteTty = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly requested: number,
    private readonly startedAt: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 10_000,
  ) {}

  update(t: FleetTotals, now = Date.now()): void {
    if (this.mode === 'off') return;
    const messages = total(t.sent) + total(t.received);
    // Every shard's snapshot calls this; a rate over the few ms between two shards' snapshots would
    // see one shard's change or none. Measure over at least a second.
    const dt = (now - this.lastAt) / 1000;
    if (this.lastAt === 0 || dt >= 1) {
      if (this.lastAt > 0) this.rate = (messages - this.lastMessages) / dt;
      this.lastMessages = messages;
      this.lastAt = now;
    }
    const text = progressText(t, this.rate, this.requested, now - this.startedAt);
    if (this.mode === 'tty') {
      this.out.write(`\r\x1b[K${text}`);
      this.wroteTty = true;
    } else if (now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      this.out.write(`${text}\n`);
    }
  }

  /** End the in-place line so later output starts on a fresh line. */
  finish(): void {
    if (this.wroteTty) this.out.write('\n');
    this.wroteTty = false;
  }
}
