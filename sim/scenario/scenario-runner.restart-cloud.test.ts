/**
 * The restart-cloud phase's orchestration with the cloud, the fleet and the API faked at the
 * ports: cloudcore restarted with the phase's signal and downtime, the outage's changes made while
 * it is down, the fleet's return awaited, and the node-by-node account put in the phase record.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTwinlabError } from '../errors.js';
import { nodeName } from '../fleet/ipc-messages.js';
import type { CloudRestartRequest } from '../cloud/control-plane.js';
import type { FirstFailedSend } from '../record/first-failed-sends.js';
import type { RunEvent } from '../model/run-events.js';
import { LinkTracker } from './link-tracker.js';
import { parseScenario } from './scenario-loader.js';
import { ScenarioRunner, type ScenarioPorts } from './scenario-runner.js';
import type { ScenarioWorkload } from './scenario-workload.js';

const YAML = `name: t
description: a restart
fleet:
  nodes: 4
timeline:
  - phase: restart-cloud
    name: bounce
    signal: SIGKILL
    downtime: 50ms
    podChanges: 3
    configMapChanges: 2
    observe: 300ms
    timeout: 5s
`;

function ports(over: Partial<ScenarioPorts> = {}): { ports: ScenarioPorts; records: RunEvent[]; requests: CloudRestartRequest[]; changes: string[] } {
  const links = new LinkTracker(4, 'vn');
  const records: RunEvent[] = [];
  const requests: CloudRestartRequest[] = [];
  const changes: string[] = [];
  let down = false;
  let uid = 0;
  const workload: ScenarioWorkload = {
    namespace: 'twinlab',
    createPod: async (node, name) => {
      changes.push(`${down ? 'down' : 'up'} create ${node} ${name}`);
      return { uid: `u${++uid}`, resourceVersion: '10', atMs: Date.now() };
    },
    updatePod: async (pod) => {
      changes.push(`${down ? 'down' : 'up'} update ${pod.name}`);
      return { resourceVersion: '11', atMs: Date.now() };
    },
    deletePod: async (pod) => {
      changes.push(`${down ? 'down' : 'up'} delete ${pod.name}`);
      return { atMs: Date.now() };
    },
    createPodWithConfigMap: async (node, name) => {
      changes.push(`${down ? 'down' : 'up'} mount ${node} ${name}`);
      return { uid: `u${++uid}`, resourceVersion: '12', atMs: Date.now() };
    },
    updateConfigMap: async (node) => {
      changes.push(`${down ? 'down' : 'up'} configmap ${node}`);
      return { name: `cm-${node}`, uid: `cm-${node}`, resourceVersion: '13', atMs: Date.now() };
    },
  };
  const t0 = Date.now();
  const failed = (node: string, send: FirstFailedSend['send']): [string, FirstFailedSend] => [node, { node, send, detail: send, leasePending: false, atMs: t0 + 100 }];
  const p: ScenarioPorts = {
    runStartedAtMs: t0,
    nodeName: (i) => nodeName('vn', i),
    workload,
    links,
    injectFault: async (fault) => {
      throw new Error(`a restart-cloud phase injects no fleet fault (got ${fault.kind})`);
    },
    healFault: async () => undefined,
    readyNodes: () => 4,
    pendingDeliveries: () => 0,
    cloudConnected: async () => null,
    apiNotReady: () => null,
    apiReadyAgain: () => 4,
    cloudRestart: {
      restartCloudcore: async (r) => {
        requests.push(r);
        const stoppedAtMs = Date.now();
        down = true;
        await r.whileDown?.();
        down = false;
        // every link dropped by the stop comes back a little later
        setTimeout(() => links.onShardEvents([0, 1, 2, 3].map((i) => ({ kind: 'link', node: nodeName('vn', i), up: true, atMs: Date.now() }))), 100);
        return { stoppedAtMs, exitedAtMs: stoppedAtMs, startedAtMs: Date.now(), readyAtMs: Date.now(), detail: 'SIGKILL pid 1 → pid 2' };
      },
    },
    apiNotReadySpans: () => new Map([[2, { fromMs: t0 + 200, toMs: t0 + 250 }]]),
    firstFailedSends: () => new Map([failed('vn-00000', 'keepalive'), failed('vn-00001', 'keepalive'), failed('vn-00002', 'lease'), failed('vn-00003', 'other')]),
    resentObjects: (() => {
      let n = 5;
      return () => (n += 2);
    })(),
    phaseDeliveries: (phase) => (phase === 'bounce' ? { expected: 5, delivered: 5 } : { expected: 0, delivered: 0 }),
    record: (e) => records.push(e),
    interrupted: () => false,
    log: () => undefined,
    ...over,
  };
  return { ports: p, records, requests, changes };
}

describe('ScenarioRunner restart-cloud phase', () => {
  it('restarts cloudcore as asked, changes pods and ConfigMaps while it is down, and records the fleet coming back node by node', async () => {
    const f = ports();
    const runner = new ScenarioRunner(parseScenario(YAML, 't.yaml'), f.ports);
    const [record] = await runner.run();
    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]).toMatchObject({ signal: 'SIGKILL', downtimeMs: 50 });
    // the ConfigMaps' pods are placed before the stop; the pod changes and ConfigMap updates happen while down
    expect(f.changes.filter((c) => c.includes(' mount '))).toHaveLength(2);
    expect(f.changes.filter((c) => c.includes(' mount ')).every((c) => c.startsWith('up '))).toBe(true);
    const whileDown = f.changes.filter((c) => c.startsWith('down '));
    expect(whileDown.filter((c) => c.includes(' configmap '))).toEqual(['down configmap vn-00000', 'down configmap vn-00002']);
    expect(whileDown.filter((c) => !c.includes(' configmap '))).toHaveLength(3);
    const expects = f.records.filter((e): e is Extract<RunEvent, { t: 'expect' }> => e.t === 'expect');
    expect(expects.filter((e) => e.kind === 'configmap').map((e) => e.phase)).toEqual(['bounce', 'bounce']);
    expect(expects.filter((e) => e.phase === 'bounce-setup')).toHaveLength(2);
    expect(record!.recovery).toMatchObject({
      cloudReadyS: 0,
      leaseFirst: 1,
      keepaliveFirst: 2,
      otherFirst: 1,
      nodesUnknown: 1,
      flipMispredicted: 0,
      objectsResent: 2,
      changedDuringOutage: 5,
      changedDelivered: 5,
      configMapsChanged: 2,
    });
    expect(record!.recovery.allReconnectedS).not.toBeNull();
    expect(record!.cloudRestart).toMatchObject({
      signal: 'SIGKILL',
      detail: 'SIGKILL pid 1 → pid 2',
      predictedUnknown: ['vn-00002'],
      unknown: [{ node: 'vn-00002', forS: 0.1 }],
      agreement: { both: 1, unknownOnly: [], predictedOnly: [] },
    });
    // the phase lasted at least its observation window
    expect(record!.endS - record!.startS).toBeGreaterThanOrEqual(0.3);
  });

  it('refuses to start a timeline with restart-cloud on a cloud that cannot restart cloudcore', () => {
    const f = ports({ cloudRestart: undefined });
    let error: unknown;
    try {
      new ScenarioRunner(parseScenario(YAML, 't.yaml'), f.ports);
    } catch (e) {
      error = e;
    }
    expect(isTwinlabError(error) && error.code).toBe(ErrorCodes.ConfigInvalid);
    expect((error as Error).message).toContain('--cloud-restart-command');
  });
});
