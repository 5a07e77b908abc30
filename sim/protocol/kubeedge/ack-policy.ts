/**
 * Which messages get an ACK, from both ends of the wire, and what an ACK looks like.
 * - The cloud's rule (`cloudRequiresAck`) decides which downstream messages cloudcore parks on a
 *   node's stop-and-wait ACK lane; the test peer uses it to know what to wait for.
 * - The edge's rule (`edgeAcks`) is what a real v1.23 edgecore answers with `response`/"OK"; it is
 *   wider than the cloud's (the edge also ACKs Node and Lease replies nobody waits for), and the live
 *   traces are the authority for it.
 */
import { CloudModule, EdgeModule, Op, type Message } from './message.js';
import { resourceTypeOf } from './resource.js';

/** `commonconst.MessageSuccessfulContent`: the content of every ACK and of bare success replies. */
export const ACK_CONTENT = 'OK';

const CSI_OPERATIONS: ReadonlySet<string> = new Set([
  'createvolume',
  'deletevolume',
  'controllerpublishvolume',
  'controllerunpublishvolume',
]);

/** `metaserver.ApplicationResp`. */
const APPLICATION_RESPONSE = 'applicationResponse';
const USER_GROUP = 'user';
const NODE_UPGRADE_JOB_CONTROLLER = 'nodeupgradejobcontroller';

/** edgecontroller resource types whose messages never wait for an ACK (Node: except `update`). */
const EDGECONTROLLER_NO_ACK_TYPES: ReadonlySet<string> = new Set([
  'lease',
  'nodepatch',
  'podpatch',
  'podstatus',
  'certificatesigningrequest',
]);

/**
 * A Go `error` put in a message's content, as it arrives: a `*StatusError` marshals as
 * `{"ErrStatus":{…}}`, any other error type (unexported fields only) as `{}`. An `ObjectResp`
 * carrying an error (`{"Object":null,"Err":{…}}`) is not one: cloudcore held a struct, not an error.
 */
export function isWireError(content: unknown): boolean {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return false;
  const keys = Object.keys(content);
  return keys.length === 0 || (keys.length === 1 && keys[0] === 'ErrStatus');
}

/**
 * Whether cloudcore expects an ACK for this downstream message: the negation of `noAckRequired` in
 * cloud/pkg/cloudhub/dispatcher/message_dispatcher.go (v1.23.1), applied to the edge-view resource
 * (cloudcore runs it on `node/<id>/…`; the substring tests and the type segment read the same).
 */
export function cloudRequiresAck(m: Message): boolean {
  const resource = m.route.resource ?? '';
  const operation = m.route.operation ?? '';
  const source = m.route.source ?? '';
  if (
    resource.includes('podlist') ||
    resource.includes('membership') ||
    resource.includes('twin/cloud_updated') ||
    resource.includes('serviceaccounttoken') ||
    resource.includes('k8s/ca.crt') ||
    CSI_OPERATIONS.has(operation) ||
    operation === APPLICATION_RESPONSE ||
    m.route.group === USER_GROUP ||
    source === CloudModule.TaskManager ||
    source === NODE_UPGRADE_JOB_CONTROLLER
  ) {
    return false;
  }
  if (operation === Op.Response && (m.content === ACK_CONTENT || isWireError(m.content))) return false;
  if (source === CloudModule.EdgeController) {
    const type = resourceTypeOf(resource);
    if (type === 'node' && operation !== Op.Update) return false;
    if (type !== undefined && EDGECONTROLLER_NO_ACK_TYPES.has(type)) return false;
    if (type === 'pod' && operation === Op.Response) return false;
  }
  return true;
}

/** Sources whose downstream `update` metamanager stores and ACKs (processUpdate). */
const ACKED_UPDATE_SOURCES: ReadonlySet<string> = new Set([
  CloudModule.EdgeController,
  CloudModule.DeviceController,
  'dynamiccontroller',
  'policycontroller',
]);

/**
 * Whether a real v1.23 edge answers this cloud→edge message with an ACK.
 *
 * `requestOp` is the operation of the edge's own request that `m` replies to (match
 * `m.header.parent_msg_id` against what you sent); leave it undefined when `m` is not a reply or
 * answers nothing pending (edgehub then has no waiter and drops it unACKed).
 *
 * Live traces (kubeedge-v1.23.1): every downstream insert/update/delete from edgecontroller in group
 * `resource` is ACKed; so are the replies to the edge's query, insert and update, Node and Lease
 * replies and error replies included; the replies to its patches (nodepatch, podpatch) and the "OK"
 * to its pod delete are not. The source (edge/pkg/metamanager/process.go) gives the rest: only
 * requests sent through `processRemote` are ACKed on reply, and that is how every query and insert
 * the edge sends to the cloud travels, but among updates only the lease's; other edge updates (legacy
 * nodestatus/podstatus) are fire-and-forget like patches, so their "OK" is not ACKed either. Messages for group `twin`, `user` or `taskmanager` never reach metamanager.
 */
export function edgeAcks(m: Message, requestOp?: string): boolean {
  const group = m.route.group;
  if (group !== 'resource' && group !== 'func') return false;
  const type = resourceTypeOf(m.route.resource);
  const source = m.route.source ?? '';
  if (m.header.parent_msg_id !== undefined) {
    switch (requestOp) {
      case Op.Query:
      case Op.Insert:
        return true;
      case Op.Update:
        return type === 'lease';
      default:
        return false;
    }
  }
  if (source === EdgeModule.Edged || type === 'event') return false;
  switch (m.route.operation) {
    case Op.Insert:
      return true;
    case Op.Update:
      return ACKED_UPDATE_SOURCES.has(source);
    case Op.Delete:
      return true;
    default:
      return false;
  }
}

/**
 * The ACK for `downstream`, as metamanager builds it with `NewRespByMessage(msg, "OK")`: a new id,
 * `parent_msg_id` = the acknowledged message's id, the same source, group, resource and header type,
 * operation `response`, content "OK".
 */
export function buildAck(downstream: Message, msgId: string, nowMs: number): Message {
  const ack: Message = {
    header: { msg_id: msgId, parent_msg_id: downstream.header.msg_id, timestamp: nowMs },
    route: {},
    content: ACK_CONTENT,
  };
  if (downstream.header.type) ack.header.type = downstream.header.type;
  const { source, group, resource } = downstream.route;
  if (source) ack.route.source = source;
  if (group) ack.route.group = group;
  ack.route.operation = Op.Response;
  if (resource) ack.route.resource = resource;
  return ack;
}
