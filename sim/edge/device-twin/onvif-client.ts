/**
 * ONVIF for the virtual mappers, kept simple but real on the wire: SOAP 1.2 over HTTP with a
 * WS-Security UsernameToken (PasswordDigest), the device service's GetDeviceInformation and
 * GetSystemDateAndTime, GetCapabilities to find the media service, then GetProfiles and
 * GetStreamUri/GetSnapshotUri, and an HTTP GET of the snapshot (its size in bytes is the value).
 * A camera that answers at all counts as reachable. One request at a time per camera; deadlines
 * run on the shard's timer wheel and a late request is destroyed.
 */
import http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { Ns } from '../../protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope, type XmlObject } from '../../protocol/devices/soap-builder.js';
import { usernameTokenHeader } from '../../protocol/devices/ws-security-token.js';
import type { DevicePropertySpec, OnvifEndpointSpec, OnvifVisitor } from './device-spec.js';
import { classifyIoError, errorMessage, failure, type DeviceIo, type IoCallback, type IoResult } from './device-io.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../../scheduler/timer-wheel.js';

/** Prefixes declared on every request envelope. */
const REQUEST_NAMESPACES = { env: Ns.soapEnvelope, tds: Ns.device, trt: Ns.media, tt: Ns.onvifSchema } as const;

/** Largest answer read from a camera (a snapshot included). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true });

/** The SOAP 1.2 envelope of one ONVIF call, with a fresh UsernameToken (mustUnderstand) when there is a user. */
export function soapEnvelope(body: XmlObject, user: string, password: string, nowMs: number): string {
  const created = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const header = user ? usernameTokenHeader({ username: user, password }, { created, mustUnderstand: true }) : undefined;
  return buildSoapEnvelope({ namespaces: REQUEST_NAMESPACES, ...(header === undefined ? {} : { header }), body });
}

type Tree = Record<string, unknown>;

function child(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Tree)[key];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

function text(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  const t = child(node, '#text');
  return typeof t === 'string' ? t : '';
}

class SoapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoapError';
  }
}

/** The Body's payload of a SOAP answer; a Fault throws. */
export function soapBody(xml: string): Tree {
  const doc = parser.parse(xml) as Tree;
  const body = child(doc, 'Envelope', 'Body');
  if (body === null || typeof body !== 'object') throw new SoapError('answer is not a SOAP envelope');
  const fault = child(body, 'Fault');
  if (fault !== undefined) {
    const reason = text(child(fault, 'Reason', 'Text')) || text(child(fault, 'faultstring')) || 'SOAP fault';
    throw new SoapError(`SOAP fault: ${reason}`);
  }
  return body as Tree;
}

interface Op {
  readonly property: DevicePropertySpec;
  readonly visitor: OnvifVisitor;
  readonly done: IoCallback;
  startedAt: number;
}

const T_DEADLINE = 1;

/** One camera. */
export class OnvifDeviceIo implements DeviceIo, TimerTarget {
  private readonly queue: Op[] = [];
  private current: Op | undefined;
  private request: http.ClientRequest | undefined;
  private timer: TimerId = NO_TIMER;
  private gen = 0;
  private mediaPath: string | undefined;
  private profileToken: string | undefined;
  private closed = false;

  constructor(
    private readonly spec: OnvifEndpointSpec,
    private readonly wheel: TimerWheel,
    private readonly agent: http.Agent,
    private readonly requestTimeoutMs: number,
  ) {}

  read(property: DevicePropertySpec, done: IoCallback): void {
    const v = property.visitor;
    if (this.closed || v?.protocol !== 'onvif') {
      queueMicrotask(() => done(failure('other', this.closed ? 'device closed' : `${property.name} has no onvif visitor`), 0));
      return;
    }
    this.queue.push({ property, visitor: v, done, startedAt: 0 });
    this.pump();
  }

  /** The onvif mapper writes nothing (its SetDeviceData is a stub): the desired value is accepted as is. */
  write(_property: DevicePropertySpec, value: string, done: IoCallback): void {
    queueMicrotask(() => done({ ok: true, value }, 0));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gen++;
    this.cancelTimer();
    this.request?.destroy();
    this.request = undefined;
    const ops = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = undefined;
    this.queue.length = 0;
    for (const op of ops) queueMicrotask(() => op.done(failure('reset', 'device closed'), 0));
  }

  onTimer(): void {
    this.timer = NO_TIMER;
    const req = this.request;
    this.request = undefined;
    this.gen++;
    req?.destroy();
    this.finish(failure('timeout', `no answer from ${this.spec.host}:${this.spec.port} within ${this.requestTimeoutMs} ms`));
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const op = this.queue.shift();
    if (!op) return;
    this.current = op;
    op.startedAt = this.wheel.now();
    this.run(op).then(
      (value) => this.finish({ ok: true, value }),
      (error: unknown) => this.finish(failure(error instanceof SoapError ? 'http' : classifyIoError(error), errorMessage(error))),
    );
  }

  private finish(result: IoResult): void {
    const op = this.current;
    if (!op) return;
    this.current = undefined;
    this.cancelTimer();
    op.done(result, this.wheel.now() - op.startedAt);
    this.pump();
  }

