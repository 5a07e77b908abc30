/**
 * Fake cameras against the real `onvif` client library (the one NVR software and mapper code
 * use), over real sockets on 127.0.0.1.
 */
import jpeg from 'jpeg-js';
import { Cam, type CamCapabilities, type CamOptions } from 'onvif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnvifFleet, type OnvifFleet } from './onvif-fleet.js';

const USERNAME = 'operator';
const PASSWORD = 'correct-horse';
const SNAPSHOT = { width: 160, height: 120 };
const REBOOT_MS = 600;

let fleet: OnvifFleet;

beforeAll(async () => {
  fleet = await startOnvifFleet({ count: 3, basePort: 0, username: USERNAME, password: PASSWORD, seed: 7, rebootMs: REBOOT_MS, snapshotSize: SNAPSHOT });
});

afterAll(async () => {
  await fleet?.stop();
});

function camera(index: number): { id: string; options: CamOptions } {
  const info = fleet.cameras[index]!;
  return { id: info.id, options: { hostname: info.host, port: info.port, username: USERNAME, password: PASSWORD, timeout: 5_000 } };
}

/** `new Cam(options, callback)`, the library's own connect sequence, as a promise. */
function connect(options: CamOptions): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam: Cam = new Cam(options, (error: Error | null) => (error ? reject(error) : resolve(cam)));
  });
}

