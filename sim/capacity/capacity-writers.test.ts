import { describe, expect, it } from 'vitest';
import { capacityHtml, markdownToHtml } from './capacity-html.js';
import { capacityMarkdown } from './capacity-markdown.js';
import { sampleCapacityResult } from './capacity.test-kit.js';

describe('capacity writers on a fixed sweep', () => {
  const r = sampleCapacityResult();

  it('capacity.md leads with the knee and the budget, then steps, models and projection (snapshot)', () => {
    const md = capacityMarkdown(r);
    expect(md.indexOf('## Verdict')).toBeLessThan(md.indexOf('## baseline: steps'));
    expect(md).toContain('This setup holds about 1000 nodes; the first limit is apiserver-latency');
    expect(md).toContain('budget at 100000 nodes: **does not fit**');
    expect(md).toMatchSnapshot();
  });

  it('capacity.html has one chart per model with both sweeps, the band, the knee and the target, and nothing external', () => {
    const html = capacityHtml(r);
    const models = new Set(r.arms.flatMap((a) => a.models.map((m) => `${m.component}/${m.resource}`)));
    expect(html.match(/<svg /g)).toHaveLength(models.size);
    expect(html.match(/class="fit series-baseline"/g)).toHaveLength(models.size);
    expect(html.match(/class="fit series-compare"/g)).toHaveLength(models.size);
    expect(html).toContain('class="interval series-baseline"');
    expect(html).toContain('class="knee series-baseline"');
    expect(html).not.toContain('class="knee series-compare"');
    expect(html.match(/class="target series-baseline"/g)).toHaveLength(models.size);
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  it('renders the Markdown it writes: tables, bold, code and escaped text', () => {
    expect(markdownToHtml('| a | b |\n|---|---|\n| **x** | `y<z` |')).toBe('<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><strong>x</strong></td><td><code>y&lt;z</code></td></tr></tbody></table>');
  });
});