  private async run(op: Op): Promise<string> {
    const v = op.visitor;
    switch (v.operation) {
      case 'GetDeviceInformation': {
        const body = await this.call(this.spec.path, Ns.device, 'GetDeviceInformation', { 'tds:GetDeviceInformation': {} });
        return text(child(body, 'GetDeviceInformationResponse', v.field));
      }
      case 'GetSystemDateAndTime': {
        const body = await this.call(this.spec.path, Ns.device, 'GetSystemDateAndTime', { 'tds:GetSystemDateAndTime': {} });
        const utc = child(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime', 'UTCDateTime');
        const d = child(utc, 'Date');
        const t = child(utc, 'Time');
        const pad = (n: unknown): string => text(n).padStart(2, '0');
        return d && t ? `${text(child(d, 'Year'))}-${pad(child(d, 'Month'))}-${pad(child(d, 'Day'))}T${pad(child(t, 'Hour'))}:${pad(child(t, 'Minute'))}:${pad(child(t, 'Second'))}Z` : '';
      }
      case 'GetStreamUri': {
        const token = await this.profile();
        const body = await this.call(await this.media(), Ns.media, 'GetStreamUri', {
          'trt:GetStreamUri': { 'trt:StreamSetup': { 'tt:Stream': 'RTP-Unicast', 'tt:Transport': { 'tt:Protocol': 'RTSP' } }, 'trt:ProfileToken': token },
        });
        return text(child(body, 'GetStreamUriResponse', 'MediaUri', 'Uri'));
      }
      case 'GetSnapshotUri':
        return this.snapshotUri();
      case 'Snapshot': {
        const uri = await this.snapshotUri();
        const bytes = await this.get(uri);
        return String(bytes);
      }
    }
  }

  private async snapshotUri(): Promise<string> {
    const token = await this.profile();
    const body = await this.call(await this.media(), Ns.media, 'GetSnapshotUri', { 'trt:GetSnapshotUri': { 'trt:ProfileToken': token } });
    const uri = text(child(body, 'GetSnapshotUriResponse', 'MediaUri', 'Uri'));
    if (!uri) throw new SoapError('GetSnapshotUri returned no Uri');
    return uri;
  }

  /** The media service path, from GetCapabilities once (the device service path if it names none). */
  private async media(): Promise<string> {
    if (this.mediaPath) return this.mediaPath;
    const body = await this.call(this.spec.path, Ns.device, 'GetCapabilities', { 'tds:GetCapabilities': { 'tds:Category': 'Media' } });
    const xaddr = text(child(body, 'GetCapabilitiesResponse', 'Capabilities', 'Media', 'XAddr'));
    let path = this.spec.path;
    if (xaddr) {
      try {
        path = new URL(xaddr).pathname || path;
      } catch {
        // a relative or odd XAddr: keep the device service
      }
    }
    this.mediaPath = path;
    return path;
  }

  private async profile(): Promise<string> {
    if (this.profileToken) return this.profileToken;
    const body = await this.call(await this.media(), Ns.media, 'GetProfiles', { 'trt:GetProfiles': {} });
    const profile = child(body, 'GetProfilesResponse', 'Profiles');
    const token = typeof child(profile, '@token') === 'string' ? (child(profile, '@token') as string) : '';
    if (!token) throw new SoapError('the camera has no media profile');
    this.profileToken = token;
    return token;
  }

  private async call(path: string, ns: string, action: string, body: XmlObject): Promise<Tree> {
    const envelope = soapEnvelope(body, this.spec.userName, this.spec.password, Date.now());
    const answer = await this.http('POST', path, envelope, `application/soap+xml; charset=utf-8; action="${ns}/${action}"`);
    if (answer.status !== 200 && !answer.body.toString('utf8').includes('Fault')) throw new SoapError(`${action}: HTTP ${answer.status}`);
    return soapBody(answer.body.toString('utf8'));
  }

  /** GET a URI on the camera; returns the body's length. */
  private async get(uri: string): Promise<number> {
    const url = new URL(uri, `http://${this.spec.host}:${this.spec.port}`);
    const answer = await this.http('GET', `${url.pathname}${url.search}`, undefined, undefined, url);
    if (answer.status !== 200) throw new SoapError(`GET ${url.pathname}: HTTP ${answer.status}`);
    return answer.body.length;
  }

  private http(method: string, path: string, body: string | undefined, contentType: string | undefined, url?: URL): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const gen = this.gen;
      const headers: http.OutgoingHttpHeaders = {};
      if (contentType) headers['content-type'] = contentType;
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const req = http.request(
        { host: url?.hostname ?? this.spec.host, port: url?.port ? Number(url.port) : this.spec.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            if (gen !== this.gen) return;
            this.cancelTimer();
            this.request = undefined;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on('error', (e) => {
        if (gen !== this.gen) return;
        this.cancelTimer();
        this.request = undefined;
        reject(e);
      });
      this.request = req;
      this.cancelTimer();
      this.timer = this.wheel.schedule(this, T_DEADLINE, this.requestTimeoutMs);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private cancelTimer(): void {
    if (this.timer !== NO_TIMER) this.wheel.cancel(this.timer);
    this.timer = NO_TIMER;
  }
}
