/**
 * The chaos engine on a manual wheel with fake links: dial gating, flap cycles, composition,
 * the registry's cost, and what it refuses.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { HubDialer, HubDialOptions, HubLink, HubListener } from '../edge/hub/hub-link.js';
import { TimerWheel } from '../scheduler/timer-wheel.js';
import { ConfigInvalidError } from '../errors.js';
import { ChaosEngine } from './chaos-engine.js';
import { Fault } from './link-fault.js';

class FakeLink implements HubLink {
  open = false;
  terminated = false;
  constructor(readonly listener: HubListener) {}
  get isOpen(): boolean {
    return this.open;
  }
  send(): boolean {
    return this.open;
  }
  accept(): void {
    this.open = true;
    this.listener.onHubOpen(this);
  }
  terminate(): void {
    if (this.terminated) return;
    const wasOpen = this.open;
    this.open = false;
    this.terminated = true;
    this.listener.onHubClosed(this, wasOpen, 'closed (1006)');
  }
}

class FakeNode implements HubListener {
  readonly closes: Array<{ hub: HubLink; opened: boolean; reason: string; at: number }> = [];
  opens = 0;
  constructor(private readonly wheel: TimerWheel) {}
  onHubOpen(): void {
    this.opens++;
  }
  onHubMessage(): void {}
  onHubClosed(hub: HubLink, opened: boolean, reason: string): void {
    this.closes.push({ hub, opened, reason, at: this.wheel.now() });
  }
}

function setup(nodeCount = 4, client: 'lean' | 'ws' = 'lean') {
  const wheel = new TimerWheel({ manual: true });
  const engine = new ChaosEngine({ wheel, client, firstNode: 100, nodeCount, nameOf: (i) => `vn-${i}` });
  const inner: HubDialer = (_options, listener) => new FakeLink(listener);
  const dial = engine.dialer(inner);
  const nodes = Array.from({ length: nodeCount }, () => new FakeNode(wheel));
  const options = (i: number): HubDialOptions => ({
    cloudhubUrl: 'wss://127.0.0.1:10000',
    projectId: 'p',
    nodeName: `vn-${100 + i}`,
    secureContext: undefined as never,
    handshakeTimeoutMs: 500,
  });
  const connect = (i: number): HubLink => {
    const link = dial(options(i), nodes[i]!);
    if (link instanceof FakeLink) link.accept();
    return link;
  };
  return { wheel, engine, dial, nodes, options, connect };
}

describe('ChaosEngine: dial gating', () => {
  it('a refused dial fails at the next tick, after the dial has returned; the node is never told about chaos', () => {
    const { wheel, engine, nodes, connect, dial, options } = setup();
    const live = connect(0) as FakeLink;
    expect(engine.apply('off', Fault.down(), { nodes: [100] })).toMatchObject({ nodes: 1, links: 1 });
    // The live link was reset (a fake has no RST: it is terminated).
    expect(live.terminated).toBe(true);
    expect(nodes[0]!.closes).toHaveLength(1);

    const failed = dial(options(0), nodes[0]!);
    expect(failed).not.toBeInstanceOf(FakeLink);
    expect(failed.isOpen).toBe(false);
    expect(nodes[0]!.closes).toHaveLength(1);
    wheel.advance(10);
    expect(nodes[0]!.closes).toHaveLength(2);
    expect(nodes[0]!.closes[1]).toMatchObject({ hub: failed, opened: false });
    expect(nodes[0]!.closes[1]!.reason).toMatch(/ECONNREFUSED 127\.0\.0\.1:10000/);

    // Other nodes dial as usual.
    expect(connect(1)).toBeInstanceOf(FakeLink);
    expect(engine.heal('off')).toMatchObject({ nodes: 1, links: 1, downs: 1, ups: 1, dialsRefused: 1, resets: 1 });
    expect(connect(0)).toBeInstanceOf(FakeLink);
    expect(engine.snapshot()).toMatchObject({ dialsRefused: 1, resets: 1, nodesFaulted: 0, faultsActive: 0 });
  });

  it('a dial into a partition hangs until the handshake timeout; the live link is left open and silent', () => {
    const { wheel, engine, nodes, connect, dial, options } = setup();
    const live = connect(0) as FakeLink;
    engine.apply('p', Fault.partition(), { ranges: [[100, 104]] });
    expect(live.terminated).toBe(false);
    const hung = dial(options(0), nodes[0]!);
    wheel.advance(490);
    expect(nodes[0]!.closes).toHaveLength(0);
    wheel.advance(20);
    expect(nodes[0]!.closes).toEqual([expect.objectContaining({ hub: hung, opened: false, reason: 'Opening handshake has timed out' })]);
    expect(engine.heal('p')).toMatchObject({ nodes: 4, links: 1, dialsTimedOut: 1, resets: 0 });
  });

  it('an abandoned failing dial reports at the next tick, as a destroyed socket would', () => {
    const { wheel, engine, nodes, dial, options } = setup();
    engine.apply('p', Fault.down({ dial: 'timeout' }), { nodes: [100] });
    const hung = dial(options(0), nodes[0]!);
    hung.terminate();
    wheel.advance(10);
    expect(nodes[0]!.closes).toHaveLength(1);
  });

  it('selects only the nodes of its own slice and refuses duplicates and bad specs', () => {
    const { engine } = setup();
    expect(engine.apply('a', Fault.down(), { ranges: [[0, 102]] }).nodes).toBe(2);
    expect(() => engine.apply('a', Fault.down(), {})).toThrow(/already in force/);
    expect(() => engine.apply('b', { kind: 'delay', ms: -5, jitterMs: 0, direction: 'in' }, {})).toThrow(ConfigInvalidError);
    expect(() => engine.apply('c', Fault.down(), { ranges: [[5, 1]] })).toThrow(/range/);
    expect(() => engine.apply('', Fault.down(), {})).toThrow(/id/);
    expect(engine.heal('nope')).toBeUndefined();
    expect(engine.activeIds).toEqual(['a']);
  });

  it('on the ws reference client it adds nothing and refuses faults, naming the client', () => {
    const { engine } = setup(4, 'ws');
    const inner: HubDialer = (_o, l) => new FakeLink(l);
    expect(engine.dialer(inner)).toBe(inner);
    expect(() => engine.apply('x', Fault.down(), {})).toThrow(/TWINLAB_HUB_CLIENT=ws/);
    try {
      engine.apply('x', Fault.down(), {});
    } catch (e) {
      expect((e as ConfigInvalidError).code).toBe('TWL_CONFIG_INVALID');
    }
  });
});

describe('ChaosEngine: flap', () => {
  it('with probability 1 in sync, toggles every node each cycle and counts each transition', () => {
    const { wheel, engine, connect, dial, options, nodes } = setup(3);
    for (let i = 0; i < 3; i++) connect(i);
    engine.apply('f', Fault.flap({ downMs: 100, upMs: 200, sync: true }), {});
    // One scheduled entry for the whole fault, not one per node.
    expect(wheel.size).toBe(1);
    expect(engine.snapshot().faults.f).toMatchObject({ nodes: 3, links: 3, downs: 3, ups: 0, resets: 3 });

    const downAt = (_t: number): number => {
      let down = 0;
      for (let i = 0; i < 3; i++) {
        const link = dial(options(i), nodes[i]!);
        if (!(link instanceof FakeLink)) down++;
        else link.terminate();
      }
      return down;
    };
    wheel.advance(50);
    expect(downAt(50)).toBe(3);
    wheel.advance(100); // t = 150: up
    expect(downAt(150)).toBe(0);
    wheel.advance(200); // t = 350: down again (cycle 2 started at 300)
    expect(downAt(350)).toBe(3);
    wheel.advance(600); // t = 950: downs at 0, 300, 600, 900; ups at 100, 400, 700
    const counts = engine.heal('f')!;
    // The heal brings the nodes that are down back up.
    expect(counts).toMatchObject({ downs: 12, ups: 12 });
    expect(engine.snapshot()).toMatchObject({ flapDowns: 12, flapUps: 12, nodesFaulted: 0 });
    expect(wheel.size).toBe(0);
  });

  it('staggered, spreads the nodes’ downs over the cycle instead of taking them down together', () => {
    const n = 40;
    const { wheel, engine, dial, options, nodes } = setup(n);
    engine.apply('f', Fault.flap({ downMs: 100, upMs: 900 }), {});
    let maxDown = 0;
    const everDown = new Set<number>();
    for (let t = 0; t < 1100; t += 50) {
      let down = 0;
      for (let i = 0; i < n; i++) {
        const link = dial(options(i), nodes[i]!);
        if (!(link instanceof FakeLink)) {
          down++;
          everDown.add(i);
        }
      }
      maxDown = Math.max(maxDown, down);
      wheel.advance(50);
    }
    expect(everDown.size).toBe(n);
    // 10% of the cycle down: about 4 of 40 at a time.
    expect(maxDown).toBeLessThanOrEqual(8);
    expect(engine.snapshot().faults.f!.downs).toBeGreaterThanOrEqual(n);
  });
});

describe('ChaosEngine: composition and state', () => {
  it('keeps fault state only for faulted nodes, and removes it when the last fault on a node heals', () => {
    const { engine, connect, dial, options, nodes } = setup(4);
    for (let i = 0; i < 4; i++) connect(i);
    expect(engine.snapshot()).toMatchObject({ registeredNodes: 4, nodesFaulted: 0 });
    engine.apply('a', Fault.combine(Fault.delay({ ms: 10 }), Fault.down()), { nodes: [100, 101] });
    engine.apply('b', Fault.down(), { nodes: [101, 102] });
    expect(engine.snapshot()).toMatchObject({ nodesFaulted: 3, faultsActive: 2 });
    engine.heal('a');
    expect(engine.snapshot()).toMatchObject({ nodesFaulted: 2, faultsActive: 1 });
    // 101 is still down under b, 100 is free.
    expect(dial(options(1), nodes[1]!)).not.toBeInstanceOf(FakeLink);
    expect(dial(options(0), nodes[0]!)).toBeInstanceOf(FakeLink);
    engine.healAll();
    expect(engine.snapshot()).toMatchObject({ nodesFaulted: 0, faultsActive: 0 });
  });

  it('applies to nodes that have not dialled yet, from their first dial', () => {
    const { wheel, engine, dial, options, nodes } = setup(2);
    engine.apply('off', Fault.down(), { nodes: [101] });
    dial(options(1), nodes[1]!);
    wheel.advance(10);
    expect(nodes[1]!.closes).toHaveLength(1);
    expect(engine.snapshot().faults.off).toMatchObject({ links: 0, dialsRefused: 1 });
  });

  it('the registry costs well under 200 bytes per node', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 50_000;
    const wheel = new TimerWheel({ manual: true });
    const engine = new ChaosEngine({ wheel, client: 'lean', firstNode: 0, nodeCount: n, nameOf: (i) => `vn-${i}` });
    const link: HubLink = { isOpen: true, send: () => true, terminate: () => undefined };
    const dial = engine.dialer(() => link);
    const names = Array.from({ length: n }, (_, i) => `vn-${String(i).padStart(5, '0')}`);
    const listener: HubListener = { onHubOpen: () => undefined, onHubMessage: () => undefined, onHubClosed: () => undefined };
    const options = { cloudhubUrl: 'wss://h:1', projectId: 'p', secureContext: undefined as never, handshakeTimeoutMs: 1 };
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const nodeName of names) dial({ ...options, nodeName }, listener);
    gc();
    const perNode = (process.memoryUsage().heapUsed - before) / n;
    console.info(`chaos registry: ${perNode.toFixed(1)} bytes per node (${n} nodes)`);
    expect(engine.snapshot().registeredNodes).toBe(n);
    expect(perNode).toBeGreaterThan(0);
    expect(perNode).toBeLessThan(200);
  });
});
