/**
 * The run's measurements of the cloud, started once the fleet runs: the control plane's own CPU
 * and memory (where the provider measures them) and the scrape of its metrics targets. Their
 * teardown collects, while the fleet still runs, what the summary needs of them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ControlPlane, UsageMeter } from '../cloud/control-plane.js';
import { MetricsScraper } from '../cloud/metrics-scraper.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import type { RunContext } from './run-context.js';

const CONNECTED = 'KubeEdge_CloudHub_connected_nodes';

/** Readings the fleet's watch and the evidence sampler take while the run goes on; empty until started. */
export class RunMeasurements {
  private started: { usage: UsageMeter | undefined; scraper: MetricsScraper | undefined } = { usage: undefined, scraper: undefined };

  constructor(private readonly cloud: ControlPlane) {}

  controlPlaneRss(): Record<string, number> | undefined {
    return this.started.usage?.rssNow?.();
  }

  cloudcoreConnected(): number | null {
    return this.started.scraper?.latest('cloudcore', CONNECTED) ?? null;
  }

  get scraper(): MetricsScraper | undefined {
    return this.started.scraper;
  }

  /**
   * Start measuring; the teardown step takes the fleet's live totals, ends the usage meter and the
   * scrape (cloudcore's last scrape kept as cloudcore-metrics.prom), then `beforeFleetStops`.
   */
  async start(run: RunContext, fleet: FleetController, beforeFleetStops: () => void): Promise<void> {
    const cloud = this.cloud;
    const usage = await cloud.usage?.start();
    let scraper: MetricsScraper | undefined;
    if (cloud.metricsTargets.length > 0) {
      // Scenarios time how fast cloudcore notices a dead link: scrape every second for them.
      scraper = new MetricsScraper({ targets: cloud.metricsTargets, metrics: [CONNECTED], intervalMs: run.scenario ? 1000 : 5000 });
      scraper.start();
    }
    this.started = { usage, scraper };
    run.teardown.push('measurements', async () => {
      run.outcome.live = fleet.shards.totals();
      if (usage) run.outcome.controlPlane = await usage.stop();
      if (scraper) {
        await scraper.stop();
        const text = scraper.lastText('cloudcore');
        if (text) await writeFile(path.join(run.outDir, 'cloudcore-metrics.prom'), text).catch(() => undefined);
        run.outcome.cloudcoreConnected = scraper.seriesOf('cloudcore', CONNECTED).map((p) => [p.atMs, p.value] as [number, number]);
      }
      beforeFleetStops();
    });
  }
}
