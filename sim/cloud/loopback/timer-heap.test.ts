import { describe, expect, it } from 'vitest';
import { KeepaliveWatch } from './keepalive-watch.js';
import { TimerHeap, type TimerTarget } from './timer-heap.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TimerHeap', () => {
  it('fires entries in deadline order (ties in scheduling order) from one timer', async () => {
    const heap = new TimerHeap();
    const fired: string[] = [];
    const target: TimerTarget = { onTimer: (_now, _tag, key) => fired.push(key ?? '') };
    const t0 = Date.now();
    heap.schedule(t0 + 30, target, 0, 'c');
    heap.schedule(t0 + 10, target, 0, 'a');
    heap.schedule(t0 + 20, target, 0, 'b1');
    heap.schedule(t0 + 20, target, 0, 'b2');
    await sleep(60);
    expect(fired).toEqual(['a', 'b1', 'b2', 'c']);
    expect(heap.size).toBe(0);
    heap.close();
  });

  it('a throwing target is counted and does not stop the others', async () => {
    const heap = new TimerHeap();
    const fired: number[] = [];
    const t0 = Date.now();
    heap.schedule(t0 + 5, { onTimer: () => { throw new Error('boom'); } }, 0);
    heap.schedule(t0 + 5, { onTimer: (_n, tag) => fired.push(tag) }, 7);
    await sleep(30);
    expect(fired).toEqual([7]);
    expect(heap.targetErrors).toBe(1);
    heap.close();
  });
});

describe('KeepaliveWatch', () => {
  it('expires only keys not touched within the timeout, with one heap entry at a time', async () => {
    const heap = new TimerHeap();
    const expired: string[] = [];
    const watch = new KeepaliveWatch<string>(heap, 60, (k) => expired.push(k));
    watch.touch('a');
    watch.touch('b');
    expect(heap.size).toBe(1);
    for (let i = 0; i < 4; i++) {
      await sleep(25);
      watch.touch('a');
    }
    expect(expired).toEqual(['b']);
    await sleep(100);
    expect(expired).toEqual(['b', 'a']);
    expect(watch.size).toBe(0);
    heap.close();
  });
});
