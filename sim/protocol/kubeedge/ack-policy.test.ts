import { describe, expect, it } from 'vitest';
import { buildAck, cloudRequiresAck, edgeAcks, isWireError } from './ack-policy.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { readTraceMessages, TRACE_DIR, traceDirPresent, type TraceWsMessage } from './fixtures/trace-lines.js';
import type { Message } from './message.js';

function msg(route: Message['route'], content: unknown = null, header: Partial<Message['header']> = {}): Message {
  return { header: { msg_id: 'id-1', timestamp: 1, ...header }, route, content };
}

const EC = { source: 'edgecontroller', group: 'resource' } as const;

// Real frames from kubeedge-v1.23.1 join.jsonl (t=10.280, 10.281 ×2) and pod-lifecycle.jsonl (t=57.693, 57.706).
const LEASE_QUERY =
  '{"header":{"msg_id":"50d2ccd7-faac-453d-ba2e-9cd13486d282","timestamp":1795608003681},"route":{"source":"edged","group":"meta","operation":"query","resource":"kube-node-lease/lease/trace-0001"},"content":null}';
const LEASE_NOT_FOUND =
  '{"header":{"msg_id":"37764325-7a3c-4ed7-898f-d277933a3bda","parent_msg_id":"50d2ccd7-faac-453d-ba2e-9cd13486d282","timestamp":1795608003692},"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"kube-node-lease/lease/trace-0001"},"content":{"Object":null,"Err":{"ErrStatus":{"metadata":{},"status":"Failure","message":"lease.coordination.k8s.io \\"trace-0001\\" not found","reason":"NotFound","details":{"name":"trace-0001","group":"coordination.k8s.io","kind":"lease"},"code":404}}}}';
const LEASE_NOT_FOUND_ACK =
  '{"header":{"msg_id":"b3d6e8cc-e1cc-4e1a-9945-5df06049fd2b","parent_msg_id":"37764325-7a3c-4ed7-898f-d277933a3bda","timestamp":1795608003693},"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"kube-node-lease/lease/trace-0001"},"content":"OK"}';
const POD_DELETE =
  '{"header":{"msg_id":"a349f320-d187-42f3-8f64-1c9ab6dad0f2","timestamp":1795608151883},"route":{"source":"edged","group":"meta","operation":"delete","resource":"default/pod/trace-pod"},"content":{"gracePeriodSeconds":0,"preconditions":{"uid":"133f1a7b-ba78-4536-8ffc-e02cd1cfbd55"}}}';
const POD_DELETE_OK =
  '{"header":{"msg_id":"67dd786e-5690-406f-9702-a6ccf87adfc8","parent_msg_id":"a349f320-d187-42f3-8f64-1c9ab6dad0f2","timestamp":1795608151907},"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"default/pod/trace-pod"},"content":"OK"}';

/** `actual` equals `expected` except for the two fields an ACK makes fresh. */
function expectSameAckExceptIdAndTime(actual: Message, expected: Message): void {
  expect({ ...actual, header: { ...actual.header, msg_id: '', timestamp: 0 } }).toEqual({
    ...expected,
    header: { ...expected.header, msg_id: '', timestamp: 0 },
  });
}

describe('buildAck', () => {
  it('builds the ACK the real edge sent for the lease NotFound reply (join t=10.281)', () => {
    const reply = decodeMessage(LEASE_NOT_FOUND);
    const traced = decodeMessage(LEASE_NOT_FOUND_ACK);
    expectSameAckExceptIdAndTime(buildAck(reply, 'fresh-id', 42), traced);
    expect(encodeMessage(buildAck(reply, traced.header.msg_id, traced.header.timestamp))).toBe(LEASE_NOT_FOUND_ACK + '\n');
  });

  it('copies source, group, resource and header type; sets response, parent id, "OK"; drops the rest', () => {
    const down = msg(
      { source: 'devicecontroller', destination: 'x', group: 'resource', operation: 'insert', resource: 'default/device/d1' },
      { big: true },
      { resourceversion: '9', sync: true, type: 'channel', parent_msg_id: 'p' },
    );
    expect(buildAck(down, 'ack-1', 99)).toEqual({
      header: { msg_id: 'ack-1', parent_msg_id: 'id-1', timestamp: 99, type: 'channel' },
      route: { source: 'devicecontroller', group: 'resource', operation: 'response', resource: 'default/device/d1' },
      content: 'OK',
    });
  });
});

