/**
 * The Lease a node sends back every 10 s is the Lease cloudcore last returned, with renewTime
 * advanced (join.jsonl t=20.594 echoes t=10.312). Replies in Go's canonical spelling are taken
 * without parsing (codec/reply-scan.ts); anything else goes through the decoder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeKit } from './virtual-node.test-kit.js';

let kit: NodeKit;

afterEach(() => kit?.dispose());

const RENEW = /"renewTime":"[^"]*"/;

/** A Lease as cloudcore writes it; Go sorts map keys bytewise, so label "10" precedes "9" (JSON.parse would swap them). */
function leaseText(rv: string, extra = ''): string {
  return (
    `{"metadata":{"name":"vn-test-1","namespace":"kube-node-lease","uid":"lease-uid","resourceVersion":"${rv}",` +
    `"labels":{"10":"a","9":"b"}${extra}},` +
    `"spec":{"holderIdentity":"vn-test-1","leaseDurationSeconds":40,"renewTime":"2026-11-25T12:00:13.995027Z"}}`
  );
}

function replyTo(parentId: string, msgId: string, object: string): string {
  return (
    `{"header":{"msg_id":"${msgId}","parent_msg_id":"${parentId}","timestamp":1795608003692},` +
    `"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"kube-node-lease/lease/vn-test-1"},` +
    `"content":{"Object":${object},"Err":null}}\n`
  );
}

async function leaseQueried(): Promise<{ k: NodeKit; queryId: string }> {
  kit = new NodeKit();
  await kit.boot(kit.node());
  kit.advance(10_000);
  return { k: kit, queryId: kit.cloud.last('query', 'lease').message.header.msg_id };
}

describe('VirtualNode Lease updates', () => {
  it('send back the Lease byte for byte as cloudcore wrote it, only renewTime new, and ACK each reply', async () => {
    const { k, queryId } = await leaseQueried();
    const first = leaseText('5');
    k.cloud.link.deliver(replyTo(queryId, 'eeeeeeee-0000-4000-8000-000000000001', first));
    expect(k.cloud.acksOf('eeeeeeee-0000-4000-8000-000000000001')).toHaveLength(1);
    k.advance(10_000);
    const update = k.cloud.last('update', 'lease');
    const content = update.text.slice(update.text.indexOf('"content":') + 10, -2);
    expect(content.replace(RENEW, '')).toBe(first.replace(RENEW, ''));
    expect(content).toContain('"labels":{"10":"a","9":"b"}');
    expect(content.match(RENEW)![0]).not.toBe(first.match(RENEW)![0]);

    // the reply to that update becomes the next update
    const second = leaseText('6');
    k.cloud.link.deliver(replyTo(update.message.header.msg_id, 'eeeeeeee-0000-4000-8000-000000000002', second));
    expect(k.cloud.acksOf('eeeeeeee-0000-4000-8000-000000000002')).toHaveLength(1);
    k.advance(10_000);
    expect(k.cloud.last('update', 'lease').message.content).toMatchObject({ metadata: { resourceVersion: '6' } });
    expect(k.counters.pendingRequests).toBe(1);
    expect(k.counters.received.get('response\tlease')).toBe(2);
  });

  it('take a Lease in a spelling Go would not write (a \\u escape) through the decoder, and still send it back', async () => {
    const { k, queryId } = await leaseQueried();
    k.cloud.link.deliver(replyTo(queryId, 'eeeeeeee-0000-4000-8000-000000000003', leaseText('5', ',"annotations":{"note":"caf\\u00e9"}')));
    expect(k.cloud.acksOf('eeeeeeee-0000-4000-8000-000000000003')).toHaveLength(1);
    k.advance(10_000);
    expect(k.cloud.last('update', 'lease').message.content).toMatchObject({ metadata: { resourceVersion: '5', annotations: { note: 'café' } } });
  });

  it('a reply that is not the awaited Lease request’s is left to the decoder: an error reply makes the next sync query again', async () => {
    const { k } = await leaseQueried();
    const query = k.cloud.last('query', 'lease');
    k.cloud.link.deliver(replyTo(query.message.header.msg_id, 'eeeeeeee-0000-4000-8000-000000000004', leaseText('5')));
    k.advance(10_000);
    const update = k.cloud.last('update', 'lease');
    k.cloud.link.deliver(
      `{"header":{"msg_id":"eeeeeeee-0000-4000-8000-000000000005","parent_msg_id":"${update.message.header.msg_id}","timestamp":1},` +
        `"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"kube-node-lease/lease/vn-test-1"},` +
        `"content":{"Object":null,"Err":{"ErrStatus":{"metadata":{},"status":"Failure","reason":"Conflict","code":409}}}}\n`,
    );
    expect(k.counters.errorReplies).toBe(1);
    k.advance(10_000);
    expect(k.cloud.frames('query', 'lease')).toHaveLength(2);
  });
});
