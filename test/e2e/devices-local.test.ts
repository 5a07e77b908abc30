/**
 * Devices against the real control plane: etcd, kube-apiserver, kube-controller-manager and
 * cloudcore v1.23.1 (local provider), three virtual nodes in one in-process shard, three fake
 * Modbus devices behind one port. DeviceModel and Devices created through the API reach the nodes
 * through cloudcore's devicecontroller; the twins cloudcore writes into DeviceStatus must be the
 * device registers as the mapper decodes them; a desired value patched into a Device must be
 * written to the device over Modbus and show in DeviceStatus. Latencies are printed. Skips
 * visibly when the control-plane binaries are not in the build cache.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModbusFleet, type ModbusFleet } from '../../fake-devices/modbus/modbus-fleet.js';
import { nodeName } from '../../sim/fleet/ipc-messages.js';
import { DeviceWorkload } from '../../sim/workload/device-workload.js';
import { WorkloadDriver } from '../../sim/workload/workload-driver.js';
import { EdgeShard } from './support/edge-shard.js';
import { expectedTwin } from './support/fake-modbus.js';
import { skipReason, START_TIMEOUT_MS, startRealCloud, type RealCloud } from './support/real-control-plane.js';
import { buildDevicesSection } from '../../sim/record/build-devices-section.js';

if (skipReason) console.warn(`[devices-local e2e] SKIPPED: ${skipReason}`);

const NODES = 3;
const NS = 'twinlab-devices';
const PREFIX = 'dv';
const DEVICE_CLOCK = Date.UTC(2026, 10, 25, 12, 0, 0);
const names = Array.from({ length: NODES }, (_, i) => nodeName(PREFIX, i));

describe.skipIf(skipReason !== '')(
  skipReason ? `devices vs local control plane (skipped: ${skipReason})` : 'devices vs local control plane (3 virtual nodes, 3 fake Modbus devices)',
  () => {
    let cloud: RealCloud | undefined;
    let fleet: ModbusFleet;
    let edge: EdgeShard | undefined;
    let nodes: WorkloadDriver | undefined;
    let devices: DeviceWorkload | undefined;

    const dw = (): DeviceWorkload => {
      if (!devices) throw new Error('the device workload did not open');
      return devices;
    };

    beforeAll(async () => {
      fleet = await startModbusFleet({ count: NODES, basePort: 0, layout: 'unit-ids', seed: 11, now: () => DEVICE_CLOCK });
      cloud = await startRealCloud('devices', 100);
      const cp = cloud.cp;
      nodes = await WorkloadDriver.open({ kubeconfigPath: cp.kubeconfigPath });
      devices = await DeviceWorkload.open({ kubeconfigPath: cp.kubeconfigPath, namespace: NS, kubeedgeVersion: cp.kubeedgeVersion });
      await devices.ensureNamespace();
      edge = await EdgeShard.start(cloud, {
        dir: 'shard',
        namePrefix: PREFIX,
        firstNode: 0,
        nodeCount: NODES,
        rampPerSecond: 100,
        onEvents: (batch) => devices?.onShardEvents(batch),
      });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await devices?.deleteAll().catch(() => undefined);
      await devices?.stop();
      await nodes?.stop();
      await edge?.stop(false).catch(() => undefined);
      await cloud?.stop();
      await fleet?.stop();
    }, 60_000);

    it('creates a DeviceModel and a Device per node; DeviceStatus shows the registers as the mapper reads them', async () => {
      const n = nodes!;
      await n.until(`${NODES} edge nodes Ready`, () => n.readyNodeCount >= NODES, 45_000, () => `${n.readyNodeCount} ready`);
      const d = dw();
      const r = await d.createDevices({
        endpoints: fleet.devices.map((f) => ({ protocol: 'modbus' as const, host: f.host, port: f.port, unitId: f.unitId })),
        nodes: names,
        modbusPoints: fleet.profile.points,
        collectCycleMs: 2000,
        reportCycleMs: 2000,
        stateReportCycleMs: 5000,
        ratePerSecond: 10,
        concurrency: 3,
      });
      expect(r.errors).toEqual([]);
      expect(r.devices).toHaveLength(NODES);
      await d.until('every property of every device in DeviceStatus', () => d.fullyReported === NODES, 60_000);
      // devicecontroller merges one property per report into DeviceStatus, and a property's first
      // report only creates its (empty) twin: wait until the latest DeviceStatus itself holds a
      // reported value for every property.
      const points = fleet.profile.points.length;
      await d.until(
        'a reported value for every property in the latest DeviceStatus',
        () => r.devices.every((x) => {
          const st = d.status(x.name);
          return st !== undefined && st.twins.length === points && st.twins.every((tw) => tw.reported !== undefined);
        }),
        60_000,
      );
      for (const [i, ref] of r.devices.entries()) {
        const fake = fleet.devices[i]!;
        const st = d.status(ref.name)!;
        for (const twin of st.twins) expect(twin.reported, `${ref.name} ${twin.property}`).toBe(expectedTwin(fleet, fake.id, twin.property));
      }
      await d.until('state online in DeviceStatus', () => r.devices.every((x) => d.status(x.name)?.state === 'online'), 30_000);
      const t = d.timings();
      console.log(`[devices] read → DeviceStatus visible: n=${t.reportToApiMs.length}, median ${[...t.reportToApiMs].sort((a, b) => a - b)[Math.floor(t.reportToApiMs.length / 2)]} ms`);
    });

    it('a desired value patched into the Device is written to the device over Modbus and shows in DeviceStatus', async () => {
      const d = dw();
      const target = d.deviceNames().sort()[0]!;
      const fakeId = fleet.devices[0]!.id;
      const set = await d.setDesired({ property: 'humidity', value: '55.5', devices: [target], ratePerSecond: 1, concurrency: 1 });
      expect(set.errors).toEqual([]);
      await d.until('desired → reported', () => d.desiredPending === 0, 60_000);
      expect(fleet.device(fakeId).words('humidity')).toEqual([555]);
      // The latest DeviceStatus may still be a merge of an earlier report; wait for one that shows the write.
      const showsWrite = (): boolean => {
        const h = d.status(target)?.twins.find((x) => x.property === 'humidity');
        return h?.reported === '55' && h.observedDesired === '55.5';
      };
      await d.until('the latest DeviceStatus shows the written value', showsWrite, 30_000);
      const humidity = d.status(target)!.twins.find((x) => x.property === 'humidity')!;
      expect(humidity).toMatchObject({ reported: '55', observedDesired: '55.5' });
      const t = d.timings();
      expect(t.desiredShown).toBe(1);
      expect(t.desiredWritten).toBe(1);
      expect(edge!.events.some((e) => e.kind === 'device-write' && e.device === `${NS}/${target}` && e.property === 'humidity' && e.value === '55.5' && e.ok)).toBe(true);
      console.log(`[devices] desired → written to the device ${t.desiredToDeviceWriteMs[0]} ms, → shown in DeviceStatus ${t.desiredToReportedMs[0]} ms`);
    });

    it('sums it up in the summary devices section', () => {
      const s = buildDevicesSection({ counters: edge!.counters.devices, durationSeconds: 60, workload: dw().timings() })!;
      expect(s.devices).toMatchObject({ created: NODES, onNodes: NODES, online: NODES, members: NODES });
      expect(s.reads.total).toBeGreaterThan(0);
      expect(s.reads.errorRatio).toBe(0);
      expect(s.reports.confirmed).toBeGreaterThan(0);
      expect(s.latency.reportToApiMs.count).toBeGreaterThan(0);
      expect(s.latency.desiredToReportedMs.count).toBe(1);
      console.log(`[devices] summary: ${JSON.stringify({ reads: s.reads.total, reports: s.reports, reportToApiMs: s.latency.reportToApiMs, desiredToReportedMs: s.latency.desiredToReportedMs })}`);
    });
  },
);
