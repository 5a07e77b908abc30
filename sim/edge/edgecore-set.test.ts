import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../errors.js';
import { EDGECORE_TIMINGS } from './edge-runtime.js';
import { edgecoreTimings, formatEdgecoreSet, heartbeatSeconds, parseEdgecoreSet } from './edgecore-set.js';

describe('--edgecore-set', () => {
  it("reads edgecore's own field names and forms into the node's timings", () => {
    const set = parseEdgecoreSet([
      'modules.edgeHub.heartbeat=25',
      'modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=160',
      'modules.edged.tailoredKubeletConfig.nodeStatusUpdateFrequency=1m',
      'modules.edged.tailoredKubeletConfig.nodeStatusReportFrequency=90s',
    ]);
    const t = edgecoreTimings(set);
    expect(t.keepaliveMs).toBe(25_000);
    // kubelet renews its lease every quarter of the lease's duration.
    expect(t.leaseMs).toBe(40_000);
    expect(t.statusSyncMs).toBe(60_000);
    expect(t.statusReportMs).toBe(90_000);
    expect(t.reconnectSleepMs).toBe(EDGECORE_TIMINGS.reconnectSleepMs);
    expect(heartbeatSeconds(set)).toBe(25);
    expect(formatEdgecoreSet(set)).toBe(
      'modules.edgeHub.heartbeat=25,modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=160,' +
        'modules.edged.tailoredKubeletConfig.nodeStatusUpdateFrequency=60s,modules.edged.tailoredKubeletConfig.nodeStatusReportFrequency=90s',
    );
  });

  it("leaves edgecore's defaults alone when nothing is set", () => {
    expect(edgecoreTimings(parseEdgecoreSet([]))).toEqual(EDGECORE_TIMINGS);
    expect(heartbeatSeconds({})).toBe(15);
  });

  it('names the flag, the field and what it expects for bad input', () => {
    const bad = (v: string): string => {
      try {
        parseEdgecoreSet([v]);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigInvalidError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${v}`);
    };
    expect(bad('modules.edgeHub.heartbeat')).toMatch(/expected key\.path=value/);
    expect(bad('modules.edgeHub.projectID=x')).toMatch(/modules\.edgeHub\.projectID: not a field .* settable: modules\.edgeHub\.heartbeat/);
    expect(bad('modules.edgeHub.heartbeat=15s')).toMatch(/heartbeat="15s": expected whole seconds from 1 to 3600 \(edgecore's default 15\)/);
    expect(bad('modules.edged.tailoredKubeletConfig.nodeStatusUpdateFrequency=10')).toMatch(/expected a duration such as 40s or 2m/);
    expect(bad('modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=2')).toMatch(/from 4 to 3600/);
    expect(() => parseEdgecoreSet(['modules.edgeHub.heartbeat=20', 'modules.edgeHub.heartbeat=21'])).toThrow(/given twice, as 20s and 21s/);
  });
});
