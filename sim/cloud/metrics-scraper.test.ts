import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsScraper, fetchTargetText, labelKey, parsePrometheusText, parseSampleLine, type ScrapeTarget } from './metrics-scraper.js';

describe('parsePrometheusText on real expositions', () => {
  it('reads cloudcore v1.23.1: the connected-nodes gauge, Go summaries and labelled counters', () => {
    const { samples, problems } = parsePrometheusText(CLOUDCORE_V1_23_1);
    expect(problems).toEqual([]);
    const sampleLines = CLOUDCORE_V1_23_1.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toHaveLength(sampleLines.length);
    expect(samples.find((s) => s.name === 'KubeEdge_CloudHub_connected_nodes')).toEqual({ name: 'KubeEdge_CloudHub_connected_nodes', labels: {}, value: 0 });
    expect(samples.find((s) => s.name === 'go_gc_duration_seconds' && s.labels.quantile === '0')?.value).toBe(8.3828e-5);
    expect(samples.find((s) => s.name === 'go_info')?.labels).toEqual({ version: 'go1.26.8' });
    expect(samples.filter((s) => s.name === 'promhttp_metric_handler_requests_total').map((s) => s.labels.code)).toEqual(['200', '500', '503']);
  });

  it('reads a kube-apiserver histogram: nine labels, le="+Inf", exponent sums', () => {
    const { samples, problems } = parsePrometheusText(KUBE_APISERVER_V1_32_10_EXCERPT);
    expect(problems).toEqual([]);
    const buckets = samples.filter((s) => s.name === 'apiserver_request_duration_seconds_bucket');
    expect(buckets).toHaveLength(24);
    expect(buckets[0]!.labels).toEqual({
      component: '',
      dry_run: '',
      group: '',
      resource: '',
      scope: '',
      subresource: '/healthz',
      verb: 'GET',
      version: '',
      le: '0.005',
    });
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(samples.find((s) => s.name === 'apiserver_request_duration_seconds_count')?.value);
    expect(samples.find((s) => s.name === 'apiserver_request_duration_seconds_sum')?.value).toBe(0.038979154);
    expect(samples.filter((s) => s.name === 'apiserver_request_total').map((s) => s.value)).toEqual([1, 2, 5]);
  });

  it('reads etcd gauges', () => {
    const { samples } = parsePrometheusText(ETCD_V3_5_EXCERPT);
    expect(samples).toEqual([
      { name: 'etcd_mvcc_db_total_size_in_bytes', labels: {}, value: 856064 },
      { name: 'etcd_server_has_leader', labels: {}, value: 1 },
    ]);
  });
});

describe('parseSampleLine (text format 0.0.4)', () => {
  it('unescapes \\\\, \\" and \\n in label values and keeps , } = inside them', () => {
    expect(parseSampleLine('m{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",odd="a,b}c=d"} 3')).toEqual({
      name: 'm',
      labels: { path: 'C:\\dir', msg: 'say "hi"\nbye', odd: 'a,b}c=d' },
      value: 3,
    });
  });

  it('accepts a trailing comma, spaces around labels, a timestamp, NaN and ±Inf', () => {
    expect(parseSampleLine('m{ a = "1" , } 1 1700000000000')).toEqual({ name: 'm', labels: { a: '1' }, value: 1, timestampMs: 1700000000000 });
    expect(parseSampleLine('m NaN')).toMatchObject({ value: NaN });
    expect(parseSampleLine('m +Inf')).toMatchObject({ value: Infinity });
    expect(parseSampleLine('m -Inf')).toMatchObject({ value: -Infinity });
    expect(parseSampleLine('m:sub_total\t-1.5e3')).toMatchObject({ name: 'm:sub_total', value: -1500 });
  });

  it('says why a line is not a sample', () => {
    expect(parseSampleLine('1m 2')).toBe('metric name expected');
    expect(parseSampleLine('m{a="1"')).toBe("',' or '}' expected after label a");
    expect(parseSampleLine('m{a=1} 2')).toBe(`'"' expected for label a`);
    expect(parseSampleLine('m{a="x\\q"} 2')).toBe('bad escape \\q in label a');
    expect(parseSampleLine('m{a="open} 2')).toBe('unterminated value of label a');
    expect(parseSampleLine('m')).toBe('value expected');
    expect(parseSampleLine('m one')).toBe("bad value 'one'");
    expect(parseSampleLine('m 1 2 3')).toBe('trailing text after value and timestamp');
  });

  it('skips comments, blank lines and # EOF, and reports bad lines by number without stopping', () => {
    const r = parsePrometheusText('# HELP a x\n# TYPE a gauge\n\na 1\nb{ 2\nc 3\r\n# EOF\n');
    expect(r.samples.map((s) => [s.name, s.value])).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(r.problems).toEqual([{ line: 5, text: 'b{ 2', reason: 'label name expected at column 4' }]);
  });

  it('keys label sets independently of order', () => {
    expect(labelKey({ b: '2', a: '1' })).toBe(labelKey({ a: '1', b: '2' }));
    expect(labelKey({})).toBe('');
  });
});