function call<T>(run: (callback: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a fake camera seen by the onvif client library', () => {
  it('connects and authenticates through the library connect sequence', async () => {
    const { id, options } = camera(0);
    const before = fleet.counters(id);
    const cam = await connect(options);
    const after = fleet.counters(id);
    const delta = (action: string) => (after.requestsByAction[action] ?? 0) - (before.requestsByAction[action] ?? 0);
    expect(delta('GetSystemDateAndTime')).toBe(1);
    expect(delta('GetServices')).toBe(1);
    expect(delta('GetProfiles')).toBe(1);
    expect(delta('GetVideoSources')).toBe(1);
    expect(after.authFailures).toBe(before.authFailures);
    // The library picked the main profile of the only video source as its active source.
    expect(cam.activeSource).toMatchObject({ sourceToken: 'VideoSource_1', profileToken: 'Profile_1', width: 1920, height: 1080 });
  });

  it('reads the seeded device information', async () => {
    const { options } = camera(0);
    const cam = await connect(options);
    const info = await call<Record<string, unknown>>((cb) => cam.getDeviceInformation(cb));
    const identity = fleet.cameras[0]!.identity;
    // The library turns all-digit strings into numbers, so compare as text.
    expect(String(info.manufacturer)).toBe(identity.manufacturer);
    expect(String(info.model)).toBe(identity.model);
    expect(String(info.firmwareVersion)).toBe(identity.firmwareVersion);
    expect(String(info.serialNumber)).toBe(identity.serialNumber);
    expect(String(info.hardwareId)).toBe(identity.hardwareId);
    expect(fleet.cameras[1]!.identity.serialNumber).not.toBe(identity.serialNumber);
  });

  it('lists the profiles and gives a stream URI for one', async () => {
    const { id, options } = camera(0);
    const cam = await connect(options);
    const profiles = await call<{ $: { token: string }; name: string; videoEncoderConfiguration: { resolution: { width: number; height: number } } }[]>((cb) =>
      cam.getProfiles(cb),
    );
    expect(profiles.map((p) => p.$.token)).toEqual(['Profile_1', 'Profile_2']);
    expect(profiles.map((p) => p.name)).toEqual(['MainStream', 'SubStream']);
    expect(profiles[1]!.videoEncoderConfiguration.resolution).toEqual({ width: 640, height: 360 });

    const stream = await call<{ uri: string }>((cb) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'Profile_2' }, cb));
    expect(stream.uri).toBe(`rtsp://127.0.0.1:554/twinlab/${id}/Profile_2`);
  });

  it('serves a JPEG of the configured size at the snapshot URI', async () => {
    const { id, options } = camera(0);
    const cam = await connect(options);
    const snapshot = await call<{ uri: string }>((cb) => cam.getSnapshotUri(cb));
    expect(snapshot.uri).toBe(fleet.cameras[0]!.snapshotUrl);
    const servedBefore = fleet.counters(id).snapshotsServed;

    const response = await fetch(snapshot.uri);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect([bytes[bytes.length - 2], bytes[bytes.length - 1]]).toEqual([0xff, 0xd9]);
    const image = jpeg.decode(bytes, { useTArray: true });
    expect({ width: image.width, height: image.height }).toEqual(SNAPSHOT);
    expect(fleet.counters(id).snapshotsServed).toBe(servedBefore + 1);

    // The frame counter is drawn into the picture, so the next frame differs.
    const next = Buffer.from(await (await fetch(snapshot.uri)).arrayBuffer());
    expect(next.equals(bytes)).toBe(false);
  });

  it('answers GetCapabilities, GetScopes and GetHostname', async () => {
    const { id, options } = camera(0);
    const cam = await connect(options);
    const capabilities = await call<CamCapabilities>((cb) => cam.getCapabilities(cb));
    expect(capabilities.device?.XAddr).toBe(fleet.cameras[0]!.xaddr);
    expect(capabilities.media?.XAddr).toBe(`http://127.0.0.1:${fleet.cameras[0]!.port}/onvif/media_service`);
    const scopes = await call<{ scopeItem: string }[]>((cb) => cam.getScopes(cb));
    expect(scopes.map((s) => s.scopeItem)).toContain(`onvif://www.onvif.org/name/${id}`);
    const hostname = await call<{ fromDHCP: boolean; name?: string }>((cb) => cam.getHostname(cb));
    expect(hostname.name).toBe(id);
  });

  it('refuses a wrong password: the client gets an error and the camera counts the failure', async () => {
    const { id, options } = camera(1);
    const before = fleet.counters(id).authFailures;
    const error = await connect({ ...options, password: 'wrong-horse' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('Sender not Authorized');
    expect(fleet.counters(id).authFailures).toBeGreaterThan(before);
    const perCamera = fleet.cameras.map((c) => fleet.counters(c.id));
    expect(fleet.totals().authFailures).toBe(perCamera.reduce((sum, c) => sum + c.authFailures, 0));
    expect(fleet.totals().requestsByAction.GetServices).toBe(perCamera.reduce((sum, c) => sum + (c.requestsByAction.GetServices ?? 0), 0));
  });

  it('answers every call with a SOAP fault when the fault rate is 1', async () => {
    const { id, options } = camera(2);
    const cam = await connect(options);
    fleet.setFault(id, { soapFaultRate: 1 });
    try {
      const before = fleet.counters(id).injectedFaults;
      await expect(call((cb) => cam.getDeviceInformation(cb))).rejects.toThrow(/ONVIF SOAP Fault: Action Failed/);
      await expect(call((cb) => cam.getProfiles(cb))).rejects.toThrow(/Action Failed/);
      expect(fleet.counters(id).injectedFaults).toBe(before + 2);
    } finally {
      fleet.setFault(id, {});
    }
    await expect(call((cb) => cam.getDeviceInformation(cb))).resolves.toBeDefined();
  });

  it('goes away on SystemReboot and comes back after the reboot time', async () => {
    const { id, options } = camera(2);
    const cam = await connect(options);
    const message = await call<string>((cb) => cam.systemReboot(cb));
    expect(message).toBe('Rebooting in 1 seconds');
    const rebootedAt = Date.now();

    await expect(call((cb) => cam.getDeviceInformation(cb))).rejects.toThrow();
    expect(Date.now() - rebootedAt).toBeLessThan(REBOOT_MS);
    expect(fleet.counters(id)).toMatchObject({ reboots: 1 });
    expect(fleet.counters(id).refusedWhileUnavailable).toBeGreaterThanOrEqual(1);

    await sleep(REBOOT_MS - (Date.now() - rebootedAt) + 50);
    const info = await call<Record<string, unknown>>((cb) => cam.getDeviceInformation(cb));
    expect(String(info.serialNumber)).toBe(fleet.cameras[2]!.identity.serialNumber);
  });
});
