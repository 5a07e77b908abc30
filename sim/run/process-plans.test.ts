import { describe, expect, it } from 'vitest';
import { cloudhubPortWarning, planRunProcesses } from './process-plans.js';
import { parseSimOptions } from './sim-options.js';

const limit = { soft: 20_000, hard: 20_000, source: '/proc/self/limits' };

describe('the run planned from the open-files limit', () => {
  it('spreads 100,000 loopback nodes over 6 shards and 6 peer processes under 20,000 files, and says so', () => {
    const lines: string[] = [];
    const plans = planRunProcesses(parseSimOptions(['--cloud', 'loopback', '--nodes', '100000', '--certs', 'shared']), 'loopback', (l) => lines.push(l), limit);
    expect(plans.shards.processes).toBe(6);
    expect(plans.peer?.processes).toBe(6);
    expect(plans.peer?.perProcess).toBe(16_667);
    expect(lines.join('\n')).toContain('100,000 nodes need 6 shards');
    expect(lines.join('\n')).toContain('the loopback peer runs as 6 processes of up to 16,667 nodes each');
  });

  it('plans no peer for a real cloud and keeps a fleet that fits as asked', () => {
    const lines: string[] = [];
    const plans = planRunProcesses(parseSimOptions(['--cloud', 'local', '--nodes', '1000', '--shards', '2']), 'local', (l) => lines.push(l), limit);
    expect(plans.peer).toBeUndefined();
    expect(plans.shards.processes).toBe(2);
    expect(lines).toEqual([]);
  });

  it('refuses --shards 2 for 100,000 nodes before anything starts', () => {
    expect(() => planRunProcesses(parseSimOptions(['--cloud', 'loopback', '--nodes', '100000', '--shards', '2']), 'loopback', () => undefined, limit)).toThrow(
      /--shards 2 cannot hold 100,000 nodes.*pass --shards 6/,
    );
  });

  it("warns when a local cloudcore's one CloudHub port cannot take the fleet from 127.0.0.1", () => {
    const w = cloudhubPortWarning(30_000, 'local', 28_232);
    expect(w?.code).toBe('cloudhub-ephemeral-ports');
    expect(w?.message).toContain('at most 28,232 can be connected at once');
    expect(cloudhubPortWarning(28_232, 'local', 28_232)).toBeUndefined();
    expect(cloudhubPortWarning(100_000, 'loopback', 28_232)).toBeUndefined();
  });
});