describe('cloudRequiresAck (cloudcore noAckRequired, protocol doc §7)', () => {
  it.each<[string, Message]>([
    ['pod insert', msg({ ...EC, operation: 'insert', resource: 'default/pod/web' })],
    ['pod update', msg({ ...EC, operation: 'update', resource: 'default/pod/web' })],
    ['pod delete', msg({ ...EC, operation: 'delete', resource: 'default/pod/web' })],
    ['configmap update', msg({ ...EC, operation: 'update', resource: 'default/configmap/cm' })],
    ['secret delete', msg({ ...EC, operation: 'delete', resource: 'default/secret/s' })],
    ['Node echo update (1.23)', msg({ ...EC, operation: 'update', resource: 'null/node/vn-1' })],
    ['configmap query reply', msg({ ...EC, operation: 'response', resource: 'default/configmap/cm' }, { kind: 'ConfigMap' })],
    ['secret query reply', msg({ ...EC, operation: 'response', resource: 'default/secret/s' }, { kind: 'Secret' })],
    ['pvc query reply', msg({ ...EC, operation: 'response', resource: 'default/persistentvolumeclaim/c' }, { kind: 'PersistentVolumeClaim' })],
    ['device model insert', msg({ source: 'devicecontroller', group: 'resource', operation: 'insert', resource: 'default/devicemodel/m' })],
    ['dynamiccontroller push', msg({ source: 'dynamiccontroller', group: 'resource', operation: 'insert', resource: 'default/service/s' })],
  ])('ACK required: %s', (_name, m) => {
    expect(cloudRequiresAck(m)).toBe(true);
  });

  it.each<[string, Message]>([
    ['podlist', msg({ ...EC, operation: 'update', resource: 'default/podlist' })],
    ['membership', msg({ source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'membership' })],
    ['twin/cloud_updated', msg({ source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'device/default/d/twin/cloud_updated' })],
    ['serviceaccounttoken reply', msg({ ...EC, operation: 'response', resource: 'default/serviceaccounttoken/default' }, { kind: 'TokenRequest' })],
    ['k8s/ca.crt reply', msg({ ...EC, operation: 'response', resource: 'k8s/ca.crt' }, 'PEM')],
    ['CSI createvolume', msg({ ...EC, operation: 'createvolume', resource: 'default/volume/v' })],
    ['applicationResponse', msg({ source: 'metaserver', group: 'resource', operation: 'applicationResponse', resource: 'x' })],
    ['user group', msg({ source: 'router', group: 'user', operation: 'upload', resource: 'r' })],
    ['taskmanager', msg({ source: 'taskmanager', group: 'taskmanager', operation: 'Check', resource: 'operations.kubeedge.io/v1alpha2/imageprepulljob/j/node/n' })],
    ['nodeupgradejobcontroller', msg({ source: 'nodeupgradejobcontroller', group: 'resource', operation: 'upgrade', resource: 'x' })],
    ['"OK" reply', msg({ ...EC, operation: 'response', resource: 'default/configmap/cm' }, 'OK')],
    ['error reply {ErrStatus}', msg({ ...EC, operation: 'response', resource: 'default/configmap/cm' }, { ErrStatus: { code: 404 } })],
    ['error reply {}', msg({ ...EC, operation: 'response', resource: 'default/secret/s' }, {})],
    ['Node insert reply', msg({ ...EC, operation: 'response', resource: 'null/node/vn-1' }, { Object: {}, Err: null })],
    ['Node delete', msg({ ...EC, operation: 'delete', resource: 'null/node/vn-1' })],
    ['lease reply', msg({ ...EC, operation: 'response', resource: 'kube-node-lease/lease/vn-1' }, { Object: {}, Err: null })],
    ['nodepatch reply', msg({ ...EC, operation: 'response', resource: 'null/nodepatch/vn-1' }, { Object: {}, Err: null })],
    ['podpatch reply', msg({ ...EC, operation: 'response', resource: 'default/podpatch/web' }, { Object: {}, Err: null })],
    ['podstatus reply', msg({ ...EC, operation: 'response', resource: 'default/podstatus/web' }, { Object: {} })],
    ['CSR reply', msg({ ...EC, operation: 'response', resource: 'default/certificatesigningrequest/c' }, { Object: {} })],
    ['mirror pod insert reply', msg({ ...EC, operation: 'response', resource: 'default/pod/mirror' }, { Object: {}, Err: null })],
  ])('no ACK: %s', (_name, m) => {
    expect(cloudRequiresAck(m)).toBe(false);
  });

  it('isWireError recognises a Go error value on the wire, not an ObjectResp carrying one', () => {
    expect(isWireError({ ErrStatus: {} })).toBe(true);
    expect(isWireError({})).toBe(true);
    expect(isWireError({ Object: null, Err: { ErrStatus: {} } })).toBe(false);
    expect(isWireError('error')).toBe(false);
    expect(isWireError([])).toBe(false);
  });
});

