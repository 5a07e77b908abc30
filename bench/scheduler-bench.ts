/**
 * Cost of the shard scheduler: ns per schedule/cancel, ns per fired timer with 50k nodes
 * running edgecore's periodic work, and bytes per pending timer. Run: `npx tsx bench/scheduler-bench.ts`.
 */
import { TimerWheel, phaseOffset, type TimerTarget } from '../sim/scheduler/timer-wheel.js';

const KEEPALIVE = 0;
const LEASE = 1;
const STATUS = 2;
const PERIOD = [15_000, 10_000, 300_000] as const;

class FakeNode implements TimerTarget {
  fires = 0;
  constructor(private readonly wheel: TimerWheel) {}
  onTimer(kind: number): void {
    this.fires++;
    this.wheel.schedule(this, kind, PERIOD[kind as 0 | 1 | 2]);
  }
}

function scheduleCancel(ops: number): number {
  const w = new TimerWheel({ manual: true, initialCapacity: 1 << 16 });
  const t: TimerTarget = { onTimer() {} };
  const ids = new Array<ReturnType<TimerWheel['schedule']>>(1024);
  const start = process.hrtime.bigint();
  for (let k = 0; k < ops; k++) {
    const slot = k & 1023;
    const old = ids[slot];
    if (old !== undefined) w.cancel(old);
    ids[slot] = w.schedule(t, 0, 1000 + (k % 50_000));
  }
  return Number(process.hrtime.bigint() - start) / ops;
}

function fleet(nodes: number, minutes: number): { nsPerFire: number; fires: number; bytesPerTimer: number } {
  globalThis.gc?.();
  const before = process.memoryUsage();
  const w = new TimerWheel({ manual: true });
  const all: FakeNode[] = [];
  const anchor = w.now();
  for (let n = 0; n < nodes; n++) {
    const node = new FakeNode(w);
    all.push(node);
    for (const kind of [KEEPALIVE, LEASE, STATUS]) w.schedulePhased(node, kind, PERIOD[kind as 0 | 1 | 2], anchor + phaseOffset(n, PERIOD[kind as 0 | 1 | 2]));
  }
  globalThis.gc?.();
  const after = process.memoryUsage();
  const bytesPerTimer = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / w.size;
  const start = process.hrtime.bigint();
  const fires = w.advance(minutes * 60_000);
  const ns = Number(process.hrtime.bigint() - start);
  return { nsPerFire: ns / fires, fires, bytesPerTimer };
}

const ops = 2_000_000;
console.log(`schedule+cancel: ${scheduleCancel(ops).toFixed(0)} ns/op (${ops} ops)`);
for (const nodes of [10_000, 50_000]) {
  const r = fleet(nodes, 10);
  console.log(
    `${nodes} nodes × (keepalive 15 s, lease 10 s, status 5 min), 10 min: ${r.fires} fires, ${r.nsPerFire.toFixed(0)} ns/fire incl. re-arm, ~${r.bytesPerTimer.toFixed(0)} B per timer incl. its node object${globalThis.gc ? '' : ' (run with --expose-gc for a steadier figure)'}`,
  );
}
