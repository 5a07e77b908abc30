import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { prometheusWanted } from '../prometheus/run-prometheus.js';
import { parseSimOptions, recordedOptions } from './sim-options.js';

function failure(argv: string[]): TwinlabError {
  try {
    parseSimOptions(argv);
  } catch (e) {
    if (e instanceof TwinlabError) return e;
    throw e;
  }
  throw new Error(`parseSimOptions(${JSON.stringify(argv)}) did not throw`);
}

describe('sim --prometheus options', () => {
  it('default to auto, a 2 s interval and no remote write, and record nothing then', () => {
    const o = parseSimOptions([]);
    expect(o.prometheus).toBe('auto');
    expect(o.prometheusIntervalSeconds).toBe(2);
    expect(o.prometheusRemoteWrite).toBeUndefined();
    const rec = recordedOptions(o);
    expect(rec).not.toHaveProperty('prometheus');
    expect(rec).not.toHaveProperty('prometheusRemoteWrite');
  });

  it('record the remote_write host only: the URL may carry credentials', () => {
    const o = parseSimOptions(['--prometheus-remote-write', 'https://user:secret@mimir.example:9009/api/v1/push', '--prometheus-interval', '5s']);
    expect(o.prometheusIntervalSeconds).toBe(5);
    const rec = recordedOptions(o);
    expect(rec.prometheusRemoteWrite).toBe('mimir.example:9009');
    expect(JSON.stringify(rec)).not.toContain('secret');
  });

  it('refuse a bad mode, an interval outside 1–5 s, a non-http remote write, and remote write with Prometheus off', () => {
    expect(failure(['--prometheus', 'yes']).code).toBe(ErrorCodes.ConfigInvalid);
    expect(failure(['--prometheus-interval', '0']).message).toMatch(/--prometheus-interval/);
    expect(failure(['--prometheus-interval', '10']).message).toMatch(/1 to 5/);
    expect(failure(['--prometheus-remote-write', 'mimir:9009']).message).toMatch(/http\(s\) URL/);
    expect(failure(['--prometheus', 'off', '--prometheus-remote-write', 'https://m.example/push']).message).toMatch(/--prometheus off/);
  });

  it('auto runs one with the local control plane, or with any cloud when its data goes to a remote write', () => {
    expect(prometheusWanted('auto', 'local', false)).toBe(true);
    expect(prometheusWanted('auto', 'attach', false)).toBe(false);
    expect(prometheusWanted('auto', 'attach', true)).toBe(true);
    expect(prometheusWanted('off', 'local', false)).toBe(false);
    expect(prometheusWanted('on', 'loopback', false)).toBe(true);
  });
});