describe('MetricsScraper', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  const listen = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  };

  it('keeps a series per target for the chosen metrics only, and the last full text', async () => {
    let connected = 0;
    const texts = (): string => CLOUDCORE_V1_23_1.replace(/^KubeEdge_CloudHub_connected_nodes 0$/m, `KubeEdge_CloudHub_connected_nodes ${connected}`);
    const scraper = new MetricsScraper({
      targets: [{ name: 'cloudcore', url: 'http://unused' }],
      metrics: ['KubeEdge_CloudHub_connected_nodes', 'promhttp_metric_handler_requests_total'],
      fetchText: () => Promise.resolve(texts()),
    });
    await scraper.scrapeOnce();
    connected = 20;
    await scraper.scrapeOnce();
    expect(scraper.seriesOf('cloudcore', 'KubeEdge_CloudHub_connected_nodes').map((p) => p.value)).toEqual([0, 20]);
    expect(scraper.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes')).toBe(20);
    expect(scraper.allSeries('cloudcore', 'promhttp_metric_handler_requests_total').map((s) => s.labels.code)).toEqual(['200', '500', '503']);
    expect(scraper.latest('cloudcore', 'promhttp_metric_handler_requests_total', { code: '200' })).toBe(1);
    expect(scraper.seriesOf('cloudcore', 'go_goroutines')).toEqual([]); // not chosen
    expect(scraper.lastText('cloudcore')).toContain('KubeEdge_CloudHub_connected_nodes 20');
    expect(scraper.stats('cloudcore')).toMatchObject({ scrapes: 2, failures: 0, lastProblems: 0 });
  });

  it('bounds every series to maxPoints, dropping the oldest', async () => {
    let v = 0;
    const scraper = new MetricsScraper({
      targets: [{ name: 't', url: 'http://unused' }],
      metrics: ['g'],
      maxPoints: 3,
      fetchText: () => Promise.resolve(`g ${++v}\n`),
    });
    for (let i = 0; i < 5; i++) await scraper.scrapeOnce();
    expect(scraper.seriesOf('t', 'g').map((p) => p.value)).toEqual([3, 4, 5]);
    expect(scraper.allSeries('t', 'g')[0]!.dropped).toBe(2);
  });

  it('fetches over HTTP, counts a non-200 and a silent target as failures, and keeps scraping the others', async () => {
    const url = await listen((req, res) => {
      if (req.url === '/metrics') res.end('KubeEdge_CloudHub_connected_nodes 7\n');
      else if (req.url === '/broken') res.writeHead(500).end('no');
      // '/silent' never answers
    });
    const base = url.replace('/metrics', '');
    const targets: ScrapeTarget[] = [
      { name: 'cloudcore', url },
      { name: 'broken', url: `${base}/broken` },
      { name: 'silent', url: `${base}/silent` },
    ];
    const scraper = new MetricsScraper({ targets, metrics: ['KubeEdge_CloudHub_connected_nodes'], timeoutMs: 300 });
    const t0 = Date.now();
    await scraper.scrapeOnce();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(scraper.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes')).toBe(7);
    expect(scraper.stats('broken')).toMatchObject({ scrapes: 0, failures: 1 });
    expect(scraper.stats('broken')?.lastError).toMatch(/HTTP 500/);
    expect(scraper.stats('silent')?.lastError).toMatch(/no answer within 300 ms/);
    server?.closeAllConnections();
  });

  it('scrapes on its timer until stopped', async () => {
    let n = 0;
    const scraper = new MetricsScraper({
      targets: [{ name: 't', url: 'http://unused' }],
      metrics: ['g'],
      intervalMs: 20,
      fetchText: () => Promise.resolve(`g ${++n}\n`),
    });
    scraper.start();
    await new Promise((r) => setTimeout(r, 150));
    await scraper.stop();
    const after = n;
    expect(after).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(n).toBe(after);
  });

  it('fetchTargetText rejects a refused connection', async () => {
    const url = await listen((_req, res) => res.end(''));
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(fetchTargetText({ name: 'gone', url }, 500)).rejects.toThrow();
  });
});

