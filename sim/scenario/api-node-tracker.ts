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

  /** Nodes of `range` whose latest API state is NotReady. */
  notReadyNow(range: NodeRange): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) if (this.lastNotReady[i]! > this.lastReady[i]!) n++;
    return n;
  }
}
