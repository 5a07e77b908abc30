import { describe, expect, it } from 'vitest';
import { emptySummary, sampleSummary } from './fixtures/sample-summary.js';
import { HtmlWriter } from './html-writer.js';
import type { RunSummary } from '../model/run-summary.js';

const render = (s: RunSummary): string => new HtmlWriter().render(s);

/** `<svg …>…</svg>` blocks with the `<h2>` of the section each sits in. */
function charts(html: string): Array<{ title: string; svg: string }> {
  const out: Array<{ title: string; svg: string }> = [];
  for (const m of html.matchAll(/<section[^>]*>\n<h2>([^<]*)<\/h2>\n([\s\S]*?)<\/section>/g)) {
    for (const svg of m[2]!.match(/<svg[\s\S]*?<\/svg>/g) ?? []) out.push({ title: m[1]!, svg });
  }
  return out;
}

function pathPoints(d: string): number {
  return (d.match(/[ML]-?\d/g) ?? []).length;
}

describe('html writer', () => {
  const html = render(sampleSummary);

  it('renders the fixed run, pinned by a snapshot', async () => {
    await expect(html).toMatchFileSnapshot('./__snapshots__/sample-report.html');
  });

  it('draws one titled, labelled SVG per chart: nodes, messages, cloudcore and each distribution', () => {
    const found = charts(html);
    expect(found.map((c) => c.title)).toEqual(['Nodes over time', 'Messages per second', 'cloudcore connected nodes', 'Latency: join_to_ready_ms', 'Latency: pod_startup_ms', 'Latency: ledger_delivery_ms', 'Devices']);
    expect(html.match(/<svg/g)).toHaveLength(found.length);
    for (const c of found) {
      expect(c.svg).toMatch(/^<svg [^>]*role="img"/);
      expect(c.svg).toMatch(/aria-label="[^"]{20,}"/);
    }
  });

  it('draws every per-second sample, the fault bands and phase boundaries over the time charts', () => {
    const [nodes, messages, cloudcore] = charts(html);
    for (const c of [nodes!, messages!, cloudcore!]) {
      expect(c.svg.match(/<rect class="fault"/g)).toHaveLength(sampleSummary.faults.length);
      expect(c.svg.match(/<line class="phase"/g)).toHaveLength(sampleSummary.scenario!.phases.length);
      for (const p of sampleSummary.scenario!.phases) expect(c.svg).toContain(`>${p.name}</text>`);
    }
    const connected = /<path class="series series-connected" d="([^"]+)"/.exec(nodes!.svg)![1]!;
    expect(pathPoints(connected)).toBe(120);
    // cloudcore was not scraped for the first two seconds: its line starts at the third sample.
    const cc = /<path class="series series-cloudcore" d="([^"]+)"/.exec(cloudcore!.svg)![1]!;
    expect(pathPoints(cc)).toBe(118);
    expect(nodes!.svg).toContain('>blackhole · all</text>');
  });

  it('draws one bar per bucket up to the last sample, the tallest where most samples are', () => {
    const join = charts(html).find((c) => c.title === 'Latency: join_to_ready_ms')!;
    const bars = [...join.svg.matchAll(/<rect class="bar" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g)].map((m) => Number(m[1]));
    const counts = sampleSummary.distributions.join_to_ready_ms!.counts;
    const lastNonEmpty = counts.findLastIndex((n) => n > 0);
    expect(bars).toHaveLength(lastNonEmpty + 2);
    expect(bars.indexOf(Math.max(...bars))).toBe(counts.indexOf(Math.max(...counts)));
    expect(bars.slice(0, lastNonEmpty + 1).map((h) => h > 0)).toEqual(counts.slice(0, lastNonEmpty + 1).map((n) => n > 0));
  });

  it('shows the SLO verdicts before any chart or table of totals', () => {
    const at = (needle: string): number => html.indexOf(needle);
    expect(at('<h2>SLOs</h2>')).toBeGreaterThan(0);
    expect(at('<h2>SLOs</h2>')).toBeLessThan(at('<svg'));
    expect(at('<h2>SLOs</h2>')).toBeLessThan(at('<h2>Totals</h2>'));
    expect(html).toContain('<p class="headline fail">✗ 3 of 7 SLOs failed</p>');
    expect(html.match(/<span class="fail">✗ fail<\/span>/g)).toHaveLength(3);
    expect(html).toContain('<td class="num">not within 180 s</td>');
  });

  it('is self-contained: nothing to fetch, no script', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
    const urls = html.match(/https?:\/\/[^\s"<]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('escapes every piece of run text', () => {
    const evil = '<script>alert("x")</script> & \'q\'';
    const s: RunSummary = {
      ...sampleSummary,
      title: evil,
      faults: [{ ...sampleSummary.faults[0]!, detail: evil, group: evil }],
      ledger: { ...sampleSummary.ledger!, lostObjects: [{ ...sampleSummary.ledger!.lostObjects[0]!, name: evil }] },
      scenario: { ...sampleSummary.scenario!, phases: [{ ...sampleSummary.scenario!.phases[0]!, name: evil }] },
      slos: [{ ...sampleSummary.slos[0]!, sli: evil }],
      error: { code: 'TWL_SHARD_FAILED', message: evil },
    };
    const out = render(s);
    expect(out).not.toContain('<script');
    expect(out).not.toContain('"x"');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  });

  it('says "no data" for every chart and section a run without them lacks', () => {
    const out = render(emptySummary);
    expect(out).not.toContain('<svg');
    for (const title of ['Nodes over time', 'Messages per second', 'cloudcore connected nodes', 'Latency histograms', 'Delivery ledger', 'Scenario']) {
      expect(out).toMatch(new RegExp(`<h2>${title}</h2>\\n<p class="no-data">no data: `));
    }
    expect(out).toContain('not a KubeEdge measurement');
    expect(out).toContain('<p class="headline fail">✗ no SLO was judged: a run with nothing to judge has not shown anything</p>');
    // The run error comes before the verdict, and nothing reads as a pass.
    expect(out.indexOf('Run failed')).toBeLessThan(out.indexOf('<h2>SLOs</h2>'));
    expect(out).not.toContain('passed');
    expect(out).toContain('TWL_CLOUD_UNREACHABLE');
  });

  it('shows the devices: totals, reads and read errors over time with the faults shaded, and each phase', () => {
    const section = /<section id="devices">\n<h2>Devices<\/h2>\n([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(section).toContain('<td>1,000 modbus (1 per node), created through the API server</td>');
    expect(section).toContain('<span class="fail">timeout 4, reset 7, exception 52</span> (ratio 0.002)');
    expect(section).toContain('<td>device read → visible in the API</td><td>p50 38 ms · p90 96 ms · p99 412 ms · max 2,310 ms (n=25,870)</td>');
    const svg = charts(html).find((c) => c.title === 'Devices')!.svg;
    expect(pathPoints(/<path class="series series-device-reads" d="([^"]+)"/.exec(svg)![1]!)).toBe(120);
    expect(svg.match(/<rect class="fault"/g)).toHaveLength(sampleSummary.faults.length);
    expect(section.match(/<tr><td>(ramp|steady|storm|flap-west|heal)<\/td>/g)).toHaveLength(5);
    expect(render(emptySummary)).not.toContain('<h2>Devices</h2>');
  });

  it('lists the control-plane configuration in the totals, the overridden value in bold, and nothing when the run has none', () => {
    const totals = /<section id="totals">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(totals).toContain('<h3>Control-plane configuration</h3>');
    expect(totals).toContain(
      '<tr><td><code>modules.edgeController.buffer.queryNode</code></td><td class="num">512</td><td class="num"><strong>3024</strong></td><td>overridden by cloudcore: AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 3024 when lower</td></tr>',
    );
    expect(totals.match(/<tr><td><code>/g)).toHaveLength(sampleSummary.cloud.config!.cloudcore.length);
    expect(render(emptySummary)).not.toContain('Control-plane configuration');
  });

  it("falls back to cloudcore's own scrape times when the run has no time series", () => {
    const out = render({ ...sampleSummary, timeseries: null });
    const cc = charts(out).find((c) => c.title === 'cloudcore connected nodes')!;
    const d = /<path class="series series-cloudcore" d="([^"]+)"/.exec(cc.svg)![1]!;
    expect(pathPoints(d)).toBe(sampleSummary.cloudcoreConnectedNodes.length);
  });
});

