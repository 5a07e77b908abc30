/**
 * What a fake camera has seen and done, for tests and reports: requests by operation, auth
 * failures, snapshots served, and every fault it answered or injected.
 */

export interface OnvifCameraCounters {
  /** SOAP requests per operation name; operations the camera does not implement count under 'unknown'. */
  readonly requestsByAction: Readonly<Record<string, number>>;
  readonly authFailures: number;
  readonly snapshotsServed: number;
  /** Every SOAP fault sent, whatever the cause (auth failures and injected faults included). */
  readonly soapFaults: number;
  /** Faults sent because soapFaultRate fired. */
  readonly injectedFaults: number;
  /** Requests that were not a SOAP 1.2 envelope (or not XML at all). */
  readonly malformedRequests: number;
  /** Connections closed unanswered because dropRate fired. */
  readonly droppedConnections: number;
  /** Connections reset because the camera was offline or rebooting. */
  readonly refusedWhileUnavailable: number;
  readonly reboots: number;
  readonly probesAnswered: number;
  /** Requests a handler failed on (answered with env:Receiver / ter:Action); a bug if ever above 0. */
  readonly internalErrors: number;
}

type Tally = { -readonly [K in keyof OnvifCameraCounters]: OnvifCameraCounters[K] };
export type CounterName = Exclude<keyof OnvifCameraCounters, 'requestsByAction'>;

export class CameraCounters {
  private readonly tally: Tally = {
    requestsByAction: {},
    authFailures: 0,
    snapshotsServed: 0,
    soapFaults: 0,
    injectedFaults: 0,
    malformedRequests: 0,
    droppedConnections: 0,
    refusedWhileUnavailable: 0,
    reboots: 0,
    probesAnswered: 0,
    internalErrors: 0,
  };
  private readonly byAction = new Map<string, number>();

  count(name: CounterName): number {
    this.tally[name] += 1;
    return this.tally[name];
  }

  countRequest(action: string): void {
    this.byAction.set(action, (this.byAction.get(action) ?? 0) + 1);
  }

  snapshot(): OnvifCameraCounters {
    return { ...this.tally, requestsByAction: Object.fromEntries(this.byAction) };
  }
}

/** Counters of many cameras added up, requests merged by operation. */
export function sumCounters(all: readonly OnvifCameraCounters[]): OnvifCameraCounters {
  const total = new CameraCounters().snapshot() as Tally;
  const byAction: Record<string, number> = {};
  for (const counters of all) {
    for (const [action, n] of Object.entries(counters.requestsByAction)) byAction[action] = (byAction[action] ?? 0) + n;
    for (const name of Object.keys(total) as (keyof Tally)[]) {
      if (name !== 'requestsByAction') total[name] += counters[name];
    }
  }
  return { ...total, requestsByAction: byAction };
}
