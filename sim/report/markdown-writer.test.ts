import { describe, expect, it } from 'vitest';
import { emptySummary, sampleSummary } from './fixtures/sample-summary.js';
import { MarkdownWriter } from './markdown-writer.js';
import type { RunSummary } from '../model/run-summary.js';
import { renderSummaryMarkdown } from './summary-markdown.js';

const render = (s: RunSummary): string => new MarkdownWriter().render(s);

describe('markdown writer', () => {
  const md = render(sampleSummary);

  it('renders the fixed run, pinned by a snapshot', async () => {
    await expect(md).toMatchFileSnapshot('./__snapshots__/sample-summary.md');
  });

  it('keeps renderSummaryMarkdown under its old import path, rendering the same text', () => {
    expect(renderSummaryMarkdown(sampleSummary)).toBe(md);
  });

  it('says why lost pods were never sent when they were made before cloudcore cached their node', () => {
    const named = render({ ...sampleSummary, ledger: { ...sampleSummary.ledger!, lostBeforeNodeCached: 2 } });
    expect(named).toContain("2 of the lost pods were created before cloudcore had sent their node its first Node update: cloudcore's edgecontroller skips");
    expect(md).not.toContain('before cloudcore had sent their node');
  });

  it('puts SLO verdicts first, then scenario, ledger and faults, then the totals', () => {
    const order = ['## SLOs', '## Scenario', '## Delivery ledger', '## Faults', '## Devices', '## Nodes', '## Latency', '## Messages', '## Workload', '## Control plane', '## Harness'].map((h) => md.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('names each failing SLO in the headline and marks every SLO in the table', () => {
    expect(md).toContain('**✗ 3 of 7 SLOs failed:** ✗ `nodes_not_ready` `value==0` · ✗ `ledger_lost` `value==0` · ✗ `storm_all_ready_s` `value<=30`');
    const rows = md.split('\n').filter((l) => /^\| `[a-z_]+` \| `/.test(l));
    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r.endsWith('| ✗ |'))).toHaveLength(3);
    // A recovery that never happened shows the window it was waited for, and fails.
    expect(rows.find((r) => r.startsWith('| `storm_all_ready_s`'))).toBe('| `storm_all_ready_s` | `value<=30` | not within 180 s | ✗ |');
    expect(rows.find((r) => r.startsWith('| `device_desired_roundtrip_ms`'))).toContain('✓ (no data, optional)');
    const allPass = render({ ...sampleSummary, slos: sampleSummary.slos.filter((x) => x.pass) });
    expect(allPass).toContain('**✓ all 4 SLOs passed**');
    // A failed run passes nothing, whatever its SLOs said.
    const failed = render({ ...sampleSummary, slos: sampleSummary.slos.filter((x) => x.pass), error: { code: 'TWL_SHARD_FAILED', message: 'shard 1 exited with code 1' } });
    expect(failed).not.toMatch(/✓|SLOs passed/);
    expect(failed.indexOf('Run failed')).toBeLessThan(failed.indexOf('## SLOs'));
    // So does a run stopped before it did what it was asked.
    const stopped = render({ ...sampleSummary, slos: sampleSummary.slos.filter((x) => x.pass), interrupted: true });
    expect(stopped).toContain('**✗ not passed: the run was interrupted**');
    expect(stopped).not.toMatch(/✓|SLOs passed/);
  });

  it('lists recovery times, lost objects and the count of those not listed', () => {
    expect(md).toContain('| storm | storm | 60–85 s | 25 s | firstReconnect 6.2 s, allConnected 18 s, allReady never |');
    expect(md).toContain('| twin-0412 | Pod default/load-twin-0412-1 |');
    expect(md).toContain('…and 1 more not listed.');
    expect(md).toContain('| 112 s – end | heal | delay | delay 200±50 ms both | edge-east | 100 |');
  });

  it('shows the devices with their read errors per phase', () => {
    expect(md).toContain('| fake devices | 1000 modbus (1 per node), created through the API server |');
    expect(md).toContain('| read errors | timeout 4, reset 7, exception 52 |');
    expect(md).toContain('| heal | 3360 | timeout 4, reset 7, exception 52 | 0.0184 | 11 | 3360 | 3360 |');
  });

  it('keeps the loopback banner and the run error; leaves out sections the run does not have', () => {
    const empty = render(emptySummary);
    expect(empty).toContain('**not a KubeEdge measurement**');
    expect(md).not.toContain('not a KubeEdge measurement');
    expect(empty).toContain('**✗ Run failed:** `TWL_CLOUD_UNREACHABLE` — cloudhub wss://127.0.0.1:9 refused the connection');
    for (const h of ['## SLOs', '## Scenario', '## Delivery ledger', '## Faults', '## Devices', '## Workload', '## Control plane', '## Control-plane configuration']) expect(empty).not.toContain(h);
    expect(empty).toContain('## Nodes');
  });

  it('escapes pipes and newlines so a table row keeps its columns', () => {
    const s: RunSummary = {
      ...sampleSummary,
      faults: [{ ...sampleSummary.faults[0]!, detail: 'loss 5% | dup\n1%' }],
    };
    const row = render(s)
      .split('\n')
      .find((l) => l.startsWith('| 60–66 s'))!;
    expect(row).toContain('loss 5% \\| dup 1%');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
  });

  it('shows the control-plane configuration between the control plane and the harness, the overridden value marked', () => {
    const at = md.indexOf('## Control-plane configuration');
    expect(at).toBeGreaterThan(md.indexOf('## Control plane\n'));
    expect(at).toBeLessThan(md.indexOf('## Harness'));
    expect(md).toContain('| `modules.edgeController.buffer.queryNode` | 512 | **3024** | overridden by cloudcore: AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 3024 when lower |');
    expect(md).toContain('| `modules.edgeController.load.queryNodeWorkers` | 4000 | 4000 |  |');
    expect(md).toContain('kube-apiserver flags added: --max-requests-inflight=800');
  });
});
