import { describe, expect, it } from 'vitest';
import { EDGECORE_POD_KILL_DELAY_MS } from '../edge/edge-runtime.js';
import { parseSimOptions, recordedOptions } from './sim-options.js';

describe('--pod-kill-delay', () => {
  it('defaults to edgecore’s, from the trace, and is recorded in the run’s options', () => {
    const o = parseSimOptions([]);
    expect(EDGECORE_POD_KILL_DELAY_MS).toBe(391);
    expect(o.podKillDelayMs).toBe(391);
    expect(recordedOptions(o)).toMatchObject({ podKillDelayMs: 391, podStartupDelayMs: 0 });
  });

  it('takes a duration, 0 included, and rejects anything else naming the flag', () => {
    expect(parseSimOptions(['--pod-kill-delay', '1.5s']).podKillDelayMs).toBe(1500);
    expect(recordedOptions(parseSimOptions(['--pod-kill-delay', '0'])).podKillDelayMs).toBe(0);
    expect(() => parseSimOptions(['--pod-kill-delay', 'soon'])).toThrow(/--pod-kill-delay "soon" is not a duration/);
  });
});
