/**
 * The steady traffic of one virtual node at edgecore's default intervals, reduced to what the
 * transport sees: frame sizes, periods and the expected rates. Payload contents are filler shaped
 * like KubeEdge messages; TLS and the socket cost the same for any bytes of the same length.
 */
import { EDGECORE_TIMINGS } from '../../sim/edge/edge-runtime.js';

/** Lease update, client → server, every lease period (kubelet's lease renew interval, 10 s). */
export const LEASE_PAYLOAD_BYTES = 1130;
/** The hub's Lease reply, server → client, one per lease update. */
export const REPLY_PAYLOAD_BYTES = 1060;
/** The ACK the node writes on receiving the reply. */
export const ACK_PAYLOAD_BYTES = 235;
/** Keepalive, client → server, every keepalive period (edgecore's heartbeat 15 s); never answered. */
export const KEEPALIVE_PAYLOAD_BYTES = 195;

export const LEASE_PERIOD_MS = EDGECORE_TIMINGS.leaseMs;
export const KEEPALIVE_PERIOD_MS = EDGECORE_TIMINGS.keepaliveMs;

/**
 * Client frames with a payload this large are leases and get a reply. The ACK and the keepalive
 * are far below it; the server tells frames apart by size alone because nothing else differs.
 */
export const REPLY_THRESHOLD_BYTES = 1000;

/** A server text frame: FIN + text opcode, unmasked, 16-bit extended length (126 ≤ payload < 65536). */
const SERVER_HEADER_BYTES = 4;
export const REPLY_FRAME_BYTES = SERVER_HEADER_BYTES + REPLY_PAYLOAD_BYTES;

/** A JSON message of exactly `bytes` bytes (ASCII), its content field padded to fit. */
export function fillerMessage(resource: string, bytes: number): string {
  const head = `{"header":{"msg_id":"6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e","timestamp":1700000000000},"route":{"source":"edged","group":"meta","operation":"update","resource":"${resource}"},"content":"`;
  const tail = '"}';
  const pad = bytes - head.length - tail.length;
  if (pad < 0) throw new RangeError(`a ${resource} message cannot be ${bytes} bytes: the envelope alone is ${head.length + tail.length}`);
  return `${head}${'x'.repeat(pad)}${tail}`;
}

export const LEASE_TEXT = fillerMessage('kube-node-lease/lease/vn-000001', LEASE_PAYLOAD_BYTES);
export const ACK_TEXT = fillerMessage('ack', ACK_PAYLOAD_BYTES);
export const KEEPALIVE_TEXT = fillerMessage('keepalive', KEEPALIVE_PAYLOAD_BYTES);

/** The reply frame, bytes for the wire: the same Buffer can be written to every socket. */
export function replyFrame(): Buffer {
  const frame = Buffer.alloc(REPLY_FRAME_BYTES);
  frame[0] = 0x81;
  frame[1] = 126;
  frame.writeUInt16BE(REPLY_PAYLOAD_BYTES, 2);
  frame.write(fillerMessage('kube-node-lease/lease/vn-000001', REPLY_PAYLOAD_BYTES), SERVER_HEADER_BYTES, 'latin1');
  return frame;
}

export interface ScheduleRates {
  /** Client frames written per second: two per lease period (lease, ACK) and one per keepalive period. */
  writesPerS: number;
  /** Reply frames read per second: one per lease period. */
  readsPerS: number;
}

export function expectedRates(nodes: number, leasePeriodMs: number, keepalivePeriodMs: number): ScheduleRates {
  return {
    writesPerS: nodes * (2000 / leasePeriodMs + 1000 / keepalivePeriodMs),
    readsPerS: (nodes * 1000) / leasePeriodMs,
  };
}