describe('edgeAcks (the real v1.23 edge)', () => {
  it('ACKs the lease NotFound reply to its query, though the cloud needs no ACK (join t=10.281)', () => {
    const reply = decodeMessage(LEASE_NOT_FOUND);
    expect(reply.header.parent_msg_id).toBe(decodeMessage(LEASE_QUERY).header.msg_id);
    expect(edgeAcks(reply, 'query')).toBe(true);
    expect(cloudRequiresAck(reply)).toBe(false);
  });

  it('does not ACK the "OK" reply to its pod delete (pod-lifecycle t=57.706)', () => {
    const ok = decodeMessage(POD_DELETE_OK);
    expect(ok.header.parent_msg_id).toBe(decodeMessage(POD_DELETE).header.msg_id);
    expect(edgeAcks(ok, 'delete')).toBe(false);
  });

  it.each<[string, Message, boolean]>([
    ['edgecontroller insert', msg({ ...EC, operation: 'insert', resource: 'default/pod/web' }), true],
    ['edgecontroller update', msg({ ...EC, operation: 'update', resource: 'default/configmap/cm' }), true],
    ['edgecontroller delete', msg({ ...EC, operation: 'delete', resource: 'default/secret/s' }), true],
    ['devicecontroller update', msg({ source: 'devicecontroller', group: 'resource', operation: 'update', resource: 'default/device/d' }), true],
    ['update from an unknown source', msg({ source: 'router', group: 'resource', operation: 'update', resource: 'default/pod/web' }), false],
    ['event insert', msg({ ...EC, operation: 'insert', resource: 'default/event/e' }), false],
    ['cloud query of the edge', msg({ ...EC, operation: 'query', resource: 'default/pod' }), false],
    ['patch', msg({ ...EC, operation: 'patch', resource: 'default/pod/web' }), false],
    ['group twin (membership)', msg({ source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'membership' }), false],
    ['group user', msg({ source: 'router', group: 'user', operation: 'insert', resource: 'x' }), false],
  ])('downstream %s → %s', (_name, m, expected) => {
    expect(edgeAcks(m)).toBe(expected);
  });

  it.each<[string | undefined, string, boolean]>([
    ['query', 'default/configmap/cm', true],
    ['query', 'kube-node-lease/lease/vn-1', true],
    ['insert', 'null/node/vn-1', true],
    ['update', 'kube-node-lease/lease/vn-1', true],
    ['update', 'default/podstatus/web', false],
    ['patch', 'default/podpatch/web', false],
    ['patch', 'null/nodepatch/vn-1', false],
    ['delete', 'default/pod/web', false],
    [undefined, 'default/configmap/cm', false],
  ])('reply to the edge’s %s of %s → %s', (requestOp, resource, expected) => {
    const reply = msg({ ...EC, operation: 'response', resource }, { Object: {}, Err: null }, { parent_msg_id: 'req-1' });
    expect(edgeAcks(reply, requestOp)).toBe(expected);
  });
});

