/**
 * RSS, CPU and event-loop lag of the current process, sampled without timers of its own. The lag is
 * how late the shard's timer wheel ran each batch (TimerWheel `onLate`): a delay histogram with a
 * timer of its own would wake the process 100 times a second to find out what the wheel already knows.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { ProcessSample } from '../ipc-messages.js';

export class ProcessSampler {
  /** Lag in µs since the last sample, and over the whole run. */
  private readonly interval: RecordableHistogram = createHistogram();
  private readonly run: RecordableHistogram = createHistogram();

  /** One batch of the wheel ran `lagMs` late. */
  recordLag(lagMs: number): void {
    const us = Math.max(1, Math.round(lagMs * 1000));
    this.interval.record(us);
    this.run.record(us);
  }

  /** A sample; the interval histogram starts over. */
  sample(): ProcessSample {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const s: ProcessSample = {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      eventLoopLagP99Ms: ms(this.interval, 99),
      eventLoopLagMaxMs: this.interval.count > 0 ? this.interval.max / 1000 : 0,
      runEventLoopLagP99Ms: ms(this.run, 99),
    };
    this.interval.reset();
    return s;
  }
}

function ms(h: RecordableHistogram, percentile: number): number {
  return h.count > 0 ? h.percentile(percentile) / 1000 : 0;
}
