/**
 * The ONVIF driver against a small camera on loopback HTTP that checks the WS-Security digest and
 * answers the device and media calls the mapper makes; faults, HTTP errors and silence. Then
 * against a fake-devices camera, which checks the token as a camera does.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startOnvifFleet } from '../../../fake-devices/onvif/onvif-fleet.js';
import type { DevicePropertySpec, OnvifOperation } from './device-spec.js';
import type { IoResult } from './device-io.js';
import { OnvifDeviceIo } from './onvif-client.js';
import { TimerWheel } from '../../scheduler/timer-wheel.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const ENV = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><env:Body>${body}</env:Body></env:Envelope>`;

interface Camera {
  port: number;
  actions: string[];
  silent: boolean;
}

async function camera(password = 'pw'): Promise<Camera> {
  const cam: Camera = { port: 0, actions: [], silent: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (cam.silent) return;
      if (req.method === 'GET' && req.url === '/snap.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(1234, 0xff));
        return;
      }
      const xml = Buffer.concat(chunks).toString('utf8');
      const action = /action="[^"]*\/(\w+)"/.exec(String(req.headers['content-type']))?.[1] ?? '';
      cam.actions.push(`${req.url} ${action}`);
      const nonce = /<wsse:Nonce[^>]*>([^<]+)</.exec(xml)?.[1];
      const created = /<wsu:Created>([^<]+)</.exec(xml)?.[1];
      const digest = /<wsse:Password[^>]*>([^<]+)</.exec(xml)?.[1];
      const want = nonce && created ? createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)])).digest('base64') : '';
      if (!digest || digest !== want) {
        res.writeHead(400, { 'content-type': 'application/soap+xml' }).end(ENV('<env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Sender not authorized</env:Text></env:Reason></env:Fault>'));
        return;
      }
      const answers: Record<string, string> = {
        GetDeviceInformation: '<tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer><tds:Model>CAM-9</tds:Model><tds:FirmwareVersion>1.2.3</tds:FirmwareVersion><tds:SerialNumber>SN42</tds:SerialNumber><tds:HardwareId>hw</tds:HardwareId></tds:GetDeviceInformationResponse>',
        GetCapabilities: `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>http://127.0.0.1:${cam.port}/onvif/media_service</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`,
        GetProfiles: '<trt:GetProfilesResponse><trt:Profiles token="profile_1" fixed="true"><tt:Name>main</tt:Name></trt:Profiles></trt:GetProfilesResponse>',
        GetSnapshotUri: `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>http://127.0.0.1:${cam.port}/snap.jpg</tt:Uri></trt:MediaUri></trt:GetSnapshotUriResponse>`,
        GetStreamUri: '<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://127.0.0.1:554/main</tt:Uri></trt:MediaUri></trt:GetStreamUriResponse>',
        GetSystemDateAndTime: '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>9</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>7</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>11</tt:Month><tt:Day>25</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
      };
      res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(ENV(answers[action] ?? ''));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cam.port = (server.address() as AddressInfo).port;
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return cam;
}

function prop(operation: OnvifOperation, field = 'Model'): DevicePropertySpec {
  return { name: operation, desired: '', collectCycleMs: 1000, reportToCloud: true, visitor: { protocol: 'onvif', operation, field }, accessMode: 'ReadOnly', modelType: 'string' };
}

function client(cam: Camera, password = 'pw', timeoutMs = 2000): OnvifDeviceIo {
  const wheel = new TimerWheel({ tickMs: 5 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const io = new OnvifDeviceIo({ protocol: 'onvif', host: '127.0.0.1', port: cam.port, path: '/onvif/device_service', userName: 'admin', password }, wheel, agent, timeoutMs);
  cleanup.push(() => {
    io.close();
    agent.destroy();
    wheel.stop();
  });
  return io;
}

function read(io: OnvifDeviceIo, p: DevicePropertySpec): Promise<IoResult> {
  return new Promise((resolve) => io.read(p, (r) => resolve(r)));
}

describe('OnvifDeviceIo', () => {
  it('reads GetDeviceInformation fields and the camera clock, authenticated with a UsernameToken digest', async () => {
    const cam = await camera();
    const io = client(cam);
    expect(await read(io, prop('GetDeviceInformation', 'Model'))).toEqual({ ok: true, value: 'CAM-9' });
    expect(await read(io, prop('GetDeviceInformation', 'FirmwareVersion'))).toEqual({ ok: true, value: '1.2.3' });
    expect(await read(io, prop('GetSystemDateAndTime'))).toEqual({ ok: true, value: '2026-11-25T09:05:07Z' });
  });

  it('finds the media service with GetCapabilities once, then profiles, stream and snapshot URIs, and fetches the snapshot', async () => {
    const cam = await camera();
    const io = client(cam);
    expect(await read(io, prop('GetStreamUri'))).toEqual({ ok: true, value: 'rtsp://127.0.0.1:554/main' });
    expect(await read(io, prop('Snapshot'))).toEqual({ ok: true, value: '1234' });
    expect(cam.actions).toEqual([
      '/onvif/device_service GetCapabilities',
      '/onvif/media_service GetProfiles',
      '/onvif/media_service GetStreamUri',
      '/onvif/media_service GetSnapshotUri',
    ]);
  });

  it('a SOAP fault (wrong password) is an http error; a camera that never answers times out on the wheel', async () => {
    const cam = await camera('other');
    const io = client(cam);
    const r = await read(io, prop('GetDeviceInformation'));
    expect(r).toMatchObject({ ok: false, kind: 'http' });
    expect(r.ok === false && r.message).toContain('Sender not authorized');
    cam.silent = true;
    const slow = client(cam, 'other', 200);
    expect(await read(slow, prop('GetDeviceInformation'))).toMatchObject({ ok: false, kind: 'timeout' });
  });

  it('nothing listening is refused; writes are accepted as the onvif mapper does (it writes nothing)', async () => {
    const cam = await camera();
    const io = client({ ...cam, port: 1 });
    expect(await read(io, prop('GetDeviceInformation'))).toMatchObject({ ok: false, kind: 'refused' });
    const w = await new Promise<IoResult>((resolve) => client(cam).write(prop('GetDeviceInformation'), 'x', (r) => resolve(r)));
    expect(w).toEqual({ ok: true, value: 'x' });
  });
});

describe('OnvifDeviceIo against a fake camera', () => {
  it('authenticates with its UsernameToken, reads the identity and fetches a snapshot; a wrong password is refused', async () => {
    const fleet = await startOnvifFleet({ count: 1, basePort: 0, username: 'admin', password: 'pw' });
    cleanup.push(() => fleet.stop());
    const cam = fleet.cameras[0]!;
    const port = new URL(cam.xaddr).port;
    const io = client({ port: Number(port), actions: [], silent: false });
    expect(await read(io, prop('GetDeviceInformation', 'Model'))).toEqual({ ok: true, value: cam.identity.model });
    const snapshot = await read(io, prop('Snapshot'));
    expect(snapshot.ok && Number(snapshot.value)).toBeGreaterThan(0);
    const refused = await read(client({ port: Number(port), actions: [], silent: false }, 'guess'), prop('GetDeviceInformation'));
    expect(refused).toMatchObject({ ok: false, kind: 'http' });
    expect(fleet.totals().authFailures).toBe(1);
  });
});
