/**
 * The timers a virtual node keeps on its shard's wheel: their kinds, and arming and cancelling
 * the node's own ones (one slot per kind in `node.timers`). The kinds are listed in one place
 * because `VirtualNode.onTimer` dispatches them for every module; a pod's two kinds fire on its
 * PodState instead (edged-pods.ts).
 */
import { NO_TIMER } from '../scheduler/timer-wheel.js';
import type { VirtualNode } from './virtual-node.js';

/** edgehub's keepalive period. */
export const T_KEEPALIVE = 1;
/** edged's lease renewal, or kubelet's ensure-lease backoff. */
export const T_LEASE = 2;
/** edged's node status sync. */
export const T_STATUS = 3;
/** edgehub's next dial. */
export const T_DIAL = 4;
/** The earliest deadline among the node's pending requests. */
export const T_REQUEST_TIMEOUT = 5;
/** edged's next register attempt after a refusal. */
export const T_REGISTER = 6;
/** A pod's startup delay is over (on the PodState). */
export const T_POD_START = 7;
/** A terminating pod's kill delay is over: its `delete` may go once the terminated patch is answered (on the PodState). */
export const T_POD_KILLED = 8;

/** The node's own timers are loose: edgecore's periods are seconds, and sharing the shard's grid saves wake-ups. */
export function arm(node: VirtualNode, kind: number, delayMs: number): void {
  const wheel = node.rt.wheel;
  const id = node.timers[kind]!;
  if (id !== NO_TIMER && wheel.rescheduleLoose(id, delayMs)) return;
  node.timers[kind] = wheel.scheduleLoose(node, kind, delayMs);
}

export function cancelTimer(node: VirtualNode, kind: number): void {
  const id = node.timers[kind]!;
  if (id !== NO_TIMER) node.rt.wheel.cancel(id);
  node.timers[kind] = NO_TIMER;
}
