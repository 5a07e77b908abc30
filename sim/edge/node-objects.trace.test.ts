/**
 * Pod status patches against the ones the real edge sent in pod-lifecycle.jsonl, byte for byte:
 * Pending (t=5.784), Running (t=6.63) and terminated (t=57.361). Skips visibly without the traces.
 */
import { describe, expect, it } from 'vitest';
import { readTraceMessages, traceDirPresent } from '../protocol/kubeedge/fixtures/trace-lines.js';
import { podPendingPatch, podRunningPatch, podTerminatedPatch, type PodRef } from './node-objects.js';
import { podContainers } from './pod-references.js';

const present = traceDirPresent();
const why = present ? '' : ' (skipped: ../shared/traces/kubeedge-v1.23.1 not found)';

interface Traced {
  route: { operation?: string; resource?: string };
  content: unknown;
}

describe.skipIf(!present)(`pod status patches match the traced edge${why}`, () => {
  const messages = present ? readTraceMessages().filter((m) => m.file === 'pod-lifecycle.jsonl') : [];
  const insert = messages.map((m) => m.parsed as Traced).find((m) => m.route.operation === 'insert' && m.route.resource === 'default/pod/trace-pod')!;
  const patches = messages.filter((m) => (m.parsed as Traced).route.resource === 'default/podpatch/trace-pod' && (m.parsed as Traced).route.operation === 'patch');
  const content = insert?.content as { metadata: { uid: string } };
  const pod: PodRef = { namespace: 'default', name: 'trace-pod', uid: content?.metadata.uid, containers: podContainers(content) };

  it('Pending, as at t=5.784', () => {
    const traced = (patches[0]!.parsed as Traced).content as string;
    expect(podPendingPatch(pod, '198.19.0.1', Date.parse('2026-11-25T12:01:39Z'))).toBe(traced);
  });

  it('Running, as at t=6.63', () => {
    const traced = (patches[1]!.parsed as Traced).content as string;
    expect(podRunningPatch(pod, '192.168.192.168', Date.parse('2026-11-25T12:01:40Z'))).toBe(traced);
  });

  it('terminated, as at t=57.361', () => {
    const traced = (patches[2]!.parsed as Traced).content as string;
    expect(podTerminatedPatch(pod, Date.parse('2026-11-25T12:01:40Z'), Date.parse('2026-11-25T12:02:31Z'))).toBe(traced);
  });
});
