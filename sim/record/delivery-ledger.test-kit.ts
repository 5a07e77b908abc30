/** Shorthands for the ledger tests: objects named `name` have uid `uid-<name>` and live in `default`. */
import type { Receipt } from './delivery-ledger.js';
import type { Expectation } from '../model/run-events.js';

export function change(node: string, name: string, rv: string | null, atMs: number, phase = 'steady', kind = 'pod'): Expectation {
  return { node, kind, namespace: 'default', name, uid: `uid-${name}`, resourceVersion: rv, atMs, phase };
}

export function got(node: string, name: string, operation: string, rv: string, atMs: number, msgId?: string, kind = 'pod'): Receipt {
  return { node, kind, uid: `uid-${name}`, resourceVersion: rv, operation, atMs, ...(msgId === undefined ? {} : { msgId }) };
}

export const SECTION = { graceSeconds: 30, unansweredUpstream: 0 };