/** cloudcore v1.23.1 monitor server, whole answer, no node connected (captured from the local control plane). */
const CLOUDCORE_V1_23_1 = `# HELP KubeEdge_CloudHub_connected_nodes Number of nodes that connected to the cloudHub instance
# TYPE KubeEdge_CloudHub_connected_nodes gauge
KubeEdge_CloudHub_connected_nodes 0
# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 8.3828e-05
go_gc_duration_seconds{quantile="0.25"} 0.000129483
go_gc_duration_seconds{quantile="0.5"} 0.00079441
go_gc_duration_seconds{quantile="0.75"} 0.00315666
go_gc_duration_seconds{quantile="1"} 0.006993967
go_gc_duration_seconds_sum 0.011608272
go_gc_duration_seconds_count 6
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 2030
# HELP go_info Information about the Go environment.
# TYPE go_info gauge
go_info{version="go1.26.8"} 1
# HELP go_memstats_alloc_bytes Number of bytes allocated and still in use.
# TYPE go_memstats_alloc_bytes gauge
go_memstats_alloc_bytes 1.3454704e+07
# HELP go_memstats_alloc_bytes_total Total number of bytes allocated, even if freed.
# TYPE go_memstats_alloc_bytes_total counter
go_memstats_alloc_bytes_total 1.9972768e+07
# HELP go_memstats_buck_hash_sys_bytes Number of bytes used by the profiling bucket hash table.
# TYPE go_memstats_buck_hash_sys_bytes gauge
go_memstats_buck_hash_sys_bytes 1.457564e+06
# HELP go_memstats_frees_total Total number of frees.
# TYPE go_memstats_frees_total counter
go_memstats_frees_total 50395
# HELP go_memstats_gc_sys_bytes Number of bytes used for garbage collection system metadata.
# TYPE go_memstats_gc_sys_bytes gauge
go_memstats_gc_sys_bytes 3.734256e+06
# HELP go_memstats_heap_alloc_bytes Number of heap bytes allocated and still in use.
# TYPE go_memstats_heap_alloc_bytes gauge
go_memstats_heap_alloc_bytes 1.3454704e+07
# HELP go_memstats_heap_idle_bytes Number of heap bytes waiting to be used.
# TYPE go_memstats_heap_idle_bytes gauge
go_memstats_heap_idle_bytes 1.589248e+06
# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 1.5908864e+07
# HELP go_memstats_heap_objects Number of allocated objects.
# TYPE go_memstats_heap_objects gauge
go_memstats_heap_objects 51069
# HELP go_memstats_heap_released_bytes Number of heap bytes released to OS.
# TYPE go_memstats_heap_released_bytes gauge
go_memstats_heap_released_bytes 1.572864e+06
# HELP go_memstats_heap_sys_bytes Number of heap bytes obtained from system.
# TYPE go_memstats_heap_sys_bytes gauge
go_memstats_heap_sys_bytes 1.7498112e+07
# HELP go_memstats_last_gc_time_seconds Number of seconds since 1970 of last garbage collection.
# TYPE go_memstats_last_gc_time_seconds gauge
go_memstats_last_gc_time_seconds 1.7956118862878866e+09
# HELP go_memstats_lookups_total Total number of pointer lookups.
# TYPE go_memstats_lookups_total counter
go_memstats_lookups_total 0
# HELP go_memstats_mallocs_total Total number of mallocs.
# TYPE go_memstats_mallocs_total counter
go_memstats_mallocs_total 101464
# HELP go_memstats_mcache_inuse_bytes Number of bytes in use by mcache structures.
# TYPE go_memstats_mcache_inuse_bytes gauge
go_memstats_mcache_inuse_bytes 4592
# HELP go_memstats_mcache_sys_bytes Number of bytes used for mcache structures obtained from system.
# TYPE go_memstats_mcache_sys_bytes gauge
go_memstats_mcache_sys_bytes 16072
# HELP go_memstats_mspan_inuse_bytes Number of bytes in use by mspan structures.
# TYPE go_memstats_mspan_inuse_bytes gauge
go_memstats_mspan_inuse_bytes 198720
# HELP go_memstats_mspan_sys_bytes Number of bytes used for mspan structures obtained from system.
# TYPE go_memstats_mspan_sys_bytes gauge
go_memstats_mspan_sys_bytes 212160
# HELP go_memstats_next_gc_bytes Number of heap bytes when next garbage collection will take place.
# TYPE go_memstats_next_gc_bytes gauge
go_memstats_next_gc_bytes 2.0884954e+07
# HELP go_memstats_other_sys_bytes Number of bytes used for other system allocations.
# TYPE go_memstats_other_sys_bytes gauge
go_memstats_other_sys_bytes 713972
# HELP go_memstats_stack_inuse_bytes Number of bytes in use by the stack allocator.
# TYPE go_memstats_stack_inuse_bytes gauge
go_memstats_stack_inuse_bytes 7.667712e+06
# HELP go_memstats_stack_sys_bytes Number of bytes obtained from system for stack allocator.
# TYPE go_memstats_stack_sys_bytes gauge
go_memstats_stack_sys_bytes 7.667712e+06
# HELP go_memstats_sys_bytes Number of bytes obtained from system.
# TYPE go_memstats_sys_bytes gauge
go_memstats_sys_bytes 3.1299848e+07
# HELP go_threads Number of OS threads created.
# TYPE go_threads gauge
go_threads 8
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 0.13
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 20000
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 14
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 7.1180288e+07
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.79561188044e+09
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 1.362640896e+09
# HELP process_virtual_memory_max_bytes Maximum amount of virtual memory available in bytes.
# TYPE process_virtual_memory_max_bytes gauge
process_virtual_memory_max_bytes 1.8446744073709552e+19
# HELP promhttp_metric_handler_requests_in_flight Current number of scrapes being served.
# TYPE promhttp_metric_handler_requests_in_flight gauge
promhttp_metric_handler_requests_in_flight 1
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 1
promhttp_metric_handler_requests_total{code="500"} 0
promhttp_metric_handler_requests_total{code="503"} 0
`;

/** kube-apiserver v1.32.10 /metrics, an excerpt: one histogram series and a labelled counter. */
const KUBE_APISERVER_V1_32_10_EXCERPT = `# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.005"} 0
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.025"} 0
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.05"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.1"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.2"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.4"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.6"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="0.8"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="1"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="1.25"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="1.5"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="2"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="3"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="4"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="5"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="6"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="8"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="10"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="15"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="20"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="30"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="45"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="60"} 1
apiserver_request_duration_seconds_bucket{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version="",le="+Inf"} 1
apiserver_request_duration_seconds_sum{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 0.038979154
apiserver_request_duration_seconds_count{component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 1
# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 1
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="api",verb="GET",version=""} 5
`;

/** etcd v3.5.21 /metrics, an excerpt. */
const ETCD_V3_5_EXCERPT = `# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database physically allocated in bytes.
# TYPE etcd_mvcc_db_total_size_in_bytes gauge
etcd_mvcc_db_total_size_in_bytes 856064
# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.
# TYPE etcd_server_has_leader gauge
etcd_server_has_leader 1
`;
