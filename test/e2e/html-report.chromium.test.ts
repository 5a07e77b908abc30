/**
 * report.html as a browser draws it: the fixed run rendered, opened in headless Chromium from a
 * file:// URL (so nothing can be fetched), its DOM and rendered geometry read back, and a
 * screenshot kept under reports/test-artifacts/. Skips visibly when Chromium is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleSummary } from '../../sim/report/fixtures/sample-summary.js';
import { HtmlWriter } from '../../sim/report/html-writer.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { capacityHtml } from '../../sim/capacity/capacity-html.js';
import { sampleCapacityResult } from '../../sim/capacity/capacity.test-kit.js';

const CHROMIUM = process.env.TWINLAB_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACT = path.join(root, 'reports', 'test-artifacts', 'html-report.png');

if (!available) process.stderr.write(`[html-report.chromium.test] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);

const CHART_TITLES = [
  'Nodes over time',
  'Messages per second',
  'cloudcore connected nodes',
  // Control-plane CPU and RSS, as a run's Prometheus records them (controlPlaneSeries below).
  'Control plane over time',
  'Control plane over time',
  'Latency: join_to_ready_ms',
  'Latency: pod_startup_ms',
  'Latency: ledger_delivery_ms',
  'Devices',
];

/** The fixed run with the control plane over time: cloudcore's CPU follows the connected nodes. */
const ts = sampleSummary.timeseries!;
const summary: RunSummary = {
  ...sampleSummary,
  controlPlaneSeries: {
    source: 'prometheus',
    stepS: 1,
    charts: [
      {
        key: 'cp-cpu',
        title: 'Control-plane CPU',
        unit: 'cores',
        xs: ts.atS,
        lines: [
          { name: 'cloudcore', values: ts.connected.map((c) => Math.round((0.05 + c / 2000) * 1000) / 1000) },
          { name: 'kube-apiserver', values: ts.connected.map((c) => Math.round((0.1 + c / 4000) * 1000) / 1000) },
        ],
      },
      { key: 'cp-rss', title: 'Control-plane RSS', unit: 'MiB', xs: ts.atS, lines: [{ name: 'cloudcore', values: ts.atS.map((x) => 80 + x / 4) }] },
    ],
  },
};

let dir: string;

/** Run Chromium headless; its stderr is dbus and GPU noise, so only the exit code and stdout count. */
function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${path.join(dir, 'profile')}`, ...args],
      { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      },
    );
  });
}

/** The `d` of the first `<path class="series series-<key>">` inside the chart titled `title`, as points. */
function seriesPoints(dom: string, title: string, key: string): Array<{ x: number; y: number }> {
  const start = dom.indexOf(`<h2>${title}</h2>`);
  const svg = dom.slice(start, dom.indexOf('</svg>', start));
  const d = new RegExp(`<path class="series series-${key}" d="([^"]+)"`).exec(svg)?.[1] ?? '';
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
}

/** Appended to a copy of the report only: reads what the browser laid out for each chart. */
const MEASURE = `<script>
const charts = [...document.querySelectorAll('svg[role="img"]')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const shapes = [...svg.querySelectorAll('path.series, rect.bar, rect.fault')].map((el) => {
    const b = el.getBBox();
    return { cls: el.getAttribute('class'), w: b.width, h: b.height };
  });
  return { title: svg.closest('section').querySelector('h2').textContent, label: svg.getAttribute('aria-label'), w: box.width, h: box.height, shapes };
});
const pre = document.createElement('pre');
pre.id = 'measure';
pre.textContent = JSON.stringify(charts);
document.body.append(pre);
</script>`;

interface Measured {
  title: string;
  label: string;
  w: number;
  h: number;
  shapes: Array<{ cls: string; w: number; h: number }>;
}

