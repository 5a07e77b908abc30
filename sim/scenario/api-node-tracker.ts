/**
 * When the API server last showed each node Ready and NotReady, from the workload driver's node
 * watch: how long a half-open link takes to turn a Node NotReady, and to bring it back.
 */
import type { WorkloadEvent } from '../workload/workload-events.js';
import type { NodeRange } from './scenario-loader.js';

export class ApiNodeTracker {
  private readonly lastReady: Float64Array;
  private readonly lastNotReady: Float64Array;
  private readonly prefixLength: number;

  constructor(nodes: number, namePrefix: string) {
    this.lastReady = new Float64Array(nodes);
    this.lastNotReady = new Float64Array(nodes);
    this.prefixLength = namePrefix.length + 1;
  }

  onWorkload(e: WorkloadEvent): void {
    if (e.kind !== 'node-ready-observed' && e.kind !== 'node-notready-observed') return;
    const i = Number(e.name.slice(this.prefixLength));
    if (!Number.isInteger(i) || i < 0 || i >= this.lastReady.length) return;
    if (e.kind === 'node-ready-observed') this.lastReady[i] = Math.max(this.lastReady[i]!, e.atMs);
    else this.lastNotReady[i] = Math.max(this.lastNotReady[i]!, e.atMs);
  }

  /** Nodes of `range` seen NotReady after `sinceMs` and not Ready since. */
  notReadySince(range: NodeRange, sinceMs: number): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) {
      if (this.lastNotReady[i]! >= sinceMs && this.lastNotReady[i]! > this.lastReady[i]!) n++;
    }
    return n;
  }

  /**
   * Nodes of `range` the API showed NotReady (Unknown after a lost lease) at or after `sinceMs`:
   * node index → when that stretch began and when the node was Ready again (null: not yet). The
   * watch reports transitions only, so the latest NotReady and Ready times bound the last stretch.
   */
  notReadySpans(range: NodeRange, sinceMs: number): Map<number, { fromMs: number; toMs: number | null }> {
    const out = new Map<number, { fromMs: number; toMs: number | null }>();
    for (let i = range.first; i < range.first + range.count; i++) {
      const from = this.lastNotReady[i]!;
      if (from === 0 || from < sinceMs) continue;
      const to = this.lastReady[i]!;
      out.set(i, { fromMs: from, toMs: to > from ? to : null });
    }
    return out;
  }

  /** Nodes of `range` whose latest API state is NotReady. */
  notReadyNow(range: NodeRange): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) if (this.lastNotReady[i]! > this.lastReady[i]!) n++;
    return n;
  }
}
