/**
 * The device workload against a scripted API server for devices.kubeedge.io: what it creates and
 * patches, and the latencies it takes from the DeviceStatus (1.23) or Device (1.22) watch and the
 * shards' device-write events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceWorkload } from './device-workload.js';
import type { ModbusPointSpec } from './device-objects.js';

type Obj = Record<string, unknown>;

class FakeDeviceApi {
  readonly requests: Array<{ method: string; path: string; contentType: string; body: unknown }> = [];
  readonly devices = new Map<string, Obj>();
  readonly models = new Map<string, Obj>();
  kubeconfigPath = '';
  private readonly watchers = new Set<ServerResponse>();
  private rv = 10;
  private server: Server | undefined;
  private dir = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const port = (this.server.address() as AddressInfo).port;
    this.dir = mkdtempSync(join(tmpdir(), 'twinlab-fake-devapi-'));
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    writeFileSync(
      this.kubeconfigPath,
      `apiVersion: v1\nkind: Config\nclusters: [{name: f, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: f, user: {token: t}}]\ncontexts: [{name: f, context: {cluster: f, user: f}}]\ncurrent-context: f\n`,
    );
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.end();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A status event as cloudcore's patch produces it, on every open watch. */
  status(name: string, twins: Array<{ property: string; value?: string; ts?: number; desired?: string }>): void {
    const obj = {
      apiVersion: 'devices.kubeedge.io/v1beta1',
      kind: 'DeviceStatus',
      metadata: { name, namespace: 'dev', uid: `ds-${name}`, resourceVersion: String(++this.rv) },
      status: {
        twins: twins.map((t) => ({
          propertyName: t.property,
          reported: t.ts ? { value: t.value ?? '', metadata: { timestamp: String(t.ts), type: 'string' } } : { value: '' },
          observedDesired: t.ts ? { value: t.desired ?? '', metadata: { timestamp: String(t.ts), type: 'string' } } : { value: '' },
        })),
      },
    };
    for (const w of this.watchers) w.write(`${JSON.stringify({ type: 'MODIFIED', object: obj })}\n`);
  }

  get watching(): number {
    return this.watchers.size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, contentType: String(req.headers['content-type'] ?? ''), body });
    const send = (status: number, o: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    const p = url.pathname.split('/').filter(Boolean); // apis devices.kubeedge.io v1beta1 namespaces dev <plural> [name]
    if (url.pathname.startsWith('/api/v1/namespaces/')) return send(200, { metadata: { name: p[3] } });
    const plural = p[5];
    if (method === 'GET' && (plural === 'devicestatuses' || plural === 'devices') && p.length === 6) {
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        this.watchers.add(res);
        res.on('close', () => this.watchers.delete(res));
        return;
      }
      return send(200, { apiVersion: 'devices.kubeedge.io/v1beta1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items: [] });
    }
    if (method === 'POST' && (plural === 'devices' || plural === 'devicemodels')) {
      const o = body as Obj;
      const name = String((o.metadata as Obj).name);
      const store = plural === 'devices' ? this.devices : this.models;
      if (store.has(name)) return send(409, { kind: 'Status', code: 409, reason: 'AlreadyExists', message: `${plural} "${name}" already exists` });
      store.set(name, o);
      return send(201, { ...o, metadata: { ...(o.metadata as Obj), uid: `u-${name}`, resourceVersion: String(++this.rv) } });
    }
    if (method === 'PATCH' && plural === 'devices') return send(200, this.devices.get(p[6]!) ?? {});
    if (method === 'DELETE') return send(200, { kind: 'Status', status: 'Success' });
    send(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `${method} ${url.pathname}` });
  }
}

const POINTS: ModbusPointSpec[] = [
  { name: 'temperature', register: 'InputRegister', offset: 0, type: 'float32' },
  { name: 'humidity', register: 'HoldingRegister', offset: 0, type: 'int16', scale: 0.1 },
];

let api: FakeDeviceApi;
let w: DeviceWorkload | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
  await api?.stop();
});

async function open(kubeedgeVersion = 'v1.23.1'): Promise<DeviceWorkload> {
  api = new FakeDeviceApi();
  await api.start();
  w = await DeviceWorkload.open({ kubeconfigPath: api.kubeconfigPath, namespace: 'dev', kubeedgeVersion });
  for (let i = 0; i < 100 && api.watching === 0; i++) await new Promise((r) => setTimeout(r, 20));
  return w;
}