describe.skipIf(!available)(`report.html in headless Chromium${available ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-html-report-'));
    file = path.join(dir, 'report.html');
    await writeFile(file, new HtmlWriter().render(summary));
  });

  it('has every chart drawn as SVG in the DOM, titled, with coordinates that follow the data', async () => {
    const dom = await chromium(['--dump-dom', pathToFileURL(file).href]);
    for (const title of CHART_TITLES) expect(dom).toContain(`<h2>${title}</h2>`);
    const svgs = dom.match(/<svg[^>]*>/g) ?? [];
    expect(svgs).toHaveLength(CHART_TITLES.length);
    for (const open of svgs) {
      expect(open).toContain('role="img"');
      expect(open).toMatch(/aria-label="[^"]{20,}"/);
    }

    // connected: 0 at 0 s, all 1,000 at 30 s, 0 again during the blackhole at 63 s.
    const connected = seriesPoints(dom, 'Nodes over time', 'connected');
    expect(connected).toHaveLength(sampleSummary.timeseries!.atS.length);
    const top = Math.min(...connected.map((p) => p.y));
    const bottom = Math.max(...connected.map((p) => p.y));
    expect(bottom).toBeGreaterThan(top);
    expect(connected[0]!.y).toBe(bottom);
    expect(connected[30]!.y).toBe(top);
    expect(connected[63]!.y).toBe(bottom);
    expect(connected[30]!.x).toBeGreaterThan(connected[0]!.x);
    // cloudcore's CPU line follows the connected nodes: low at 0 s, high at 30 s.
    const cpuStart = dom.indexOf('id="chart-cp-cpu"');
    const cpuSvg = dom.slice(cpuStart, dom.indexOf('</svg>', cpuStart));
    const cpu = [...(/<path class="series series-cp-cpu-0" d="([^"]+)"/.exec(cpuSvg)?.[1] ?? '').matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
    expect(cpu).toHaveLength(ts.atS.length);
    expect(cpu[30]!).toBeLessThan(cpu[0]!);
    expect(dom).toContain("PromQL range queries over the run's own Prometheus");
    // sent per second climbs through the ramp.
    const sent = seriesPoints(dom, 'Messages per second', 'sent');
    expect(sent[19]!.y).toBeLessThan(sent[1]!.y);
    expect(dom.match(/<rect class="bar"/g)!.length).toBeGreaterThanOrEqual(3 * 3);
  });

  it('lays out every chart with visible lines, bars and fault bands', async () => {
    const measured = path.join(dir, 'measured.html');
    await writeFile(measured, (await readFile(file, 'utf8')).replace('</body>', `${MEASURE}\n</body>`));
    const dom = await chromium(['--dump-dom', pathToFileURL(measured).href]);
    const json = /<pre id="measure">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
    expect(json, 'the measuring script ran').toBeDefined();
    const charts = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Measured[];
    expect(charts.map((c) => c.title)).toEqual(CHART_TITLES);
    for (const c of charts) {
      expect(c.w, c.title).toBeGreaterThan(400);
      expect(c.h, c.title).toBeGreaterThan(150);
      const lines = c.shapes.filter((s) => s.cls.startsWith('series'));
      const bars = c.shapes.filter((s) => s.cls === 'bar' && s.h > 0);
      expect(lines.length + bars.length, c.title).toBeGreaterThan(0);
      // Every line spans the chart; at least one rises visibly (an error series may stay near zero).
      for (const l of lines) expect(l.w > 100, `${c.title} ${l.cls}`).toBe(true);
      if (lines.length > 0) expect(lines.some((l) => l.h > 10), c.title).toBe(true);
    }
    for (const c of charts.slice(0, 3)) {
      const faults = c.shapes.filter((s) => s.cls === 'fault');
      expect(faults, c.title).toHaveLength(sampleSummary.faults.length);
      for (const f of faults) expect(f.w > 0 && f.h > 100, c.title).toBe(true);
    }
    const join = charts.find((c) => c.title === 'Latency: join_to_ready_ms')!;
    expect(join.shapes.filter((s) => s.cls === 'bar' && s.h > 0)).toHaveLength(sampleSummary.distributions.join_to_ready_ms!.counts.filter((n) => n > 0).length);
  });

  it('lays out capacity.html: every model chart with measured points, the fitted line, its band, the knee and the target', async () => {
    const result = sampleCapacityResult();
    const measure = `<script>
const charts = [...document.querySelectorAll('svg[role="img"]')].map((svg) => ({
  title: svg.closest('section').querySelector('h2').textContent,
  w: svg.getBoundingClientRect().width,
  shapes: [...svg.querySelectorAll('path.fit, path.interval, circle.point, line.knee, rect.target')].map((el) => {
    const b = el.getBBox();
    return { cls: el.getAttribute('class'), w: b.width, h: b.height };
  }),
}));
const pre = document.createElement('pre');
pre.id = 'measure';
pre.textContent = JSON.stringify(charts);
document.body.append(pre);
</script>`;
    const file = path.join(dir, 'capacity.html');
    await writeFile(file, capacityHtml(result).replace('</body>', `${measure}\n</body>`));
    const dom = await chromium(['--dump-dom', pathToFileURL(file).href]);
    const json = /<pre id="measure">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
    expect(json, 'the measuring script ran').toBeDefined();
    const charts = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Array<{ title: string; w: number; shapes: Array<{ cls: string; w: number; h: number }> }>;
    expect(charts.map((c) => c.title)).toContain('cloudcore RSS');
    expect(charts).toHaveLength(new Set(result.arms.flatMap((a) => a.models.map((m) => m.label))).size);
    for (const c of charts) {
      expect(c.w, c.title).toBeGreaterThan(400);
      const of = (prefix: string) => c.shapes.filter((s) => s.cls.startsWith(prefix));
      // Two sweeps, each with a fitted line across the axis to the target, its points and the target marker.
      expect(of('fit').length, c.title).toBe(2);
      for (const f of of('fit')) expect(f.w, c.title).toBeGreaterThan(300);
      expect(of('point').length, c.title).toBe(result.arms.flatMap((a) => a.models.filter((m) => m.label === c.title)).reduce((n, m) => n + m.points.length, 0));
      expect(of('target').length, c.title).toBe(2);
      expect(of('knee').length, c.title).toBe(1);
      expect(of('knee')[0]!.h, c.title).toBeGreaterThan(100);
      expect(of('interval').some((s) => s.h > 0), c.title).toBe(true);
    }
    await chromium([`--screenshot=${path.join(dir, 'capacity.png')}`, '--window-size=1280,2400', pathToFileURL(file).href]);
    mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    await copyFile(path.join(dir, 'capacity.png'), path.join(path.dirname(ARTIFACT), 'capacity.png'));
  });

  it('renders a screenshot, kept under reports/test-artifacts/', async () => {
    const png = path.join(dir, 'report.png');
    await chromium([`--screenshot=${png}`, '--window-size=1280,2000', pathToFileURL(file).href]);
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.readUInt32BE(16)).toBe(1280); // IHDR width
    expect((await stat(png)).size).toBeGreaterThan(30_000);
    mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    await copyFile(png, ARTIFACT);
    console.log(`report.html screenshot: ${ARTIFACT}`);
  });
});
