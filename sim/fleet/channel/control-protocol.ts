/**
 * The network control channel's wire format: a WebSocket at CONTROL_PATH carrying one JSON message
 * per text frame — the same ControllerToShard/ShardToController messages the IPC channel carries —
 * after a `hello` from the shard. The run's token rides in the upgrade request's Authorization
 * header; a request without it is refused before any frame.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ShardIndexSource } from '../shard/shard-identity.js';

export const CONTROL_PATH = '/twinlab/v1/shards';
export const CONTROL_PROTOCOL_VERSION = 1;
/** The largest frame either side accepts: a start config or a snapshot of a big shard, with room. */
export const CONTROL_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The shard's first frame. */
export interface ShardHello {
  type: 'hello';
  protocol: number;
  index: number;
  of: number;
  /** Where the index came from (the pod's hostname ordinal, JOB_COMPLETION_INDEX, --index). */
  source: ShardIndexSource;
  /** The shard's host name (a pod name in a cluster). */
  host: string;
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Constant-time check of an Authorization header against the run's token. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const given = Buffer.from(header);
  const want = Buffer.from(bearer(token));
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Why a hello is refused, or undefined when it is sound. Plain JSON from another machine: check every field. */
export function helloProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'the first frame is not a JSON object';
  const h = value as Partial<ShardHello>;
  if (h.type !== 'hello') return `the first frame is ${JSON.stringify(h.type)}, not "hello"`;
  if (h.protocol !== CONTROL_PROTOCOL_VERSION) return `control protocol ${String(h.protocol)}, this controller speaks ${CONTROL_PROTOCOL_VERSION}`;
  if (!Number.isInteger(h.of) || (h.of as number) < 1) return `"of" ${JSON.stringify(h.of)} is not a whole number ≥ 1`;
  if (!Number.isInteger(h.index) || (h.index as number) < 0 || (h.index as number) >= (h.of as number)) {
    return `"index" ${JSON.stringify(h.index)} is not in 0..${(h.of as number) - 1}`;
  }
  if (typeof h.host !== 'string' || typeof h.source !== 'string') return '"host" and "source" must be strings';
  return undefined;
}
