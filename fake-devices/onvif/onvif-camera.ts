/**
 * One fake ONVIF camera on its own HTTP port: the device and media SOAP services, a snapshot URI
 * serving a generated JPEG, and the faults it has been told to show (latency, SOAP faults, dropped
 * connections, offline, reboot).
 *
 * Offline and rebooting cameras keep their port and reset every connection they accept, so a
 * camera always comes back on the port it left.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import type { Credentials } from '../../sim/protocol/devices/ws-security-token.js';
import { ConfigInvalidError } from '../../sim/errors.js';
import { CameraCounters, type OnvifCameraCounters } from './camera-counters.js';
import { checkCameraFault, NO_FAULT, rateFires, type CameraFault, type RandomSource } from './camera-fault.js';
import { DEVICE_ACTIONS } from './device-service.js';
import { onvifScopes, type DeviceIdentity } from './device-identity.js';
import { findProfile, MEDIA_PROFILES } from './media-profiles.js';
import { MEDIA_ACTIONS } from './media-service.js';
import { ActionTable, type CameraEndpoints, type CameraServiceContext } from './soap-action.js';
import { answerSoapRequest, type SoapAnswer, type SoapEndpointSettings } from './soap-endpoint.js';
import { renderSnapshot, type SnapshotSize } from './snapshot-jpeg.js';

export const DEVICE_SERVICE_PATH = '/onvif/device_service';
export const MEDIA_SERVICE_PATH = '/onvif/media_service';
export const SNAPSHOT_PATH = '/onvif/snapshot.jpg';
/** Stream URIs name this port; no RTSP server stands behind it. */
const RTSP_PORT = 554;
/** ONVIF requests are a few kilobytes; anything far larger is not a camera client. */
const MAX_REQUEST_BYTES = 256 * 1024;
const DRAIN_FACTOR = 16;

const SOAP_PATHS = new Set([DEVICE_SERVICE_PATH, MEDIA_SERVICE_PATH]);
const ACTIONS = new ActionTable([...DEVICE_ACTIONS, ...MEDIA_ACTIONS], [Ns.deviceIo]);

export interface OnvifCameraConfig {
  readonly id: string;
  /** Address to bind. */
  readonly host: string;
  /** Address written into XAddrs and URIs (differs from host when binding a wildcard address). */
  readonly advertiseHost: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly credentials: Credentials;
  readonly identity: DeviceIdentity;
  readonly rebootMs: number;
  readonly clockToleranceMs: number;
  readonly snapshotSize: SnapshotSize;
  /** Decides when fault rates fire. */
  readonly random: RandomSource;
  readonly fault?: CameraFault;
}

export interface StartedOnvifCamera {
  readonly id: string;
  /** The advertised address. */
  readonly host: string;
  readonly port: number;
  /** The device service address, as WS-Discovery and GetServices give it. */
  readonly xaddr: string;
  readonly snapshotUrl: string;
  readonly identity: DeviceIdentity;
  readonly scopes: readonly string[];
  readonly fault: CameraFault;
  /** Replaces the camera's fault settings; {} clears them. */
  setFault(fault: CameraFault): void;
  counters(): OnvifCameraCounters;
  /** False while offline or rebooting. */
  isAvailable(): boolean;
  /** Called by the WS-Discovery responder each time it answers a probe for this camera. */
  recordProbeAnswered(): void;
  stop(): Promise<void>;
}

export async function startOnvifCamera(config: OnvifCameraConfig): Promise<StartedOnvifCamera> {
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 30_000 });
  const port = await listen(server, config);
  const camera = new OnvifCameraServer(server, config, port);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => camera.handle(req, res));
  return camera;
}

function listen(server: Server, config: OnvifCameraConfig): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(
          new ConfigInvalidError(`camera ${config.id} cannot listen on ${config.host}:${config.port}: ${error.code}`, {
            option: 'port',
            camera: config.id,
            host: config.host,
            port: config.port,
          }),
        );
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error(`camera ${config.id}: server has no TCP address`));
      else resolve(address.port);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

class OnvifCameraServer implements StartedOnvifCamera {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly xaddr: string;
  readonly snapshotUrl: string;
  readonly identity: DeviceIdentity;
  readonly scopes: readonly string[];

  private currentFault: CameraFault;
  private unavailableUntil = 0;
  private readonly tally = new CameraCounters();
  private readonly stopping = new AbortController();
  private readonly context: CameraServiceContext;
  private readonly settings: SoapEndpointSettings;

