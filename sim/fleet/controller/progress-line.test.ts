import { describe, expect, it } from 'vitest';
import { aggregate, type FleetTotals } from './aggregate.js';
import { ProgressLine } from './progress-line.js';

function totals(sent: number): FleetTotals {
  const t = aggregate([]);
  t.sent = { 'update\tlease': sent };
  return t;
}

function capture(): { out: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { out, lines };
}

describe('progress line', () => {
  it('measures msg/s over at least a second, not between two shards\u2019 snapshots', () => {
    const { out, lines } = capture();
    const p = new ProgressLine('plain', 10, 0, out, 0);
    p.update(totals(0), 1000);
    p.update(totals(500), 2000); // one second later: 500 msg/s
    p.update(totals(500), 2005); // the other shard's snapshot 5 ms later, nothing new
    expect(lines[1]).toContain('500 msg/s');
    expect(lines[2]).toContain('500 msg/s');
    p.update(totals(800), 3000);
    expect(lines[3]).toContain('300 msg/s');
  });
});