describe('html writer: the control plane over time', () => {
  const withSeries: RunSummary = {
    ...sampleSummary,
    controlPlaneSeries: {
      source: 'prometheus',
      stepS: 1,
      charts: [
        { key: 'cp-cpu', title: 'Control-plane CPU', unit: 'cores', xs: [1, 2, 3], lines: [{ name: 'cloudcore', values: [0.1, 0.3, null] }, { name: 'etcd', values: [0.05, 0.05, 0.06] }] },
        { key: 'cloudcore-goroutines', title: 'cloudcore goroutines', unit: 'goroutines', xs: [1, 2], lines: [{ name: 'goroutines', values: [900, 950] }] },
      ],
    },
  };

  it('draws one chart per series chart, says where the series came from, and shades the faults over them', () => {
    const html = render(withSeries);
    const found = charts(html).filter((c) => c.title === 'Control plane over time');
    expect(found).toHaveLength(2);
    expect(html).toContain('id="chart-cp-cpu"');
    expect(html).toContain('id="chart-cloudcore-goroutines"');
    expect(html).toContain("PromQL range queries over the run's own Prometheus");
    expect(found[0]!.svg).toContain('cloudcore');
    expect(found[0]!.svg).toMatch(/link fault/);
  });

  it('names the harness samples when the run had no Prometheus, and says so when there is nothing', () => {
    expect(render({ ...withSeries, controlPlaneSeries: { ...withSeries.controlPlaneSeries!, source: 'harness' } })).toContain("the harness's own 1 s samples");
    expect(render(sampleSummary)).toContain('neither a Prometheus nor the harness sampled the control plane');
  });
});
