import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_STATE_NAMES } from '../edge/edge-counters.js';
import { ALL_METRICS, catalogueMarkdownTable, METRIC_CATALOGUE } from './metric-catalogue.js';

describe('metric catalogue', () => {
  it('follows Prometheus naming: twinlab_ prefix, _total only on counters, base-unit suffixes', () => {
    const names = ALL_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of ALL_METRICS) {
      expect(m.name).toMatch(/^twinlab_[a-z0-9_]+[a-z0-9]$/);
      expect(m.name.startsWith('twinlab_controller_')).toBe(false);
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      if (m.unit === 'seconds') expect(m.name).toMatch(/_seconds(_total)?$/);
      if (m.unit === 'bytes') expect(m.name).toMatch(/_bytes(_total)?$/);
      expect(m.name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
      for (const l of m.labels) expect(l).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(m.labels).not.toContain('le');
    }
  });

  it('lists every node state in the twinlab_nodes help', () => {
    const nodes = METRIC_CATALOGUE.find((m) => m.name === 'twinlab_nodes');
    for (const s of NODE_STATE_NAMES) expect(nodes?.help).toContain(s);
  });

  it('is what docs/metrics.md shows', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/metrics.md', import.meta.url)), 'utf8');
    expect(doc).toContain(catalogueMarkdownTable());
  });

  it('is what the docs catalogue shows, row for row, and README points to it', () => {
    // The catalogue moved out of README.md into docs/metrics.md; README keeps the link.
    const doc = readFileSync(fileURLToPath(new URL('../../docs/metrics.md', import.meta.url)), 'utf8');
    const rows = catalogueMarkdownTable().split('\n').filter((l) => l.startsWith('| `'));
    for (const row of rows) expect(doc).toContain(row);
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain('(docs/metrics.md)');
  });
});
