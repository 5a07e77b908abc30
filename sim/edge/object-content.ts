/**
 * Reading the JSON a cloud message carries without trusting its shape: an object or nothing, and
 * the failure a reply reports.
 */
import { isWireError } from '../protocol/kubeedge/ack-policy.js';

export type ObjectContent = Record<string, unknown>;

export function asObject(v: unknown): ObjectContent | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ObjectContent) : undefined;
}

/**
 * The failure a reply reports: an ObjectResp's `Err` (register, lease), or a Go error put in the
 * content itself, `{"ErrStatus":{…}}` or `{}`, as query replies carry it (isWireError).
 */
export function errReason(content: ObjectContent | undefined): string | undefined {
  const err = asObject(content?.Err) ?? (isWireError(content) ? content : undefined);
  const status = asObject(err?.ErrStatus);
  return typeof status?.reason === 'string' ? status.reason : err ? 'Unknown' : undefined;
}
