/**
 * Devices end to end against the loopback test peer, over real TLS and real Modbus TCP: fake
 * Modbus devices (fake-devices' fleet, unit ids behind one port), a shard of virtual nodes, and
 * the peer's devicecontroller pushing membership, DeviceModels and Devices. The twins the nodes
 * report must be the device registers decoded per each property's visitor (checked against
 * fake-devices' own reading of the mapper), the state online; a desired value set in the peer
 * must reach the device as a Modbus write and come back in the next report. A harness self-test,
 * not a KubeEdge measurement.
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModbusFleet, type ModbusFleet } from '../../fake-devices/modbus/modbus-fleet.js';
import { startLoopbackControlPlane, type LoopbackControlPlane } from '../../sim/cloud/loopback/loopback-control-plane.js';
import type { LoopbackDeviceStatus } from '../../sim/cloud/loopback/loopback-devices.js';
import { nodeName } from '../../sim/fleet/ipc-messages.js';
import { modbusDeviceManifest, modbusModelManifest } from '../../sim/workload/device-objects.js';
import { EdgeShard } from './support/edge-shard.js';
import { expectedTwin } from './support/fake-modbus.js';
import { done, notYet, waitFor } from './support/wait-for.js';
import type { ShardEvent } from '../../sim/model/shard-events.js';

const NODES = 3;
const PREFIX = 'dev-e2e';
/** A fixed device clock: generated values stay put, so a report can be compared with the registers. */
const DEVICE_CLOCK = Date.UTC(2026, 10, 25, 12, 0, 0);

let dir: string;
let fleet: ModbusFleet;
let cp: LoopbackControlPlane;
let edge: EdgeShard;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-devices-e2e-'));
  fleet = await startModbusFleet({ count: NODES, basePort: 0, layout: 'unit-ids', seed: 7, now: () => DEVICE_CLOCK });
  cp = await startLoopbackControlPlane({ nodeLimit: 100, kubeedgeVersion: 'v1.23.1' });
  edge = await EdgeShard.startAt(cp, dir, { dir: '', namePrefix: PREFIX, firstNode: 0, nodeCount: NODES, certs: 'shared' });
  await waitFor(
    `${NODES} nodes Ready at the peer`,
    async () => {
      const nodes = await cp.peer.command({ kind: 'nodes' });
      const ready = nodes.filter((n) => n.ready && n.connected).length;
      return ready === NODES ? done(ready) : notYet(nodes);
    },
    { timeoutMs: 30_000 },
  );
}, 60_000);

afterAll(async () => {
  await edge?.stop(false);
  await cp?.stop();
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function status(name: string): Promise<LoopbackDeviceStatus> {
  const s = await cp.peer.command({ kind: 'deviceStatus', namespace: 'default', name });
  if (!s) throw new Error(`the peer has no device ${name}`);
  return s;
}

describe('devices against the loopback peer (harness self-test)', () => {
  it('creates devices, reports twins that match the registers, and carries a desired value to the device and back', async () => {
    const pts = fleet.profile.points;
    const model = modbusModelManifest('thermometer-plc', 'default', pts);
    const names = fleet.devices.map((d, i) => `thermo-${i}`);
    for (const [i, d] of fleet.devices.entries()) {
      const device = modbusDeviceManifest({
        name: names[i]!,
        namespace: 'default',
        node: nodeName(PREFIX, i),
        model: 'thermometer-plc',
        host: d.host,
        port: d.port,
        unitId: d.unitId,
        points: pts,
        collectCycleMs: 1000,
        reportCycleMs: 1000,
        stateReportCycleMs: 2000,
      });
      await cp.peer.command({ kind: 'createDevice', model, device });
    }

    // Every property reported at least twice (devicecontroller drops the first report of each).
    for (const [i, d] of fleet.devices.entries()) {
      const s = await waitFor(
        `${names[i]} twins for every point`,
        async () => {
          const st = await status(names[i]!);
          const filled = st.twins.filter((t) => t.reportedAtMs > 0).length;
          return filled === pts.length && st.state !== '' ? done(st) : notYet({ filled, state: st.state, reports: st.twinReports });
        },
        { timeoutMs: 20_000 },
      );
      for (const t of s.twins) expect(t.reported.value, `${names[i]} ${t.propertyName}`).toBe(expectedTwin(fleet, d.id, t.propertyName));
      expect(s.twins.find((t) => t.propertyName === 'humidity')!.reported.metadata).toMatchObject({ type: 'string' });
      expect(s.state).toBe('online');
      expect(s.lastOnlineTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(s.writtenTo).toBe('devicestatuses');
    }

    // Desired → FC6 write on the device → the next report shows it.
    const target = fleet.devices[0]!;
    const setAt = Date.now();
    await cp.peer.command({ kind: 'setDesired', namespace: 'default', name: names[0]!, property: 'humidity', value: '55.5' });
    await waitFor('the write on the device', () => (fleet.device(target.id).isDesired('humidity') ? done(true) : notYet(fleet.device(target.id).value('humidity'))), { timeoutMs: 10_000, intervalMs: 50 });
    expect(fleet.device(target.id).words('humidity')).toEqual([555]);
    const shown = await waitFor(
      'the new value in a report',
      async () => {
        const t = (await status(names[0]!)).twins.find((x) => x.propertyName === 'humidity')!;
        return t.observedDesired.value === '55.5' && t.reported.value === expectedTwin(fleet, target.id, 'humidity') ? done(t) : notYet(t);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(shown.reported.value).toBe('55');
    expect(shown.reportedAtMs - setAt).toBeLessThan(10_000);

    const write = edge.events.find((e): e is Extract<ShardEvent, { kind: 'device-write' }> => e.kind === 'device-write' && e.property === 'humidity' && e.value === '55.5');
    expect(write).toMatchObject({ node: nodeName(PREFIX, 0), device: `default/${names[0]}`, ok: true });
    expect(write!.writtenAtMs).toBeGreaterThanOrEqual(write!.receivedAtMs);

    const c = edge.counters.devices!;
    expect(c.devices).toBe(NODES);
    expect(c.online).toBe(NODES);
    expect(c.members).toBe(NODES);
    expect(c.reads).toBeGreaterThan(NODES * pts.length);
    expect(Object.values(c.readErrors).reduce((a, b) => a + b, 0)).toBe(0);
    expect(c.writes).toBeGreaterThanOrEqual(1);
    expect(c.reportsConfirmed).toBeGreaterThan(0);
    expect(c.reportsNotMember).toBe(0);
    // every request reached a device behind the shared port (unit ids routed)
    expect(fleet.totals().unroutable).toBe(0);
  }, 60_000);
});