const present = traceDirPresent();
const SKIP_REASON = `SKIPPED: trace directory ${TRACE_DIR} not found`;

describe('ACK policy against every cloud→edge message of the kubeedge-v1.23.1 traces', () => {
  if (!present) {
    it(SKIP_REASON, (ctx) => ctx.skip(SKIP_REASON));
    return;
  }

  interface Decoded {
    trace: TraceWsMessage;
    m: Message;
  }
  const all: Decoded[] = readTraceMessages().map((trace) => ({ trace, m: decodeMessage(trace.data) }));
  const files = [...new Set(all.map((d) => d.trace.file))];
  const inFile = (file: string): Decoded[] => all.filter((d) => d.trace.file === file);
  const find = (file: string, t: number, dir: string): Message => {
    const hit = inFile(file).find((d) => d.trace.t === t && d.trace.dir === dir);
    if (hit === undefined) throw new Error(`no ${dir} message at ${file} t=${t}`);
    return hit.m;
  };
  const tracedAckOf = (file: string, down: Message): Decoded | undefined =>
    inFile(file).find((d) => d.trace.dir === 'edge->cloud' && d.m.header.parent_msg_id === down.header.msg_id && d.m.route.operation === 'response');

  it.each<[file: string, t: number, what: string]>([
    ['pod-lifecycle.jsonl', 5.728, 'pod insert'],
    ['pod-lifecycle.jsonl', 5.793, 'pod update after podpatch'],
    ['pod-lifecycle.jsonl', 5.905, 'configmap query reply'],
    ['pod-lifecycle.jsonl', 57.717, 'pod delete carrying the full Pod'],
    ['pod-lifecycle.jsonl', 78.15, 'configmap delete'],
    ['join.jsonl', 0.389, 'Node insert reply'],
    ['join.jsonl', 0.406, 'Node echo update'],
    ['join.jsonl', 10.31, 'lease insert reply'],
  ])('%s t=%s (%s): buildAck equals the traced ACK except msg_id/timestamp, and byte for byte with them', (file, t) => {
    const down = find(file, t, 'cloud->edge');
    const traced = tracedAckOf(file, down);
    expect(traced).toBeDefined();
    if (traced === undefined) return;
    expectSameAckExceptIdAndTime(buildAck(down, 'fresh', 1), traced.m);
    expect(encodeMessage(buildAck(down, traced.m.header.msg_id, traced.m.header.timestamp))).toBe(traced.trace.data + '\n');
  });

  it('edgeAcks predicts exactly which of the 66 cloud→edge messages the edge ACKed', () => {
    let checked = 0;
    let acked = 0;
    for (const file of files) {
      const sentByEdge = new Map(inFile(file).filter((d) => d.trace.dir === 'edge->cloud').map((d) => [d.m.header.msg_id, d.m]));
      for (const d of inFile(file).filter((x) => x.trace.dir === 'cloud->edge')) {
        const parent = d.m.header.parent_msg_id;
        const request = parent === undefined ? undefined : sentByEdge.get(parent);
        const traced = tracedAckOf(file, d.m);
        const where = `${file} t=${d.trace.t} ${d.m.route.operation} ${d.m.route.resource}`;
        expect(edgeAcks(d.m, request?.route.operation), where).toBe(traced !== undefined);
        if (cloudRequiresAck(d.m)) expect(traced, `cloud waits for an ACK of ${where}`).toBeDefined();
        if (traced !== undefined) {
          acked++;
          expect(encodeMessage(buildAck(d.m, traced.m.header.msg_id, traced.m.header.timestamp)), where).toBe(traced.trace.data + '\n');
        }
        checked++;
      }
    }
    expect(checked).toBe(66);
    expect(acked).toBe(56);
  });
});
