/**
 * Which downstream messages the peer sends on the ACK lane, mirroring cloudcore's `noAckRequired`
 * (cloud/pkg/cloudhub/dispatcher/message_dispatcher.go; protocol doc §7). The peer routes every
 * downstream message through this, so its lane choice is the cloud's rule, not a per-call guess.
 */
import type { Message } from '../../edge/codec/message.js';

const NO_ACK_RESOURCE = /podlist|membership|twin\/cloud_updated|serviceaccounttoken|k8s\/ca\.crt/;
const CSI_RESOURCE = /^\w[-\w.+]*\/volume\/\w[-\w.+]*/;
const QUERY_TYPES_NEEDING_ACK = new Set(['configmap', 'secret', 'persistentvolume', 'persistentvolumeclaim', 'volumeattachment']);
const NO_ACK_TYPES = new Set(['lease', 'nodepatch', 'podpatch', 'podstatus', 'certificatesigningrequest']);
const ACK_SOURCES = new Set(['edgecontroller', 'devicecontroller']);
const ACK_OPERATIONS = new Set(['insert', 'update', 'delete']);

/** `<ns>/<type>/<name>` or `<ns>/<type>` → `<type>`. */
export function resourceType(resource: string): string {
  const parts = resource.split('/');
  return parts[1] ?? '';
}

function isErrorContent(content: unknown): boolean {
  return content !== null && typeof content === 'object' && 'ErrStatus' in content;
}

/** True when the edge must ACK `m` and the cloud resends it until it does. */
export function downstreamRequiresAck(m: Message): boolean {
  const { source = '', group = '', operation = '', resource = '' } = m.route;
  if (NO_ACK_RESOURCE.test(resource) || CSI_RESOURCE.test(resource)) return false;
  if (group === 'user' || group === 'taskmanager' || source === 'taskmanager') return false;
  const type = resourceType(resource);
  if (operation === 'response') {
    if (typeof m.content === 'string' || isErrorContent(m.content)) return false;
    return QUERY_TYPES_NEEDING_ACK.has(type);
  }
  if (NO_ACK_TYPES.has(type)) return false;
  if (type === 'node') return operation === 'update';
  return group === 'resource' && ACK_SOURCES.has(source) && ACK_OPERATIONS.has(operation);
}
