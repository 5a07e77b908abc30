/** RSS, CPU and event-loop delay of the current process, sampled without timers of its own. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ProcessSample } from '../ipc-messages.js';

export class ProcessSampler {
  private readonly interval: IntervalHistogram;
  private readonly run: IntervalHistogram;

  constructor() {
    this.interval = monitorEventLoopDelay({ resolution: 10 });
    this.run = monitorEventLoopDelay({ resolution: 10 });
    this.interval.enable();
    this.run.enable();
  }

  /** A sample; the interval histogram starts over. */
  sample(): ProcessSample {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const s: ProcessSample = {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      eventLoopLagP99Ms: ns(this.interval.percentile(99)),
      eventLoopLagMaxMs: ns(this.interval.max),
      runEventLoopLagP99Ms: ns(this.run.percentile(99)),
    };
    this.interval.reset();
    return s;
  }

  stop(): void {
    this.interval.disable();
    this.run.disable();
  }
}

/** The histograms include the sampling resolution itself (10 ms); report delay beyond it. */
function ns(v: number): number {
  return Number.isFinite(v) ? Math.max(0, v / 1e6 - 10) : 0;
}