  constructor(
    private readonly server: Server,
    private readonly config: OnvifCameraConfig,
    port: number,
  ) {
    this.id = config.id;
    this.host = config.advertiseHost;
    this.port = port;
    this.identity = config.identity;
    this.scopes = onvifScopes(config.identity);
    this.currentFault = checkCameraFault(config.fault ?? NO_FAULT, `camera ${config.id}`);
    const base = `http://${hostForUrl(config.advertiseHost)}:${port}`;
    const endpoints: CameraEndpoints = {
      deviceXAddr: `${base}${DEVICE_SERVICE_PATH}`,
      mediaXAddr: `${base}${MEDIA_SERVICE_PATH}`,
      deviceIoXAddr: `${base}${DEVICE_SERVICE_PATH}`,
      snapshotUri: (profileToken) => `${base}${SNAPSHOT_PATH}?profile=${encodeURIComponent(profileToken)}`,
      streamUri: (profileToken) => `rtsp://${hostForUrl(config.advertiseHost)}:${RTSP_PORT}/twinlab/${encodeURIComponent(config.id)}/${encodeURIComponent(profileToken)}`,
    };
    this.xaddr = endpoints.deviceXAddr;
    this.snapshotUrl = endpoints.snapshotUri(MEDIA_PROFILES[0]!.token);
    this.context = {
      identity: config.identity,
      scopes: this.scopes,
      endpoints,
      rebootMs: config.rebootMs,
      now: () => new Date(),
      beginReboot: () => this.beginReboot(),
    };
    this.settings = { actions: ACTIONS, credentials: config.credentials, clockToleranceMs: config.clockToleranceMs };
  }

  get fault(): CameraFault {
    return this.currentFault;
  }

  setFault(fault: CameraFault): void {
    this.currentFault = checkCameraFault(fault, `camera ${this.id}`);
    if (fault.offline === true) this.server.closeIdleConnections();
  }

  counters(): OnvifCameraCounters {
    return this.tally.snapshot();
  }

  isAvailable(): boolean {
    return this.currentFault.offline !== true && Date.now() >= this.unavailableUntil;
  }

  recordProbeAnswered(): void {
    this.tally.count('probesAnswered');
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.isAvailable()) {
      this.tally.count('refusedWhileUnavailable');
      req.socket.destroy();
      return;
    }
    const url = parseRequestUrl(req.url);
    if (url === undefined) {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname === SNAPSHOT_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      this.settle(this.serveSnapshot(req, res, url.searchParams.get('profile')), req);
    } else if (SOAP_PATHS.has(url.pathname)) {
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end();
        return;
      }
      this.settle(this.serveSoap(req, res), req);
    } else {
      res.writeHead(404).end();
    }
  }

  private settle(work: Promise<void>, req: IncomingMessage): void {
    work.catch((error: unknown) => {
      req.socket.destroy();
      // Aborted waits and bodies cut off by a departing client are not the camera's failures.
      if (this.stopping.signal.aborted || error instanceof ClientGoneError) return;
      this.tally.count('internalErrors');
    });
  }

  private async serveSoap(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === undefined) {
      this.tally.count('malformedRequests');
      res.writeHead(413, { Connection: 'close' }).end();
      return;
    }
    if (!(await this.passFaults(req))) return;
    const answer = answerSoapRequest(body, this.context, this.settings, () => rateFires(this.currentFault.soapFaultRate, this.config.random));
    this.countAnswer(answer);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/soap+xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(answer.xml),
    };
    if (!this.isAvailable()) headers.Connection = 'close';
    res.writeHead(answer.status, headers).end(answer.xml);
  }

  private async serveSnapshot(req: IncomingMessage, res: ServerResponse, profileToken: string | null): Promise<void> {
    if (profileToken !== null && findProfile(profileToken) === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (!(await this.passFaults(req))) return;
    const frame = req.method === 'GET' ? this.tally.count('snapshotsServed') : this.tally.snapshot().snapshotsServed + 1;
    const image = renderSnapshot(this.config.snapshotSize, frame);
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': image.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'GET' ? image : undefined);
  }

  /** Applies dropRate and latency; false when the connection was dropped. */
  private async passFaults(req: IncomingMessage): Promise<boolean> {
    const fault = this.currentFault;
    if (rateFires(fault.dropRate, this.config.random)) {
      this.tally.count('droppedConnections');
      req.socket.destroy();
      return false;
    }
    if (fault.latencyMs !== undefined && fault.latencyMs > 0) await sleep(fault.latencyMs, undefined, { signal: this.stopping.signal });
    return true;
  }

  private countAnswer(answer: SoapAnswer): void {
    if (answer.action !== undefined) this.tally.countRequest(answer.action);
    if (answer.fault !== undefined) this.tally.count('soapFaults');
    switch (answer.outcome) {
      case 'malformed':
        this.tally.count('malformedRequests');
        break;
      case 'auth-failed':
        this.tally.count('authFailures');
        break;
      case 'injected-fault':
        this.tally.count('injectedFaults');
        break;
      case 'internal-error':
        this.tally.count('internalErrors');
        break;
      case 'answered':
      case 'fault':
        break;
    }
  }

  private beginReboot(): void {
    this.unavailableUntil = Date.now() + this.config.rebootMs;
    this.tally.count('reboots');
  }
}

/** The client closed the connection before its request body arrived. */
class ClientGoneError extends Error {}

function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://camera.invalid');
  } catch {
    return undefined;
  }
}

/**
 * The request body as UTF-8, or undefined when it exceeds `limit` bytes. An oversized body is
 * still read (and dropped) to its end, so the client is reading when the 413 comes instead of
 * being reset mid-upload; past DRAIN_FACTOR × limit the answer goes out at once and the connection closes.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      finish();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * DRAIN_FACTOR) settle(() => resolve(undefined));
    });
    req.on('end', () => settle(() => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => settle(() => reject(new ClientGoneError('request body cut off'))));
    req.on('close', () => settle(() => reject(new ClientGoneError('connection closed before the request body ended'))));
  });
}