describe('DeviceWorkload', () => {
  it('creates the model once and a Device per endpoint, bound to nodes round-robin', async () => {
    const wl = await open();
    const r = await wl.createDevices({
      endpoints: [
        { protocol: 'modbus', host: '10.0.0.1', port: 502, unitId: 1 },
        { protocol: 'modbus', host: '10.0.0.1', port: 502, unitId: 2 },
        { protocol: 'modbus', host: '10.0.0.1', port: 502, unitId: 3 },
      ],
      nodes: ['vn-00000', 'vn-00001'],
      modbusPoints: POINTS,
      collectCycleMs: 1000,
      reportCycleMs: 1000,
      stateReportCycleMs: 5000,
      ratePerSecond: 100,
      concurrency: 4,
    });
    expect(r.errors).toEqual([]);
    expect(r.devices.map((d) => `${d.name}@${d.node}`).sort()).toEqual(['twl-dev-vn-00000-0@vn-00000', 'twl-dev-vn-00000-1@vn-00000', 'twl-dev-vn-00001-0@vn-00001']);
    expect([...api.models.keys()]).toEqual(['twl-modbus-model']);
    const d = api.devices.get('twl-dev-vn-00000-1') as { spec: { nodeName: string; protocol: unknown; properties: Array<{ name: string; visitors: { configData: Obj }; collectCycle: number; reportToCloud: boolean }>; stateReport: unknown } };
    expect(d.spec.nodeName).toBe('vn-00000');
    expect(d.spec.protocol).toEqual({ protocolName: 'modbus', configData: { ip: '10.0.0.1', port: 502, slaveID: 3 } });
    expect(d.spec.properties[1]).toMatchObject({ name: 'humidity', collectCycle: 1000, reportToCloud: true, visitors: { configData: { register: 'HoldingRegister', offset: 0, limit: 1, scale: 0.1, dataType: 'int16' } } });
    expect(d.spec.stateReport).toEqual({ reportToCloud: true, reportCycle: 5000 });
    expect(wl.timings().created).toBe(3);
  });

  it('times read → API from the twin timestamp, and desired → reported from the JSON patch to a report showing it', async () => {
    const wl = await open();
    await wl.createDevices({ endpoints: [{ protocol: 'modbus', host: 'h', port: 502, unitId: 1 }], nodes: ['vn-1'], modbusPoints: POINTS, collectCycleMs: 1000, reportCycleMs: 1000, stateReportCycleMs: 0, ratePerSecond: 10, concurrency: 1 });
    const name = 'twl-dev-vn-1-0';
    const t0 = Date.now() - 40;
    // The first report of each property is an empty twin in the API (devicecontroller's quirk).
    api.status(name, [{ property: 'temperature' }, { property: 'humidity' }]);
    api.status(name, [{ property: 'temperature', value: '21.500000', ts: t0 }, { property: 'humidity', value: '45', ts: t0 }]);
    await wl.until('both twins', () => wl.fullyReported === 1, 3000);
    const set = await wl.setDesired({ property: 'humidity', value: '55.5', ratePerSecond: 10, concurrency: 1 });
    expect(set.set).toBe(1);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(`/apis/devices.kubeedge.io/v1beta1/namespaces/dev/devices/${name}`);
    expect(patch.contentType).toContain('application/json-patch+json');
    expect(patch.body).toEqual([{ op: 'replace', path: '/spec/properties/1/desired/value', value: '55.5' }]);
    wl.onShardEvents([{ kind: 'device-write', node: 'vn-1', device: `dev/${name}`, property: 'humidity', value: '55.5', receivedAtMs: Date.now(), writtenAtMs: Date.now() + 5, ok: true }]);
    // a report from before the restart (old observedDesired) does not count
    api.status(name, [{ property: 'temperature', value: '21.500000', ts: t0 }, { property: 'humidity', value: '45', ts: Date.now(), desired: '' }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(wl.desiredPending).toBe(1);
    api.status(name, [{ property: 'temperature', value: '21.500000', ts: t0 }, { property: 'humidity', value: '55', ts: Date.now(), desired: '55.5' }]);
    await wl.until('desired shown', () => wl.desiredPending === 0, 3000);
    const t = wl.timings();
    expect(t.reportToApiMs).toHaveLength(4);
    expect(Math.min(...t.reportToApiMs)).toBeGreaterThanOrEqual(0);
    expect(t.desiredToReportedMs).toHaveLength(1);
    expect(t.desiredToDeviceWriteMs).toHaveLength(1);
    expect(t).toMatchObject({ desiredSet: 1, desiredWritten: 1, desiredShown: 1 });
  });

  it('1.22: watches Device.status (the managed devices), not DeviceStatus', async () => {
    await open('v1.22.0');
    const watch = api.requests.find((r) => r.method === 'GET' && r.path.endsWith('/devices'));
    expect(watch).toBeDefined();
    expect(api.requests.some((r) => r.path.endsWith('/devicestatuses'))).toBe(false);
  });

  it('an existing Device counts as created; ONVIF cameras get their own model and a url configData', async () => {
    const wl = await open();
    api.devices.set('twl-dev-vn-1-0', {});
    const r = await wl.createDevices({ endpoints: [{ protocol: 'modbus', host: 'h', port: 502, unitId: 1 }, { protocol: 'onvif', host: 'cam', port: 80, userName: 'a', password: 'b' }], nodes: ['vn-1'], modbusPoints: POINTS, collectCycleMs: 1000, reportCycleMs: 1000, stateReportCycleMs: 0, ratePerSecond: 10, concurrency: 1 });
    expect(r.devices).toHaveLength(2);
    expect([...api.models.keys()].sort()).toEqual(['twl-modbus-model', 'twl-onvif-model']);
    const cam = api.devices.get('twl-dev-vn-1-1') as { spec: { protocol: unknown } };
    expect(cam.spec.protocol).toEqual({ protocolName: 'onvif', configData: { url: 'cam:80', userName: 'a', password: 'b' } });
  });
});
