/**
 * edgehub's dial policy in a VirtualNode (protocol doc §4, trace README "Delay before the edge
 * redials"): dials 5 s apart in rounds of 5, a 30 s sleep between rounds and after a lost link
 * (counted from the first failed send), jitter only when configured, and the 60 s re-send of an
 * unanswered request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeKit, type FakeLink } from './virtual-node.test-kit.js';

let kit: NodeKit;

afterEach(() => kit?.dispose());

/** Gap from each failed dial to the next dial. */
function gaps(links: readonly FakeLink[]): number[] {
  return links.slice(1).map((l, i) => l.dialedAt - links[i]!.closedAt);
}

describe('VirtualNode reconnect policy', () => {
  it('refused from the start: dials at once, then 5 s apart for 5 dials, sleeps 30 s, and repeats', async () => {
    kit = new NodeKit();
    kit.cloud.dialOutcome = 'refuse';
    const node = kit.node();
    await kit.start(node);
    expect(kit.cloud.dials).toHaveLength(1);
    expect(kit.cloud.dials[0]!.dialedAt).toBe(kit.wallStart);
    kit.advance(2 * (4 * 5_000 + 30_000) + 100);
    const links = kit.cloud.dials;
    expect(links.length).toBeGreaterThanOrEqual(11);
    expect(gaps(links.slice(0, 11))).toEqual([5_000, 5_000, 5_000, 5_000, 30_000, 5_000, 5_000, 5_000, 5_000, 30_000]);
    expect(kit.counters.connectFailures).toBe(links.filter((l) => l.closed).length);
    expect(node.isConnected).toBe(false);
  });

  it('a lost link is noticed at the next failed send; the redial comes 30 s after that send, not after the close', async () => {
    kit = new NodeKit();
    const node = kit.node();
    await kit.boot(node);
    const first = kit.cloud.link;
    kit.advance(1_000);
    kit.cloud.dialOutcome = 'accept';
    first.drop();
    expect(kit.cloud.dials).toHaveLength(1);
    // nothing is sent until the lease timer (10 s after the register reply) tries to write
    kit.advance(8_900);
    expect(kit.sendFailureTimes).toHaveLength(0);
    kit.advance(200);
    expect(kit.sendFailureTimes).toHaveLength(1);
    const failedAt = kit.sendFailureTimes[0]!;
    expect(failedAt).toBeGreaterThan(first.closedAt + 8_000);
    kit.advance(29_000);
    expect(kit.cloud.dials).toHaveLength(1);
    kit.advance(1_000);
    expect(kit.cloud.dials).toHaveLength(2);
    expect(kit.cloud.dials[1]!.dialedAt - failedAt).toBe(30_000);
    kit.advance(10);
    expect(node.isConnected).toBe(true);
    expect(kit.counters.reconnects).toBe(1);
    expect(kit.counters.disconnects).toBe(1);
    expect(kit.counters.connects).toBe(2);
  });

  it('after the reconnect: keepalive at once on the new link, then every 15 s; no second register', async () => {
    kit = new NodeKit();
    const node = kit.node();
    await kit.boot(node);
    kit.cloud.link.drop();
    kit.advance(45_000);
    const second = kit.cloud.link;
    expect(second).not.toBe(kit.cloud.dials[0]);
    kit.advance(31_000);
    const ka = kit.cloud.sent.filter((f) => f.link === second && f.message.route.operation === 'keepalive');
    expect(ka.length).toBeGreaterThanOrEqual(2);
    expect(ka[0]!.at).toBe(kit.cloud.sent.find((f) => f.link === second)!.at);
    ka.slice(1).forEach((f, i) => expect(f.at - ka[i]!.at).toBe(15_000));
    expect(kit.cloud.frames('insert', 'node')).toHaveLength(1);
  });

  it('a refused redial after a loss falls into the 5 s round', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.dialOutcome = 'refuse';
    kit.cloud.link.drop();
    kit.advance(10_000 + 30_000 + 4 * 5_000 + 200);
    const redials = kit.cloud.dials.slice(1);
    expect(redials.length).toBe(5);
    expect(gaps(redials)).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  it('reconnectJitterMs adds runtime.random() × jitter to the 30 s sleep, and only to it', async () => {
    kit = new NodeKit({ reconnectJitterMs: 10_000, random: () => 0.25 });
    kit.cloud.dialOutcome = 'refuse';
    await kit.start(kit.node());
    kit.advance(4 * 5_000 + 32_500 + 100);
    expect(gaps(kit.cloud.dials.slice(0, 6))).toEqual([5_000, 5_000, 5_000, 5_000, 32_500]);
  });

  it('the jitter is bounded by reconnectJitterMs', async () => {
    kit = new NodeKit({ reconnectJitterMs: 10_000, random: () => 0.999_9 });
    await kit.boot(kit.node());
    kit.cloud.link.drop();
    kit.advance(10_000 + 45_000);
    const failedAt = kit.sendFailureTimes[0]!;
    const redial = kit.cloud.dials[1]!;
    expect(redial.dialedAt - failedAt).toBeGreaterThanOrEqual(30_000);
    // 30 s + 0.9999 × 10 s, fired on the wheel's 10 ms tick
    expect(redial.dialedAt - failedAt).toBeLessThanOrEqual(40_000);
    expect(redial.dialedAt - failedAt).toBeGreaterThan(39_900);
  });

  it('without jitter configured the sleep is exactly 30 s whatever runtime.random returns', async () => {
    kit = new NodeKit({ random: () => 0.9 });
    await kit.boot(kit.node());
    kit.cloud.link.drop();
    kit.advance(50_000);
    expect(kit.cloud.dials[1]!.dialedAt - kit.sendFailureTimes[0]!).toBe(30_000);
  });

  it('an unanswered request is re-sent 60 s after it was made, with a new msg_id and its original timestamp and content', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.advance(10_000);
    const query = kit.cloud.last('query', 'lease');
    kit.advance(59_990);
    expect(kit.cloud.frames('query', 'lease')).toHaveLength(1);
    kit.advance(10);
    const again = kit.cloud.frames('query', 'lease');
    expect(again).toHaveLength(2);
    const resent = again[1]!;
    expect(resent.at - query.at).toBe(60_000);
    expect(resent.message.header.msg_id).not.toBe(query.message.header.msg_id);
    expect(resent.message.header.timestamp).toBe(query.message.header.timestamp);
    expect(resent.text.replace(/"msg_id":"[^"]*"/, '')).toBe(query.text.replace(/"msg_id":"[^"]*"/, ''));
    expect(kit.counters.unanswered).toBe(1);
    // the lease loop waited for it: no other lease request in the meantime
    expect(kit.cloud.frames(undefined, 'lease')).toHaveLength(2);
  });

  it('stop(true) sends edgemark\'s blank message and dials no more', async () => {
    kit = new NodeKit();
    const node = kit.node();
    await kit.boot(node);
    const link = kit.cloud.link;
    node.stop(true);
    expect(kit.cloud.sent.at(-1)!.text).toBe('{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}\n');
    expect(link.closed).toBe(true);
    kit.advance(120_000);
    expect(kit.cloud.dials).toHaveLength(1);
  });
});
