import { describe, expect, it } from 'vitest';
import type { Message } from '../../edge/codec/message.js';
import { downstreamRequiresAck } from './downstream-ack-policy.js';

const ec = (operation: string, resource: string, content: unknown = { metadata: { uid: 'u' } }): Message => ({
  header: { msg_id: 'm', timestamp: 0, resourceversion: '1' },
  route: { source: 'edgecontroller', group: 'resource', operation, resource },
  content,
});

// Cases from protocol doc §7 "Which messages need an ACK" and the v1.23.1 traces.
describe('downstreamRequiresAck', () => {
  it.each([
    ['pod insert', ec('insert', 'default/pod/p'), true],
    ['pod update', ec('update', 'default/pod/p'), true],
    ['pod delete', ec('delete', 'default/pod/p'), true],
    ['configmap update', ec('update', 'default/configmap/c'), true],
    ['secret delete', ec('delete', 'default/secret/s'), true],
    ['Node echo update (1.23)', ec('update', 'null/node/n'), true],
    ['configmap query reply', ec('response', 'default/configmap/c', { kind: 'ConfigMap', metadata: { uid: 'u' } }), true],
    ['secret query reply', ec('response', 'default/secret/s', { kind: 'Secret', metadata: { uid: 'u' } }), true],
    ['register reply', ec('response', 'null/node/n', { Object: {}, Err: null }), false],
    ['nodepatch reply', ec('response', 'null/nodepatch/n', { Object: {}, Err: null }), false],
    ['podpatch reply', ec('response', 'default/podpatch/p', { Object: {}, Err: null }), false],
    ['lease reply', ec('response', 'kube-node-lease/lease/n', { Object: null, Err: {} }), false],
    ['serviceaccounttoken reply', ec('response', 'default/serviceaccounttoken/default', { kind: 'TokenRequest' }), false],
    ['"OK" reply', ec('response', 'default/pod/p', 'OK'), false],
    ['configmap NotFound reply', ec('response', 'default/configmap/c', { ErrStatus: { reason: 'NotFound' } }), false],
    ['node insert', ec('insert', 'null/node/n'), false],
    ['lease update', ec('update', 'kube-node-lease/lease/n'), false],
    ['membership', { ...ec('update', 'membership'), route: { source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'membership' } }, false],
    ['CSI', ec('createvolume', 'default/volume/v1'), false],
  ] as const)('%s → %s', (_name, m, expected) => {
    expect(downstreamRequiresAck(m)).toBe(expected);
  });
});
