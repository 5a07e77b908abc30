/**
 * The workload driver against the real control plane: etcd, kube-apiserver, kube-controller-manager
 * and cloudcore v1.23.1 (local provider) with 20 virtual edge nodes in one in-process shard. Nodes
 * observed Ready, one pod per node with a ConfigMap and a Secret observed Running (startup latency
 * recorded), a ConfigMap update reaching every node, the pods deleted and observed gone; plus the
 * driver's API latency, the control plane's CPU and RSS, and cloudcore's connected-nodes gauge.
 * Skips visibly when the binaries are not in the build cache.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsScraper } from '../../sim/cloud/metrics-scraper.js';
import { ProcessUsageSampler, type UsageSnapshot } from '../../sim/cloud/process-usage.js';
import { nodeName } from '../../sim/fleet/ipc-messages.js';
import { WorkloadDriver, type ConfigMapUpdate } from '../../sim/workload/workload-driver.js';
import { EdgeShard, type ObjectEvent } from './support/edge-shard.js';
import { skipReason, START_TIMEOUT_MS, startRealCloud, type RealCloud } from './support/real-control-plane.js';

if (skipReason) console.warn(`[workload-local e2e] SKIPPED: ${skipReason}`);

const NODES = 20;
const NS = 'twinlab-workload';
const CONNECTED = 'KubeEdge_CloudHub_connected_nodes';
const names = Array.from({ length: NODES }, (_, i) => nodeName('wl', i));

const fmt = (ms: number): string => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a');

describe.skipIf(skipReason !== '')(
  skipReason ? `workload driver vs local control plane (skipped: ${skipReason})` : 'workload driver vs local control plane (20 virtual nodes)',
  () => {
    let cloud: RealCloud | undefined;
    let edge: EdgeShard | undefined;
    let driver: WorkloadDriver | undefined;
    let usage: ProcessUsageSampler;
    let usageStart: UsageSnapshot;
    let scraper: MetricsScraper;

    const drv = (): WorkloadDriver => {
      if (!driver) throw new Error('the workload driver did not open');
      return driver;
    };

    beforeAll(async () => {
      cloud = await startRealCloud('workload', 100);
      const cp = cloud.cp;
      usage = new ProcessUsageSampler(cp.processes, { intervalMs: 1000 });
      usageStart = usage.start();
      const cloudcore = cp.metricsTargets.find((t) => t.name === 'cloudcore');
      if (!cloudcore) throw new Error('the local control plane exported no cloudcore metrics target');
      scraper = new MetricsScraper({ targets: [cloudcore], metrics: [CONNECTED], intervalMs: 2000 });
      scraper.start();

      driver = await WorkloadDriver.open({ kubeconfigPath: cp.kubeconfigPath, callTimeoutMs: 10_000 });
      await driver.ensureNamespace(NS);
      edge = await EdgeShard.start(cloud, { dir: 'shard', namePrefix: 'wl', firstNode: 0, nodeCount: NODES, rampPerSecond: 100 });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await scraper?.stop();
      usage?.stop();
      await driver?.deleteAll().catch(() => undefined);
      await driver?.stop();
      await edge?.stop(false).catch(() => undefined);
      await cloud?.stop();
    }, 60_000);

    it('observes all 20 virtual nodes Ready through the node watch', async () => {
      const d = drv();
      await d.until(`${NODES} edge nodes Ready`, () => d.readyNodeCount >= NODES, 45_000, () => `${d.readyNodeCount} ready`);
      expect(d.readyNodeNames().sort()).toEqual(names);
    });

    it('creates one pod per node with a ConfigMap and a Secret and observes every pod Running', async () => {
      const d = drv();
      const created: string[] = [];
      const running: string[] = [];
      const off = d.on((e) => {
        if (e.kind === 'pod-created') created.push(e.uid);
        if (e.kind === 'pod-running-observed') running.push(e.uid);
      });
      const result = await d.createPods({
        nodes: names,
        podsPerNode: 1,
        ratePerSecond: 20,
        concurrency: 10,
        namespace: NS,
        withConfigMap: true,
        withSecret: true,
      });
      expect(result.errors).toEqual([]);
      expect(result.configMaps?.completed).toBe(NODES);
      expect(result.secrets?.completed).toBe(NODES);
      expect(result.pods).toMatchObject({ started: NODES, completed: NODES, failed: 0, dropped: 0 });
      expect(result.created).toBe(NODES);
      await d.until(`${NODES} pods Running`, () => d.runningPodCount >= NODES, 60_000, () => `${d.runningPodCount} running`);
      off();
      expect(new Set(running)).toEqual(new Set(created));
      const s = d.report().podStartup;
      expect(s.count).toBe(NODES);
      expect(s.p50Ms).toBeGreaterThan(0);
      expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
      console.log(`[workload] pod startup (created → Running observed), ${s.count} pods: p50 ${fmt(s.p50Ms)}, p90 ${fmt(s.p90Ms)}, p99 ${fmt(s.p99Ms)}, max ${fmt(s.maxMs)}`);
    });

    it('pushes a ConfigMap update to every node (uid and resourceVersion as written)', async () => {
      const d = drv();
      const result = await d.updateConfigMaps({ namespace: NS, ratePerSecond: 40, concurrency: 10 });
      expect(result.errors).toEqual([]);
      expect(result.updates).toHaveLength(NODES);
      const arrived = (u: ConfigMapUpdate): ObjectEvent | undefined =>
        edge!.objects({ type: 'configmap', operation: 'update', uid: u.uid }).find((e) => e.node === u.node && e.resourceVersion === u.resourceVersion);
      await d.until('the ConfigMap update on every node', () => result.updates.every((u) => arrived(u) !== undefined), 30_000, () =>
        `missing on ${result.updates.filter((u) => !arrived(u)).map((u) => u.node).join(', ')}`,
      );
      const lags = result.updates.map((u) => arrived(u)!.atMs - u.atMs).sort((a, b) => a - b);
      console.log(`[workload] ConfigMap update → edge: median ${lags[Math.floor(lags.length / 2)]} ms, max ${lags[lags.length - 1]} ms`);
    });

    it('deletes the pods with a grace period and observes them gone', async () => {
      const d = drv();
      const result = await d.deletePods({ namespace: NS, gracePeriodSeconds: 30, ratePerSecond: 40, concurrency: 10 });
      expect(result.errors).toEqual([]);
      expect(result.run).toMatchObject({ iterations: NODES, completed: NODES, dropped: 0 });
      await d.until(`${NODES} pods gone`, () => d.deletedPodCount >= NODES, 45_000, () => `${d.deletedPodCount} gone, ${d.watchedPodCount} still watched`);
      expect(d.watchedPodCount).toBe(0);
      const del = d.report().podDeletion;
      expect(del.count).toBe(NODES);
      console.log(`[workload] pod deletion (DELETE → gone observed): p50 ${fmt(del.p50Ms)}, p99 ${fmt(del.p99Ms)}`);
    });

    it("records the driver's own API call latency, mutating and read", () => {
      const { api, watches } = drv().report();
      // 20 ConfigMaps + 20 Secrets + 20 pods + 20 updates + 20 deletes + the namespace.
      expect(api.mutating.count).toBeGreaterThanOrEqual(100);
      expect(api.read.count).toBeGreaterThanOrEqual(3);
      expect(api.mutating.transportErrors + api.read.transportErrors).toBe(0);
      // Reported, not held to the 1 s SLO here: this suite shares two cores with the others.
      expect(api.mutating.p99Ms).toBeGreaterThan(0);
      expect(api.mutating.p99Ms).toBeLessThanOrEqual(api.mutating.maxMs);
      expect(api.mutating.byStatus['2xx']).toBe(api.mutating.count);
      expect(watches.pods.errors + watches.nodes.errors).toBe(0);
      console.log(
        `[workload] API latency: mutating n=${api.mutating.count} p50 ${fmt(api.mutating.p50Ms)} p99 ${fmt(api.mutating.p99Ms)}; ` +
          `read n=${api.read.count} p50 ${fmt(api.read.p50Ms)} p99 ${fmt(api.read.p99Ms)}`,
      );
    });

    it('samples CPU and RSS of cloudcore, kube-apiserver and etcd', () => {
      const now = usage.sample();
      const cpu = usage.cpuSecondsSince(usageStart);
      for (const name of ['cloudcore', 'kube-apiserver', 'etcd']) {
        expect(now[name]?.alive, name).toBe(true);
        expect(now[name]?.rssBytes, name).toBeGreaterThan(0);
        expect(cpu[name], name).toBeGreaterThan(0);
      }
      const line = Object.values(now)
        .map((u) => `${u.name} ${(cpu[u.name] ?? 0).toFixed(2)} CPU-s, ${(u.rssBytes / 2 ** 20).toFixed(0)} MiB (peak ${((usage.peak[u.name]?.rssBytes ?? 0) / 2 ** 20).toFixed(0)})`)
        .join('; ');
      console.log(`[workload] control plane during the run: ${line}`);
    });

    it(`scrapes ${CONNECTED} = ${NODES} from cloudcore`, async () => {
      await scraper.scrapeOnce();
      expect(scraper.stats('cloudcore')?.failures).toBe(0);
      expect(scraper.latest('cloudcore', CONNECTED)).toBe(NODES);
      expect(scraper.seriesOf('cloudcore', CONNECTED).length).toBeGreaterThanOrEqual(2);
      expect(scraper.lastText('cloudcore')).toMatch(/^# TYPE KubeEdge_CloudHub_connected_nodes gauge$/m);
    });
  },
);
